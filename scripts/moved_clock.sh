#!/usr/bin/env bash
# Run the fast suite (not slow, not e2e; in parallel) with the clock moved to ONE awkward date, so a test that
# depends on the real calendar fails in CI, not six days later. Both clocks move: the wall clock (time-machine,
# COOP_TEST_WALL_CLOCK) and the suite's business date (COOP_TEST_BUSINESS_DATE, the Jakarta date of that instant).
# The date rotates with the day of the year; `scripts/moved_clock.sh 2` (or COOP_MOVED_CLOCK=N) picks one.
#   0: 2027-01-31 12:00 WIB   a 31st, the month end before a short February
#   1: 2028-02-29 12:00 WIB   a leap day
#   2: 2026-12-31 23:30 WIB   New Year's Eve, half an hour before the year ends in Jakarta
set -euo pipefail
cd "$(dirname "$0")/.."
WALL=("2027-01-31T12:00:00+07:00" "2028-02-29T12:00:00+07:00" "2026-12-31T23:30:00+07:00")
BUSINESS=("2027-01-31" "2028-02-29" "2026-12-31")
i=${1:-${COOP_MOVED_CLOCK:-$(( 10#$(date +%j) % 3 ))}}
echo "moved clock: wall clock ${WALL[$i]}, business date ${BUSINESS[$i]}"
COOP_TEST_WALL_CLOCK=${WALL[$i]} COOP_TEST_BUSINESS_DATE=${BUSINESS[$i]} \
  .venv/bin/pytest -q -n "${PYTEST_WORKERS:-2}" -m "not slow and not e2e" -p no:cacheprovider
