#!/usr/bin/env bash
# Regenerate the initial-schema revision (0001) from the models. Only while nothing is released:
# once a release exists, add new revisions with `flask db migrate` instead.
set -euo pipefail
cd "$(dirname "$0")/.."
# Helpers may run this at the same time: serialise.
exec 9>/tmp/coop-migrations.lock
flock 9
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Keep the current 0001 until the new one is generated (a model error must not lose it).
mkdir -p "$tmp/old"
mv migrations/versions/*_0001_*.py "$tmp/old/" 2>/dev/null || true
# Later revisions (hand-written: triggers, data) chain on 0001; park them while 0001 is generated.
mkdir -p "$tmp/parked"
find migrations/versions -maxdepth 1 -name '*.py' -exec mv {} "$tmp/parked/" \;
trap 'ls migrations/versions/*_0001_*.py >/dev/null 2>&1 || mv "$tmp"/old/*.py migrations/versions/ 2>/dev/null; mv "$tmp"/parked/*.py migrations/versions/ 2>/dev/null; rm -rf "$tmp"' EXIT
export COOP_DATABASE_URL="sqlite:///$tmp/regen.sqlite3" FLASK_APP=coop
.venv/bin/flask db migrate --rev-id 0001 -m "initial schema" >/dev/null
f=$(ls migrations/versions/*_0001_*.py)
# Later revisions chain on 0001; keep a stable file name regardless of today's date.
mv "$f" migrations/versions/20261127_0001_initial_schema.py 2>/dev/null || true
.venv/bin/ruff format -q migrations/versions/20261127_0001_initial_schema.py || true
echo "regenerated migrations/versions/20261127_0001_initial_schema.py"
