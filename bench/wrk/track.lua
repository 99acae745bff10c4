-- wrk script: single /v1/track calls, each with a unique messageId (so none
-- is de-duplicated away) and one of 10,000 users.
local counter = 0
thread_id = 0
dofile("bench/wrk/common.lua")

function request()
  counter = counter + 1
  local body = string.format(
    '{"type":"track","userId":"bench-user-%d","messageId":"t%d-%d-%d","event":"Product Viewed",' ..
    '"properties":{"product_id":"sku-%d","price":12.5,"category":"coffee"},' ..
    '"context":{"library":{"name":"analytics.js","version":"2.0"},"locale":"en-GB"},' ..
    '"timestamp":"2026-11-24T10:00:00.000Z"}',
    counter % 10000, thread_id, counter, os.time(), counter % 5000)
  return wrk.format("POST", "/v1/track", nil, body)
end
