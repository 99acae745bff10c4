#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on loopback for the tests (issue 19):
#   scripts/pg_cluster.sh start DIR   initdb in DIR/cluster, start it on a free
#                                     port, write the database's URL to DIR/url
#   scripts/pg_cluster.sh stop DIR    stop it and delete DIR
# It runs as an unprivileged user (the postgres account when started as
# root). Where PostgreSQL cannot be started, `start` says why, writes no URL
# and exits 0: the PostgreSQL tests then skip, naming the reason.
set -uo pipefail
cmd=${1:?start|stop}
dir=${2:?directory}

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

skip() {
  mkdir -p "$dir"
  echo "$1" > "$dir/skip"
  echo "== PostgreSQL tests will skip: $1"
  exit 0
}

case "$cmd" in
  start)
    rm -rf "$dir"
    mkdir -p "$dir"
    bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    [ -x "$bin/initdb" ] || skip "no PostgreSQL server installed (Debian's postgresql package)"
    if [ "$(id -u)" -eq 0 ]; then
      id postgres >/dev/null 2>&1 || skip "running as root, and there is no postgres account to run the server as"
      chown postgres "$dir"
    fi
    port=$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
    as_owner "$bin/initdb" -D "$dir/cluster" -A trust -U shinrai -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 ||
      skip "initdb failed: $(tail -1 "$dir/initdb.log")"
    as_owner "$bin/pg_ctl" -D "$dir/cluster" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=on -c max_connections=200" start >/dev/null ||
      skip "the server did not start: $(tail -1 "$dir/server.log")"
    "$bin/psql" -q -h 127.0.0.1 -p "$port" -U shinrai -d postgres -c "CREATE DATABASE shinrai_test" ||
      skip "could not create the test database"
    echo "postgres://shinrai@127.0.0.1:$port/shinrai_test" > "$dir/url"
    echo "== PostgreSQL $(basename "$(dirname "$bin")") for the tests at $(cat "$dir/url")"
    ;;
  stop)
    bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    if [ -d "$dir/cluster" ]; then as_owner "$bin/pg_ctl" -D "$dir/cluster" -m fast -w stop >/dev/null 2>&1; fi
    rm -rf "$dir"
    ;;
  *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
