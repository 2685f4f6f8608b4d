#!/usr/bin/env bash
# Browser tests: Playwright (python package from .venv) driving Debian's chromium, installed here with
# apt-get when missing; never a downloaded browser. Extra arguments go to pytest.
# Exit status: pytest's, except that "no tests collected" (5) fails only when really no test ran
# (e.g. a -k filter that deselected everything is still an error: CI must run the smoke test).
set -euo pipefail
cd "$(dirname "$0")/.."
CHROMIUM=${COOP_CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
  echo "Installing Debian's chromium with apt-get ..."
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
  CHROMIUM=/usr/bin/chromium
fi
export COOP_CHROMIUM=$CHROMIUM
"$COOP_CHROMIUM" --version 2>/dev/null || true
# The English catalogue is part of what the browser tests check.
.venv/bin/pybabel -q compile -d translations
report=$(mktemp /tmp/coop-e2e.XXXXXX.xml)
trap 'rm -f "$report"' EXIT
set +e
.venv/bin/pytest -q -m e2e -p no:cacheprovider --junitxml="$report" tests/e2e "$@"
rc=$?
set -e
ran=$(python3 -c 'import sys, xml.etree.ElementTree as E
r = E.parse(sys.argv[1]).getroot(); s = r if r.tag == "testsuite" else r.find("testsuite")
print(int(s.get("tests", 0)) - int(s.get("skipped", 0)))' "$report" 2>/dev/null || echo 0)
if [ "$rc" = 5 ]; then
  if [ "$ran" -gt 0 ]; then rc=0; else echo "e2e: no browser test ran" >&2; rc=1; fi
elif [ "$rc" = 0 ] && [ "$ran" = 0 ]; then
  echo "e2e: every browser test was skipped" >&2; rc=1
fi
echo "e2e: $ran browser tests ran (exit $rc)"
exit "$rc"
