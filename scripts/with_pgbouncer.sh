#!/usr/bin/env bash
# Run a command through Debian's pgbouncer in transaction mode in front of scripts/with_postgres.sh's
# throwaway cluster: COOP_TEST_DATABASE_URL points at pgbouncer (every database name forwarded to the
# cluster), COOP_PGBOUNCER=1 turns psycopg's prepared statements off, COOP_TEST_DIRECT_DATABASE_URL is the
# cluster itself. Installs pgbouncer with apt-get if missing. Usage: scripts/with_pgbouncer.sh CMD ARGS...
set -euo pipefail
if [ -z "${COOP_TEST_DATABASE_URL:-}" ] || [ "${1:-}" != "--inside" ]; then
  exec "$(dirname "$0")/with_postgres.sh" "$0" --inside "$@"
fi
shift
PGBOUNCER=${PGBOUNCER_BIN:-/usr/sbin/pgbouncer}
if [ ! -x "$PGBOUNCER" ]; then
  echo "pgbouncer not found; installing it with apt-get" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbouncer >/dev/null
fi
primary_port=$(python3 -c 'import sys,urllib.parse as u; print(u.urlsplit(sys.argv[1].replace("+psycopg","")).port)' "$COOP_TEST_DATABASE_URL")
dir=$(mktemp -d /tmp/coop-pgbouncer.XXXXXX)
chown postgres "$dir"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$dir/pgbouncer.ini" <<INI
[databases]
* = host=127.0.0.1 port=$primary_port
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = trust
auth_file = $dir/users.txt
pool_mode = transaction
max_client_conn = 400
default_pool_size = 40
max_db_connections = 150
server_reset_query =
ignore_startup_parameters = extra_float_digits,options
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
INI
echo '"postgres" ""' > "$dir/users.txt"
chown postgres "$dir"/*
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  if [ -f "$dir/pgbouncer.pid" ]; then kill "$(cat "$dir/pgbouncer.pid")" 2>/dev/null || true; sleep 0.5; fi
  rm -rf "$dir"
}
trap cleanup EXIT INT TERM
as_pg "$PGBOUNCER" -d "$dir/pgbouncer.ini"
for _ in $(seq 50); do [ -f "$dir/pgbouncer.pid" ] && break; sleep 0.1; done
export COOP_TEST_DIRECT_DATABASE_URL="$COOP_TEST_DATABASE_URL"
export COOP_TEST_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$port/postgres"
export COOP_PGBOUNCER=1
echo "pgbouncer $("$PGBOUNCER" --version | head -1 | awk '{print $2}') (transaction mode) on port $port -> PostgreSQL on $primary_port"
"$@"
