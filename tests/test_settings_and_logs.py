"""Start-up settings name every problem; logs carry context and never secrets."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

from app.logs import JsonFormatter, log_context

GATEHOUSE = str(Path(sys.executable).parent / "gatehouse")


def test_serve_names_every_missing_setting(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "JIRA_", "SLACK_"))}
    env["JIRA_BASE_URL"] = "https://example.atlassian.net"
    done = subprocess.run(
        [GATEHOUSE, "serve"], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60
    )
    assert done.returncode == 2
    for name in ("GITHUB_APP_ID", "GITHUB_PRIVATE_KEY", "GITHUB_WEBHOOK_SECRET", "JIRA_EMAIL"):
        assert name in done.stderr


def test_invalid_setting_is_named(tmp_path: Path) -> None:
    env = {**os.environ, "GITHUB_APP_ID": "not-a-number"}
    done = subprocess.run(
        [GATEHOUSE, "serve"], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60
    )
    assert done.returncode == 2 and "GITHUB_APP_ID" in done.stderr


def test_json_logs_carry_delivery_repository_and_pr() -> None:
    record = logging.LogRecord("gatehouse", logging.INFO, __file__, 1, "processed", None, None)
    with log_context(delivery="abc-123", repository="acme/web", pr=7):
        line = json.loads(JsonFormatter().format(record))
    assert (line["delivery"], line["repository"], line["pr"]) == ("abc-123", "acme/web", 7)
    assert line["message"] == "processed" and line["level"] == "info"
