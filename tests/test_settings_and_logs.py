"""Start-up settings name every problem; logs carry context and never secrets."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.jobs.leases import HEARTBEAT_SECONDS, LEASE_SECONDS
from app.logs import JsonFormatter, log_context
from app.settings import SettingsError, load_settings

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


def test_claims_default_to_a_short_lease_renewed_by_a_heartbeat(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GATEHOUSE_LEASE_SECONDS", raising=False)
    monkeypatch.delenv("GATEHOUSE_HEARTBEAT_SECONDS", raising=False)
    settings = load_settings()
    assert (settings.lease_seconds, settings.heartbeat_seconds) == (
        LEASE_SECONDS,
        HEARTBEAT_SECONDS,
    )


@pytest.mark.parametrize(
    ("env", "named"),
    [
        pytest.param(
            {"GATEHOUSE_HEARTBEAT_SECONDS": "4"},
            "GATEHOUSE_HEARTBEAT_SECONDS",
            id="a-heartbeat-too-slow-for-the-lease",
        ),
        pytest.param(
            {"GATEHOUSE_LEASE_SECONDS": "0.5"}, "GATEHOUSE_LEASE_SECONDS", id="a-lease-under-1s"
        ),
    ],
)
def test_lease_settings_that_could_lose_live_work_are_refused(
    env: dict[str, str], named: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=named):
        load_settings()


def test_json_logs_carry_delivery_repository_and_pr() -> None:
    record = logging.LogRecord("gatehouse", logging.INFO, __file__, 1, "processed", None, None)
    with log_context(delivery="abc-123", repository="acme/web", pr=7):
        line = json.loads(JsonFormatter().format(record))
    assert (line["delivery"], line["repository"], line["pr"]) == ("abc-123", "acme/web", 7)
    assert line["message"] == "processed" and line["level"] == "info"
