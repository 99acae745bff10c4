#!/usr/bin/env bash
# The soak (issue 20): one `shinrai serve` under steady collection load for
# a while, its resident memory sampled every INTERVAL seconds, to show it
# stays flat: the caches, the de-duplication window and the write queue are
# bounded. Not a test: run it by hand (5 minutes by default).
#
#   bench/soak.sh [SECONDS=300] [CONNECTIONS=16] [INTERVAL=15]
#
# Prints one line per sample, then the growth from the first sample taken
# after warm-up (a third of the run) to the last, and the spread (largest
# minus smallest) of the samples after warm-up.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TOTAL=${1:-300}
CONNS=${2:-16}
INTERVAL=${3:-15}
BIN=build/shinrai
[ -x "$BIN" ] || { echo "build first: scripts/build.sh"; exit 1; }
command -v wrk >/dev/null || { echo "wrk is missing: scripts/install-deps.sh"; exit 1; }
source bench/serve_lib.sh
data=$(mktemp -d /tmp/shinrai-soak-XXXXXX)
trap 'kill $SERVER_PID 2>/dev/null || true; rm -rf "$data" "$data.log" "$data.yaml" "$data.wrk"' EXIT
# The de-duplication window is the one bound that a few minutes of unique
# messageIds cannot fill at its default (2,000,000 ids, about 100 MiB):
# the soak lowers it, so memory must be flat once it is full. Set
# DEDUP_MAX_IDS=2000000 to soak with the default.
CONFIG="$data.yaml"
printf 'extends: %s\nserver:\n  dedup_max_ids: %s\n' "$PWD/examples/shinrai.yaml" "${DEDUP_MAX_IDS:-100000}" > "$CONFIG"
start_server "$data"
wrk -t2 -c"$CONNS" -d"${SECONDS_TOTAL}s" -s bench/wrk/track.lua "http://127.0.0.1:$SERVER_PORT" > "$data.wrk" &
wrk_pid=$!
echo "soak: ${SECONDS_TOTAL}s of /v1/track, $CONNS connections; resident memory every ${INTERVAL}s"
warm_at=$((SECONDS_TOTAL / 3))
elapsed=0 warm_kb="" last_kb=0
while kill -0 $wrk_pid 2>/dev/null; do
  sleep "$INTERVAL"
  elapsed=$((elapsed + INTERVAL))
  kb=$(awk '/VmRSS/ {print $2}' /proc/$SERVER_PID/status)
  printf '  %4ds  RSS %6d MiB\n' "$elapsed" $((kb / 1024))
  [ -z "$warm_kb" ] && [ "$elapsed" -ge "$warm_at" ] && warm_kb=$kb
  if [ -n "$warm_kb" ]; then
    [ -z "${min_kb:-}" ] || [ "$kb" -lt "$min_kb" ] && min_kb=$kb
    [ -z "${max_kb:-}" ] || [ "$kb" -gt "$max_kb" ] && max_kb=$kb
  fi
  last_kb=$kb
done
rps=$(awk '/Requests\/sec/ {print $2}' "$data.wrk")
echo "requests/s $rps; RSS after warm-up $((warm_kb / 1024)) MiB, at the end $((last_kb / 1024)) MiB" \
     "($(awk -v a="$warm_kb" -v b="$last_kb" 'BEGIN {printf "%+.1f", (b - a) * 100 / a}') %)"
echo "after warm-up: smallest $((min_kb / 1024)) MiB, largest $((max_kb / 1024)) MiB; de-duplication window ${DEDUP_MAX_IDS:-100000} ids"
