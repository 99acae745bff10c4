#!/usr/bin/env bash
# Recommendation serving benchmark on loopback: builds a shop with a 10,000-item
# and a 100,000-item catalogue (bench/recs_bench_data), serves each with
# `shinrai serve`, and drives GET /v1/recommendations/{id} with wrk (rules,
# consent check, fold-in, audit on). Reports requests/s, latency percentiles
# and the server's peak memory. Not a test: run it by hand.
#
#   bench/recs_serve.sh [DURATION_SECONDS] [CONNECTIONS] [USERS]
#   CATALOGUES="2000 10000" bench/recs_serve.sh ...   other catalogue sizes
#   EVENTS=2 bench/recs_serve.sh 10 8 1000000   2 events a shopper (default 10): a
#                                       million shoppers load in minutes
#   WARMUP=10 bench/recs_serve.sh ...   first drives the server unmeasured for 10 s,
#                                       so every shopper's history is cached
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-10}
CONNS=${2:-32}
USERS=${3:-20000}
GEN=build-bench/bench/recs_bench_data
BIN=build/shinrai
[ -x "$GEN" ] || { echo "build the benchmarks first: cmake -S . -B build-bench -DSHINRAI_BUILD_BENCH=ON && ninja -C build-bench"; exit 1; }
[ -x "$BIN" ] || { echo "build first: scripts/build.sh"; exit 1; }
source bench/serve_lib.sh

for ITEMS in ${CATALOGUES:-10000 100000}; do
  data=$(mktemp -d /tmp/shinrai-recs-XXXXXX)
  built=$("$GEN" "$data" "$ITEMS" "$USERS" "${EVENTS:-10}" 2>/dev/null)
  disk_kib=$(du -sk "$data" | cut -f1)
  start_server "$data"
  pid=$SERVER_PID port=$SERVER_PORT
  rss_idle=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
  if [ "${WARMUP:-0}" -gt 0 ]; then
    BENCH_USERS=$USERS wrk -t2 -c"$CONNS" -d"${WARMUP}s" -s bench/wrk/recommend.lua "http://127.0.0.1:$port" >/dev/null
  fi
  out=$(BENCH_USERS=$USERS wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency -s bench/wrk/recommend.lua "http://127.0.0.1:$port")
  rss_peak=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
  kill $pid; wait $pid 2>/dev/null || true
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1=="50%" {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  non2xx=$(echo "$out" | awk '/Non-2xx/ {print $NF}')
  echo "{\"items\":$ITEMS,\"warmup_s\":${WARMUP:-0},\"users\":$USERS,\"connections\":$CONNS,\"requests_per_s\":$rps,\"p50\":\"$p50\",\"p99\":\"$p99\",\"non_2xx\":\"${non2xx:-0}\",\"rss_idle_mib\":$((rss_idle/1024)),\"rss_peak_mib\":$((rss_peak/1024)),\"data_dir_mib\":$((disk_kib/1024)),\"data\":$built}"
  rm -rf "$data" "$data.log"
done
