# Sourced by the load benchmarks: starts `shinrai serve` on a free loopback
# port and waits until it listens.
#
#   start_server DATA_DIR   -> sets SERVER_PID and SERVER_PORT (exits on failure)
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
