#!/usr/bin/env bash
# Ingestion load benchmark on loopback: wrk drives a real `shinrai serve`
# (RocksDB store, synced WAL, group commit) and reports throughput, latency
# percentiles and the server's peak memory, then single events again without
# the access log, for its cost. Not a test: run it by hand.
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

echo "shinrai ingestion, ${DURATION}s per case, $CONNS connections, wrk -t2, $(nproc) cores"
run_case "/v1/track (single)" track.lua 1
run_case "/v1/batch (100/req)" batch.lua 100
# What the access log (a line per answer on standard error, on by default) costs.
quiet=$(mktemp /tmp/shinrai-quiet-XXXXXX.yaml)
printf 'extends: %s\nserver:\n  access_log: false\n' "$PWD/${CONFIG:-examples/shinrai.yaml}" > "$quiet"
CONFIG=$quiet run_case "/v1/track, no access log" track.lua 1
rm -f "$quiet"
