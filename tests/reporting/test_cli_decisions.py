"""``gatehouse decisions`` against a real SQLite database."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.cli import main
from app.store import AuditLog, Database
from tests.dbutil import ManualClock
from tests.reporting.test_cli_reports import console_script

START = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'gatehouse.db'}"
    clock = ManualClock(START)
    db = Database(url, now=clock)
    try:
        db.migrate()
        log = AuditLog(db)
        log.append(
            "arch-decision",
            repository="org/api",
            number=7,
            actor="ada",
            summary="architecture review outcome: approve",
            detail={"decision": "approve", "rationale": "fits the stack"},
        )
        clock.advance(timedelta(days=1).total_seconds())
        log.append(
            "deployment-decision",
            repository="org/api",
            number=None,
            actor="alan",
            summary="production deployment approved",
            detail={
                "environment": "production",
                "sha": "b" * 40,
                "decision": "approved",
                "rationale": "verified on staging",
            },
        )
    finally:
        db.dispose()
    return url


def run_in_process(
    url: str, args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    with monkeypatch.context() as patch:
        for name in [k for k in os.environ if k.startswith("GATEHOUSE_")]:
            patch.delenv(name)
        patch.setenv("GATEHOUSE_DATABASE_URL", url)
        capsys.readouterr()
        code = main(["decisions", *args])
        captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_json_lists_every_kind_with_deployments_carrying_environment_and_sha(
    db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_in_process(db_url, ["--format", "json"], monkeypatch, capsys)
    assert (code, err) == (0, "")
    arch, deployment = json.loads(out)["decisions"]
    assert arch == {
        "kind": "architecture",
        "repository": "org/api",
        "pull_request": 7,
        "decision": "approved",
        "rationale": "fits the stack",
        "by": "ada",
        "at": "2026-03-02T17:00:00+00:00",
    }
    assert deployment["pull_request"] is None
    assert (deployment["environment"], deployment["sha"]) == ("production", "b" * 40)


@pytest.mark.parametrize(
    ("since", "kinds"),
    [
        pytest.param("2026-03-02", ["architecture", "deployment"], id="a-date-is-midnight-utc"),
        pytest.param("2026-03-03", ["deployment"], id="a-later-date"),
        pytest.param("2026-03-03T17:00:00Z", ["deployment"], id="a-timestamp-is-inclusive"),
        pytest.param("2026-03-03T09:00:01-08:00", [], id="a-timestamp-with-an-offset"),
    ],
)
def test_since_filters(
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    since: str,
    kinds: list[str],
) -> None:
    code, out, _ = run_in_process(
        db_url, ["--since", since, "--format", "json"], monkeypatch, capsys
    )
    assert code == 0
    assert [d["kind"] for d in json.loads(out)["decisions"]] == kinds


def test_a_bad_date_exits_2_with_one_line(
    db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_in_process(db_url, ["--since", "yesterday"], monkeypatch, capsys)
    assert (code, out) == (2, "")
    assert err.startswith("gatehouse: --since: 'yesterday' is neither a date")


def test_markdown_through_the_console_script_needs_no_rules(db_url: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEHOUSE_")}
    env.update(GATEHOUSE_DATABASE_URL=db_url, GATEHOUSE_RULES_DIR=str(tmp_path / "missing"))
    done = subprocess.run(
        [str(console_script()), "decisions"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert "## Architecture review decisions (1)" in done.stdout
    assert "| org/api#7 | approved | @ada | fits the stack |" in done.stdout
    assert "## Deployment approvals (1)" in done.stdout
