#!/usr/bin/env bash
# Set gatehouse up and run the demo: the real service against the built-in sandbox.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/gatehouse demo "$@"
