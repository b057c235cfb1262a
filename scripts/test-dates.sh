#!/usr/bin/env bash
# Run the test suite again with the clock moved, to show that no test depends on the day it
# runs. By default three times: on a summer Saturday more than a year ahead; across the
# midnight that ends a year, a Sunday, into the New Year's Day holiday; and across the moment
# Los Angeles (the SLA timezone of the shipped settings) springs forward, with the machine's
# own timezone set to Los Angeles too. Arguments replace these moments: each an ISO 8601
# moment (2030-06-01T12:00:00Z), optionally followed by a space and a timezone for the run.
#
# The clock is moved with libfaketime (Debian: apt-get install faketime) for this machine's
# processes only. A PostgreSQL server keeps the real time, which does not matter: gatehouse
# writes every timestamp it stores itself and never asks the database for the time.
set -euo pipefail
cd "$(dirname "$0")/.."

library=""
for candidate in /usr/lib/*/faketime/libfaketime.so.1 /usr/local/lib/faketime/libfaketime.so.1; do
  if [ -e "$candidate" ]; then library=$candidate; break; fi
done
if [ -z "$library" ]; then
  echo "libfaketime is not installed (Debian: apt-get install faketime)" >&2
  exit 1
fi
[ -x .venv/bin/python ] || bash scripts/setup.sh
pythonpath="$PWD/scripts/faketime${PYTHONPATH:+:$PYTHONPATH}"

# faked OFFSET COMMAND...: run COMMAND with the wall clock OFFSET seconds away, running on,
# in the timezone $zone when set.
# The monotonic clock stays real, so timeouts, lock waits and the event loop keep their
# durations; with it real, libfaketime's monotonic fix is not needed and would slow every
# thread switch. scripts/faketime/sitecustomize.py mends time.sleep under this setting.
faked() {
  env LD_PRELOAD="$library" FAKETIME="$(printf '%+d' "$1")" FAKETIME_DONT_FAKE_MONOTONIC=1 \
    FAKETIME_FORCE_MONOTONIC_FIX=0 PYTHONPATH="$pythonpath" ${zone:+TZ="$zone"} "${@:2}"
}

if [ "$#" -eq 0 ]; then
  # A run takes about three minutes; the last two cross their boundary half-way.
  set -- "2028-07-15T22:30:00Z" "2028-12-31T23:58:30Z" \
    "2029-03-11T09:58:30Z America/Los_Angeles"
fi
for spec in "$@"; do
  read -r moment zone <<<"$spec"
  target=$(date -u -d "$moment" +%s)
  offset=$((target - $(date -u +%s)))
  faked "$offset" .venv/bin/python - "$target" <<'PY'
import sys
import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

now = datetime.now(UTC)
time.sleep(0.01)  # fails (EINVAL) unless sitecustomize.py is loaded
if abs(now.timestamp() - int(sys.argv[1])) > 60:
    sys.exit(f"the clock was not moved: it reads {now:%Y-%m-%d %H:%M} UTC")
there = now.astimezone(ZoneInfo("America/Los_Angeles"))
local = datetime.now().astimezone()
print(
    f"== the test suite, the clock at {now:%a %Y-%m-%d %H:%M} UTC ({there:%a %H:%M %Z} in"
    f" Los Angeles), the machine's timezone {local:%Z} =="
)
PY
  started=$SECONDS
  faked "$offset" .venv/bin/pytest -n 2 -p no:cacheprovider -q
  echo "== passed in $((SECONDS - started)) s =="
done
