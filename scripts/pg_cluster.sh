#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on loopback for the tests (issue 19):
#   scripts/pg_cluster.sh start DIR   initdb in DIR/cluster, start it on a free
#                                     port, write the database's URL to DIR/url
#   scripts/pg_cluster.sh restart DIR restart it (connections drop, as in a failover)
#   scripts/pg_cluster.sh stop DIR    stop it and delete DIR
# It runs as an unprivileged user (the postgres account when started as
# root), its files in a directory of its own under /tmp (which that account
# can reach wherever the checkout is), listening on TCP only. Where
# PostgreSQL cannot be started, `start` says why, writes no URL and exits 0:
# the PostgreSQL tests then skip, naming the reason; with
# SHINRAI_REQUIRE_POSTGRES=1 (CI sets it) it fails instead. WAL files past
# a checkpoint are deleted, not recycled (wal_recycle=off), as docs/postgres.md
# asks of production: a recycled file keeps erased people's bytes.
set -uo pipefail
cmd=${1:?start|stop}
dir=${2:?directory}

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

skip() {
  mkdir -p "$dir"
  echo "$1" > "$dir/skip"
  if [ "${SHINRAI_REQUIRE_POSTGRES:-0}" = 1 ]; then
    echo "== PostgreSQL is required here (SHINRAI_REQUIRE_POSTGRES=1) and could not start: $1"
    exit 1
  fi
  echo "== PostgreSQL tests will skip: $1"
  exit 0
}

# The newest installed server (a version may have only its client).
server_bin() {
  for b in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV); do
    [ -x "$b/initdb" ] && { echo "$b"; return; }
  done
}

case "$cmd" in
  start)
    "$0" stop "$dir" >/dev/null 2>&1  # a cluster left by an aborted run
    mkdir -p "$dir"
    bin=$(server_bin)
    [ -n "$bin" ] || skip "no PostgreSQL server installed (Debian's postgresql package)"
    command -v node >/dev/null || skip "node is missing (it picks a free port)"
    home=$(mktemp -d /tmp/shinrai-pg-XXXXXX)
    echo "$home" > "$dir/home"
    if [ "$(id -u)" -eq 0 ]; then
      id postgres >/dev/null 2>&1 || skip "running as root, and there is no postgres account to run the server as"
      chown postgres "$home"
    fi
    port=$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
    as_owner "$bin/initdb" -D "$home/cluster" -A trust -U shinrai -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 ||
      skip "initdb failed: $(tail -1 "$dir/initdb.log")"
    as_owner "$bin/pg_ctl" -D "$home/cluster" -l "$home/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories= -c fsync=on -c max_connections=200 -c wal_recycle=off" \
      start >/dev/null || skip "the server did not start: $(tail -1 "$home/server.log" 2>/dev/null)"
    "$bin/psql" -q -h 127.0.0.1 -p "$port" -U shinrai -d postgres -c "CREATE DATABASE shinrai_test" ||
      skip "could not create the test database"
    echo "postgres://shinrai@127.0.0.1:$port/shinrai_test" > "$dir/url"
    echo "== PostgreSQL $(basename "$(dirname "$bin")") for the tests at $(cat "$dir/url")"
    ;;
  restart)
    bin=$(server_bin)
    home=$(cat "$dir/home")
    as_owner "$bin/pg_ctl" -D "$home/cluster" -m fast -w -t 60 restart >/dev/null
    ;;
  stop)
    bin=$(server_bin)
    home=$(cat "$dir/home" 2>/dev/null || true)
    if [ -n "$home" ] && [ -d "$home/cluster" ]; then as_owner "$bin/pg_ctl" -D "$home/cluster" -m fast -w stop >/dev/null 2>&1; fi
    [ -n "$home" ] && rm -rf "$home"
    rm -rf "$dir"
    ;;
  *) echo "usage: $0 start|restart|stop DIR" >&2; exit 2 ;;
esac
