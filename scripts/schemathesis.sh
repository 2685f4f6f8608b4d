#!/usr/bin/env bash
# Run schemathesis against the running app (fresh SQLite database with the demo cooperative).
# Fails on any 5xx or on a response that does not match the documented schema. A request may take 30 s
# (ST_REQUEST_TIMEOUT): the whole-ledger XLSX of the demo passed the 10 s default on a loaded 2-core machine.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d /tmp/coop-st.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export FLASK_APP=coop COOP_DATABASE_URL="sqlite:///$dir/st.sqlite3" COOP_LOGIN_MAX_FAILURES=100000
.venv/bin/flask db upgrade >/dev/null 2>&1
.venv/bin/flask demo >/dev/null
.venv/bin/gunicorn --bind 127.0.0.1:$port --workers 2 --log-level warning "coop:create_app()" &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
token=$(curl -fs -X POST -H 'Content-Type: application/json' \
  -d "{\"username\":\"admin\",\"password\":\"${COOP_DEMO_PASSWORD:-desa-migran-2026}\"}" \
  "http://127.0.0.1:$port/api/v1/auth/tokens" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
.venv/bin/schemathesis run "http://127.0.0.1:$port/api/v1/openapi.json" \
  -H "Authorization: Bearer $token" \
  --exclude-path /api/v1/auth/tokens/current \
  --checks not_a_server_error,response_schema_conformance,content_type_conformance \
  --phases examples,coverage,fuzzing --mode positive -n "${ST_MAX_EXAMPLES:-25}" \
  --max-time "${ST_MAX_TIME:-120}" --request-timeout "${ST_REQUEST_TIMEOUT:-30}" --seed 1 --no-color --suppress-health-check all -w 2
