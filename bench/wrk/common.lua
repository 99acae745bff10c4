-- Shared by the wrk scripts: numbers each wrk thread so messageIds stay
-- unique across threads, and sets the demo write key.
local threads = {}

function setup(thread)
  thread:set("thread_id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  thread_id = tonumber(wrk.thread:get("thread_id")) or 0
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Basic ZGVtby13cml0ZS1rZXk6"  -- demo-write-key:
end
