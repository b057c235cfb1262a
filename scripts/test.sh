#!/usr/bin/env bash
# Set gatehouse up, then lint, type-check and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/install-deploy-tools.sh  # Helm's SDK, Kubernetes schemas, Playwright: tests/deploy, tests/browser
.venv/bin/ruff check app tests bench ci
.venv/bin/ruff format --check app tests bench ci
.venv/bin/mypy
.venv/bin/lint-imports
exec .venv/bin/pytest -n 2 -p no:cacheprovider
