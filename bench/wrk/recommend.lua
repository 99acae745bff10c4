-- wrk script: GET /v1/recommendations/{user} for random users of the
-- benchmark shop (bench/recs_bench_data), with the service key; rules on.
local users = tonumber(os.getenv("BENCH_USERS") or "20000")
thread_id = 0
dofile("bench/wrk/common.lua")
math.randomseed(os.time())

function request()
  local user = math.random(0, users - 1)
  return wrk.format("GET", string.format("/v1/recommendations/bench-user-%d?n=10&channel=web", user),
                    { ["Authorization"] = "Bearer demo-service-key" })
end
