#!/usr/bin/env bash
# Collection on PostgreSQL against the embedded store, in one run (issue 19):
# wrk drives one `shinrai serve` on each store, then two nodes on one
# database (a wrk each, half the connections each), and pgbench measures the
# database's own limit for the same work: each event's three rows (the event,
# its profile, its share of the de-duplication record) in one transaction,
# of the sizes Shinrai wrote in the run before. Not a test: run it by hand.
#
#   bench/ingest_postgres.sh [DURATION_SECONDS] [CONNECTIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-10}
CONNS=${2:-16}
BIN=build/shinrai
[ -x "$BIN" ] || { echo "build first: scripts/build.sh"; exit 1; }
command -v wrk >/dev/null || { echo "wrk is missing: scripts/install-deps.sh"; exit 1; }
source bench/serve_lib.sh
PG=$(mktemp -d /tmp/shinrai-pgbench-XXXXXX)
trap 'scripts/pg_cluster.sh stop "$PG"' EXIT
scripts/pg_cluster.sh start "$PG" >/dev/null
[ -f "$PG/url" ] || { echo "no PostgreSQL: $(cat "$PG/skip")"; exit 1; }
URL=$(cat "$PG/url")
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)

echo "shinrai collection, ${DURATION}s per case, $CONNS connections, wrk -t2, $(nproc) cores, PostgreSQL on the same machine"
SERVE_ARGS="" run_case "embedded /v1/track" track.lua 1
SERVE_ARGS="" run_case "embedded /v1/batch (100/req)" batch.lua 100
for db in track batch track2 batch2 vault; do
  "$PGBIN/psql" -q "$URL" -c "CREATE DATABASE bench_$db"
  "$BIN" migrate --store "${URL%/*}/bench_$db" >/dev/null
done
# Every node shares the key vault (a database of its own) and the master key.
CONFIG="$PG/cluster.yaml"
printf 'extends: %s\nsecurity:\n  key_vault: %s\n  master_key_file: %s\n' \
  "$PWD/examples/shinrai.yaml" "${URL%/*}/bench_vault" "$PG/master.key" > "$CONFIG"
SERVE_ARGS="--store ${URL%/*}/bench_track" run_case "postgres, 1 node /v1/track" track.lua 1
SERVE_ARGS="--store ${URL%/*}/bench_batch" run_case "postgres, 1 node /v1/batch (100/req)" batch.lua 100
SERVE_ARGS="--store ${URL%/*}/bench_track2" run_nodes 2 "postgres, 2 nodes /v1/track" track.lua 1
SERVE_ARGS="--store ${URL%/*}/bench_batch2" run_nodes 2 "postgres, 2 nodes /v1/batch (100/req)" batch.lua 100
unset CONFIG

# The database's own limit for the same rows, sized as Shinrai wrote them.
read -r key_bytes value_bytes < <("$PGBIN/psql" -Atq -F' ' "${URL%/*}/bench_track" \
  -c "SELECT round(avg(length(k))), round(avg(length(v))) FROM shinrai_kv WHERE k >= 'ev/'::bytea AND k < 'ev0'::bytea")
"$PGBIN/psql" -q "$URL" -c "CREATE TABLE bench_kv (k bytea PRIMARY KEY, subject text NOT NULL, v bytea NOT NULL)"
cat > "$PG/insert.sql" <<SQL
BEGIN;
INSERT INTO bench_kv SELECT decode(md5(random()::text) || lpad('', $key_bytes * 2 - 32, '0'), 'hex'), 'p', decode(repeat('ab', $value_bytes), 'hex') FROM generate_series(1, 3);
COMMIT;
SQL
pgb=$("$PGBIN/pgbench" -n -c "$CONNS" -j 2 -T "$DURATION" -f "$PG/insert.sql" "$URL" 2>&1)
tps=$(echo "$pgb" | awk '/^tps/ {print $3; exit}')
printf '%-34s transactions/s %9s   (3 rows of %s+%s bytes each: one event'"'"'s writes)\n' "pgbench, one event a transaction" "$tps" "$key_bytes" "$value_bytes"
