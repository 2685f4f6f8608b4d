#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL 15 cluster in a temp folder (run as the postgres user),
# with COOP_TEST_DATABASE_URL pointing at it. The cluster is stopped and removed afterwards, even on failure.
set -euo pipefail
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ]; then
  echo "PostgreSQL server binaries not found; installing postgresql with apt-get" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
fi
# lock_timeout: a test that leaves a transaction holding locks makes the next waiter FAIL after 2 minutes
# instead of hanging CI.
dir=$(mktemp -d /tmp/coop-pg.XXXXXX)
chown postgres "$dir"
port=${PGPORT_TEST:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  as_pg "$PGBIN/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT INT TERM
as_pg "$PGBIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=${COOP_PG_FSYNC:-off} -c max_connections=200 -c lock_timeout=120s" start >/dev/null
export COOP_TEST_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$port/postgres"
echo "PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on port $port"
"$@"
