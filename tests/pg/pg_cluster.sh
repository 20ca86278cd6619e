#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for the tests that need one (ctest fixture "pg").
#
#   tests/pg/pg_cluster.sh start STATE_DIR   # initdb + start; writes STATE_DIR/uri and STATE_DIR/root
#   tests/pg/pg_cluster.sh stop STATE_DIR    # stops the cluster and removes its directory
#
# The cluster lives in a fresh temporary directory, listens on a unix socket in that directory
# only (listen_addresses=''), runs as the `postgres` OS user when started by root (CI runs as
# root; PostgreSQL refuses to run as root), and is tuned for tests (no fsync). It has a
# database `nucleus` owned by the role `nucleus`, a non-superuser that may create databases;
# STATE_DIR/uri holds the libpq URI for it:
#   postgresql://nucleus@/nucleus?host=/tmp/nucleus-pg.XXXX&port=5432
# Tests take their own schema or database in it, so they can run in parallel.
# `start` exits non-zero (and the tests needing the fixture fail) when PostgreSQL cannot start.
set -euo pipefail

cmd=${1:?usage: pg_cluster.sh start|stop STATE_DIR}
state=${2:?usage: pg_cluster.sh start|stop STATE_DIR}
bin=${NUCLEUS_PG_BIN:-/usr/lib/postgresql/15/bin}
port=5432  # the socket is private to the cluster's directory, so a fixed port cannot collide

as_owner() {  # runs a command as the cluster's OS user
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

stop_cluster() {
  local root=$1
  [ -d "$root" ] || return 0
  local pid=""
  [ -f "$root/data/postmaster.pid" ] && pid=$(head -1 "$root/data/postmaster.pid")
  # Immediate shutdown (SIGQUIT: the cluster's data is thrown away anyway), then the directory
  # goes once the server is down: gone, or a zombie nobody reaps (its parent, pg_ctl, exited).
  # All in the background: that takes seconds on a loaded machine and nothing waits for it (the
  # next cluster gets a new directory, socket and shared memory).
  if [ -n "$pid" ]; then kill -QUIT "$pid" 2>/dev/null || true; fi
  nohup bash -c '
    for _ in $(seq 600); do
      [ -n "$1" ] && grep -qs "^State:[[:space:]]*[^Z]" "/proc/$1/status" || break
      sleep 0.05
    done
    rm -rf "$2"' _ "$pid" "$root" >/dev/null 2>&1 &
}

case "$cmd" in
  start)
    mkdir -p "$state"
    # A previous run that was interrupted before its cleanup.
    if [ -f "$state/root" ]; then stop_cluster "$(cat "$state/root")"; fi
    rm -f "$state/uri" "$state/root"
    [ -x "$bin/initdb" ] || { echo "pg_cluster: no $bin/initdb (install postgresql-15)" >&2; exit 1; }
    root=$(mktemp -d /tmp/nucleus-pg.XXXXXX)
    echo "$root" > "$state/root"
    chmod 755 "$root"  # the socket's directory: clients (root or the build user) reach it
    if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$root"; fi
    # --no-sync and 1 MB WAL segments: a test cluster need not survive a crash, and it starts and
    # is removed faster.
    if ! as_owner "$bin/initdb" -D "$root/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
        --no-sync --wal-segsize=1 >"$root/initdb.log" 2>&1; then
      cat "$root/initdb.log" >&2
      stop_cluster "$root"
      exit 1
    fi
    opts="-c listen_addresses='' -k $root -p $port -c fsync=off -c synchronous_commit=off"
    opts+=" -c full_page_writes=off -c max_connections=200"
    if ! as_owner "$bin/pg_ctl" -D "$root/data" -l "$root/server.log" -o "$opts" -w -t 30 \
        start >/dev/null; then
      echo "pg_cluster: PostgreSQL did not start:" >&2
      cat "$root/server.log" >&2 || true
      stop_cluster "$root"
      exit 1
    fi
    psql=("$bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$root" -p "$port" -U postgres -d postgres)
    as_owner "${psql[@]}" -c "CREATE ROLE nucleus LOGIN NOSUPERUSER CREATEDB" \
      -c "CREATE DATABASE nucleus OWNER nucleus"
    uri="postgresql://nucleus@/nucleus?host=$root&port=$port"
    echo "$uri" > "$state/uri.tmp"
    mv "$state/uri.tmp" "$state/uri"
    echo "pg_cluster: $uri"
    ;;
  stop)
    if [ -f "$state/root" ]; then stop_cluster "$(cat "$state/root")"; fi
    rm -f "$state/uri" "$state/root"
    ;;
  *)
    echo "usage: pg_cluster.sh start|stop STATE_DIR" >&2
    exit 2
    ;;
esac
