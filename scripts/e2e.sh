#!/usr/bin/env bash
# Browser tests: Playwright driving Debian's chromium (installed with apt-get; never a downloaded browser).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x /usr/bin/chromium ]; then
  echo "Installing Debian's chromium with apt-get ..."
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
export COOP_CHROMIUM=/usr/bin/chromium
.venv/bin/pytest -q -m e2e -p no:cacheprovider tests/e2e "$@"
