# Sourced by the load benchmarks: starts `shinrai serve` on a free loopback
# port and waits until it listens, and runs one wrk case against it.
#
#   start_server DATA_DIR   -> sets SERVER_PID and SERVER_PORT (exits on failure)
#   run_case NAME WRK_SCRIPT EVENTS_PER_REQUEST
#                           -> one line: throughput, latency, errors, peak RSS
#                              (needs DURATION and CONNS; SERVE_ARGS is passed on)
start_server() {
  local data=$1
  # SERVE_ARGS: more options for `shinrai serve` (e.g. --store postgres://...).
  # shellcheck disable=SC2086
  "$BIN" serve --data "$data" --config "${CONFIG:-examples/shinrai.yaml}" --listen 127.0.0.1:0 ${SERVE_ARGS:-} >"$data.log" 2>&1 &
  SERVER_PID=$!
  SERVER_PORT=""
  for _ in $(seq 300); do
    SERVER_PORT=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\).*|\1|p' "$data.log")
    [ -n "$SERVER_PORT" ] && return 0
    sleep 0.1
  done
  echo "shinrai did not start:"
  cat "$data.log"
  exit 1
}

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
  printf '%-34s requests/s %10s   events/s %10s   p50 %8s   p99 %8s   non-2xx %s   peak RSS %d MiB\n' \
    "$name" "$rps" "$events" "$p50" "$p99" "${non2xx:-0}" $((rss_kb / 1024))
  rm -rf "$data" "$data.log"
}
