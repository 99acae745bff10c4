#!/usr/bin/env bash
# Ingestion load benchmark on loopback: wrk drives a real `shinrai serve`
# (RocksDB store, synced WAL, group commit) and reports throughput, latency
# percentiles and the server's peak memory. Not a test: run it by hand.
#
#   bench/ingest.sh [DURATION_SECONDS] [CONNECTIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-15}
CONNS=${2:-64}
BIN=build/shinrai
[ -x "$BIN" ] || { echo "build first: scripts/build.sh"; exit 1; }
command -v wrk >/dev/null || { echo "wrk is missing: scripts/install-deps.sh"; exit 1; }
source bench/serve_lib.sh

run_case() {
  local name=$1 script=$2 events_per_request=$3
  local data; data=$(mktemp -d /tmp/shinrai-bench-XXXXXX)
  start_server "$data"
  local pid=$SERVER_PID port=$SERVER_PORT
  local out; out=$(wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency -s "bench/wrk/$script" http://127.0.0.1:$port)
  local rss_kb; rss_kb=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
  kill $pid; wait $pid 2>/dev/null || true
  local rps; rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  local p50; p50=$(echo "$out" | awk '$1=="50%" {print $2}')
  local p99; p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  local non2xx; non2xx=$(echo "$out" | awk '/Non-2xx/ {print $5}')
  local events; events=$(awk -v r="$rps" -v n="$events_per_request" 'BEGIN {printf "%.0f", r * n}')
  printf '%-22s requests/s %10s   events/s %10s   p50 %8s   p99 %8s   non-2xx %s   peak RSS %d MiB\n' \
    "$name" "$rps" "$events" "$p50" "$p99" "${non2xx:-0}" $((rss_kb / 1024))
  rm -rf "$data" "$data.log"
}

echo "shinrai ingestion, ${DURATION}s per case, $CONNS connections, wrk -t2, $(nproc) cores"
run_case "/v1/track (single)" track.lua 1
run_case "/v1/batch (100/req)" batch.lua 100
