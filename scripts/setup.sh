#!/usr/bin/env bash
# Create .venv (Python 3.11+) and install gatehouse with its development tools.
# pip's own output goes to .venv/install.log and is shown only if the install fails.
set -euo pipefail
cd "$(dirname "$0")/.."
pick_python() {
  for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  echo "gatehouse needs Python 3.11 or newer" >&2; return 1
}
if [ ! -x .venv/bin/python ]; then
  echo "Creating .venv ..."
  "$(pick_python)" -m venv .venv
fi
echo "Installing gatehouse and its development tools into .venv ..."
log=.venv/install.log
if ! { .venv/bin/python -m pip install --upgrade pip &&
       .venv/bin/python -m pip install -e '.[dev,sandbox]'; } >"$log" 2>&1; then
  cat "$log" >&2
  echo "Installing gatehouse failed; the output above says why." >&2
  exit 1
fi
