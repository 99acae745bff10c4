-- wrk script: /v1/batch with 100 events each (unique messageIds), as the
-- server-side SDKs send them.
local counter = 0
thread_id = 0
local BATCH = 100
dofile("bench/wrk/common.lua")

function request()
  local parts = {}
  local stamp = os.time()
  for i = 1, BATCH do
    counter = counter + 1
    parts[i] = string.format(
      '{"type":"track","userId":"bench-user-%d","messageId":"b%d-%d-%d","event":"Product Viewed",' ..
      '"properties":{"product_id":"sku-%d","price":12.5,"category":"coffee"},' ..
      '"context":{"library":{"name":"analytics-node","version":"2.0"}},"timestamp":"2026-11-24T10:00:00.000Z"}',
      counter % 10000, thread_id, counter, stamp, counter % 5000)
  end
  return wrk.format("POST", "/v1/batch", nil, '{"batch":[' .. table.concat(parts, ",") .. ']}')
end
