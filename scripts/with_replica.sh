#!/usr/bin/env bash
# Run a command with a streaming replica of scripts/with_postgres.sh's throwaway cluster: pg_basebackup -R
# (as the postgres user) into a second temp folder, started on another port as a hot standby, with
# COOP_TEST_READ_DATABASE_URL pointing at it (COOP_TEST_DATABASE_URL still at the primary). The replica is
# stopped and removed afterwards, even on failure. Usage: scripts/with_replica.sh CMD ARGS...
set -euo pipefail
if [ -z "${COOP_TEST_DATABASE_URL:-}" ] || [ "${1:-}" != "--inside" ]; then
  exec "$(dirname "$0")/with_postgres.sh" "$0" --inside "$@"
fi
shift
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
primary_port=$(python3 -c 'import sys,urllib.parse as u; print(u.urlsplit(sys.argv[1].replace("+psycopg","")).port)' "$COOP_TEST_DATABASE_URL")
dir=$(mktemp -d /tmp/coop-replica.XXXXXX)
chown postgres "$dir"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  as_pg "$PGBIN/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT INT TERM
# the primary's defaults (wal_level=replica, max_wal_senders=10) allow a base backup and streaming; trust
# authentication of initdb -A trust covers replication connections from 127.0.0.1
as_pg "$PGBIN/pg_basebackup" -h 127.0.0.1 -p "$primary_port" -U postgres -D "$dir/data" -R -X stream -c fast >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c hot_standby=on -c max_connections=200" start >/dev/null
export COOP_TEST_READ_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$port/postgres"
echo "streaming replica on port $port (primary $primary_port)"
"$@"
