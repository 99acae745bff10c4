# Sourced by the load benchmarks: starts `shinrai serve` on a free loopback
# port and waits until it listens, and runs one wrk case against it.
#
#   start_server DATA_DIR   -> sets SERVER_PID and SERVER_PORT (exits on failure)
#   run_case NAME WRK_SCRIPT EVENTS_PER_REQUEST
#                           -> one line: throughput, latency, errors, peak RSS
#                              (needs DURATION and CONNS; SERVE_ARGS is passed on)
#   run_nodes N NAME WRK_SCRIPT EVENTS_PER_REQUEST
#                           -> the same for N servers at once (on one shared
#                              store, through SERVE_ARGS), a wrk each with
#                              CONNS/N connections; throughput summed, the
#                              worst p99 and the largest peak RSS
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

run_nodes() {
  local n=$1 name=$2 script=$3 events_per_request=$4
  local datas=() pids=() ports=() outs=() wrks=()
  for i in $(seq "$n"); do
    local data; data=$(mktemp -d /tmp/shinrai-bench-XXXXXX)
    start_server "$data"
    datas+=("$data"); pids+=("$SERVER_PID"); ports+=("$SERVER_PORT")
  done
  for port in "${ports[@]}"; do  # every node up before the load starts
    local out; out=$(mktemp)
    outs+=("$out")
    wrk -t1 -c$((CONNS / n)) -d"${DURATION}s" --latency -s "bench/wrk/$script" "http://127.0.0.1:$port" >"$out" &
    wrks+=($!)
  done
  wait "${wrks[@]}"
  local rps=0 p99=0 non2xx=0 rss=0
  for i in $(seq 0 $((n - 1))); do
    local r; r=$(awk '/Requests\/sec/ {print $2}' "${outs[$i]}")
    rps=$(awk -v a="$rps" -v b="$r" 'BEGIN {printf "%.2f", a + b}')
    local p; p=$(awk '$1=="99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; print v}' "${outs[$i]}")
    p99=$(awk -v a="$p99" -v b="$p" 'BEGIN {print (b > a ? b : a)}')
    local e; e=$(awk '/Non-2xx/ {print $5}' "${outs[$i]}")
    non2xx=$((non2xx + ${e:-0}))
    local kb; kb=$(awk '/VmHWM/ {print $2}' "/proc/${pids[$i]}/status")
    [ "$kb" -gt "$rss" ] && rss=$kb
  done
  for i in $(seq 0 $((n - 1))); do
    kill "${pids[$i]}"; wait "${pids[$i]}" 2>/dev/null || true
    rm -rf "${datas[$i]}" "${datas[$i]}.log" "${outs[$i]}"
  done
  local events; events=$(awk -v r="$rps" -v k="$events_per_request" 'BEGIN {printf "%.0f", r * k}')
  printf '%-34s requests/s %10s   events/s %10s   p50 %8s   p99 %7sms   non-2xx %s   peak RSS %d MiB\n' \
    "$name" "$rps" "$events" "-" "$p99" "$non2xx" $((rss / 1024))
}

