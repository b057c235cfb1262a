#!/usr/bin/env bash
# Install the pinned tools of the Helm chart's tests (tests/deploy) and of the browser tests
# (tests/browser) into .venv, from PyPI:
#   helm-python-sdk      Helm's own Go SDK built as a library, so charts render offline
#                        with no helm binary (the wheel carries the library);
#   kubernetes-validate  the Kubernetes JSON schemas, strict variants included;
#   playwright           drives a headless browser; the tests launch Debian's chromium
#                        (/usr/bin/chromium, or $GATEHOUSE_CHROMIUM), so Playwright's own
#                        browser download (`playwright install`) is never needed.
# Idempotent: nothing is fetched when the pinned versions are installed already. Quiet:
# pip's output goes to .venv/deploy-tools.log and is shown only if the install fails.
set -euo pipefail
cd "$(dirname "$0")/.."
requirements=(helm-python-sdk==0.2.2 kubernetes-validate==1.37.0 playwright==1.65.2)
if [ ! -x .venv/bin/python ]; then
  bash scripts/setup.sh
fi
if .venv/bin/python - "${requirements[@]}" <<'PY'
import sys
from importlib.metadata import PackageNotFoundError, version

for requirement in sys.argv[1:]:
    name, wanted = requirement.split("==")
    try:
        installed = version(name)
    except PackageNotFoundError:
        sys.exit(1)
    if installed != wanted:
        sys.exit(1)
PY
then
  exit 0
fi
log=.venv/deploy-tools.log
if ! .venv/bin/python -m pip install --disable-pip-version-check "${requirements[@]}" >"$log" 2>&1; then
  cat "$log" >&2
  echo "Installing the test tools (${requirements[*]}) failed; the output above says why." >&2
  exit 1
fi
