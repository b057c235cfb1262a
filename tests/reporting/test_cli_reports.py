"""``gatehouse agenda``, ``audit export`` and ``report``, end to end.

Each test fills a real SQLite database in ``tmp_path`` and runs the command with
``GATEHOUSE_DATABASE_URL`` and ``GATEHOUSE_RULES_DIR`` pointing at it: through the
installed console script (``gatehouse``), or, for the wider tables, through the same
``app.cli.main`` in this process, which skips the interpreter start-up per case.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from app.settings import REPO_ROOT, SHIPPED_RULES
from app.store import AuditLog, Database, RecordStore
from tests.dbutil import ManualClock

START = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)  # Monday 09:00 in Los Angeles


def console_script() -> Path:
    for candidate in (
        Path(sys.executable).with_name("gatehouse"),
        REPO_ROOT / ".venv" / "bin" / "gatehouse",
    ):
        if candidate.is_file():
            return candidate
    pytest.skip("the gatehouse console script is not installed (pip install -e .)")


@dataclass
class Run:
    code: int
    out: str
    err: str


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'gatehouse.db'}"


@pytest.fixture
def gatehouse(tmp_path: Path, db_url: str) -> Callable[..., Run]:
    script = console_script()

    def run(*args: str, url: str = db_url, rules: Path = SHIPPED_RULES) -> Run:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GATEHOUSE_")}
        env.update(GATEHOUSE_DATABASE_URL=url, GATEHOUSE_RULES_DIR=str(rules))
        done = subprocess.run(
            [str(script), *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=60,
            check=False,
        )
        return Run(done.returncode, done.stdout, done.stderr)

    return run


@pytest.fixture
def in_process(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., Run]:
    def run(*args: str, url: str = db_url, rules: Path = SHIPPED_RULES) -> Run:
        with monkeypatch.context() as patch:
            for name in [k for k in os.environ if k.startswith("GATEHOUSE_")]:
                patch.delenv(name)
            patch.setenv("GATEHOUSE_DATABASE_URL", url)
            patch.setenv("GATEHOUSE_RULES_DIR", str(rules))
            patch.chdir(tmp_path)
            capsys.readouterr()
            code = main(list(args))
            captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


def filled(url: str, fill: Callable[[AuditLog, RecordStore, ManualClock], None]) -> None:
    clock = ManualClock(START)
    db = Database(url, now=clock)
    try:
        db.migrate()
        fill(AuditLog(db), RecordStore(db), clock)
    finally:
        db.dispose()


def three_days(log: AuditLog, records: RecordStore, clock: ManualClock) -> None:
    """One entry at 17:00 UTC on 2 March, then one a day later, then another."""
    for day, kind in enumerate(("evaluation", "command", "escalation")):
        log.append(
            kind,
            repository="org/api",
            number=7,
            actor="ana" if kind == "command" else "gatehouse",
            summary=f"{kind} on day {day}, with a comma",
            detail={"day": day, "note": "line one\nline two"},
        )
        clock.advance(timedelta(days=1).total_seconds())


def stored(url: str) -> list[dict[str, Any]]:
    db = Database(url)
    try:
        return [{**asdict(r), "at": r.at.isoformat()} for r in AuditLog(db).export()]
    finally:
        db.dispose()


def test_audit_export_jsonl_is_one_record_per_line_in_time_order(
    gatehouse: Callable[..., Run], db_url: str
) -> None:
    filled(db_url, three_days)
    run = gatehouse("audit", "export")
    assert (run.code, run.err) == (0, "")
    lines = [json.loads(line) for line in run.out.splitlines()]
    assert lines == stored(db_url)
    assert [line["kind"] for line in lines] == ["evaluation", "command", "escalation"]
    assert list(lines[0]) == [
        *("seq", "at", "kind", "repository", "number"),
        *("actor", "summary", "detail"),
    ]
    assert lines[0]["at"] == "2026-03-02T17:00:00+00:00"


def test_audit_export_csv_round_trips_with_detail_as_json(
    gatehouse: Callable[..., Run], db_url: str
) -> None:
    filled(db_url, three_days)
    run = gatehouse("audit", "export", "--format", "csv")
    assert run.code == 0
    rows = list(csv.DictReader(io.StringIO(run.out, newline="")))
    expected = stored(db_url)
    assert len(rows) == len(expected) == 3
    for row, record in zip(rows, expected, strict=True):
        assert row["seq"] == str(record["seq"])
        assert row["at"] == record["at"]
        assert row["summary"] == record["summary"]
        assert json.loads(row["detail"]) == record["detail"]


@pytest.mark.parametrize(
    ("options", "days"),
    [
        pytest.param(["--since", "2026-03-03"], [1, 2], id="since a date starts at midnight UTC"),
        pytest.param(
            ["--since", "2026-03-03T17:00:00Z"], [1, 2], id="since a timestamp includes it"
        ),
        pytest.param(
            ["--since", "2026-03-03T09:00:01-08:00"],
            [2],
            id="since a timestamp with an offset",
        ),
        pytest.param(
            ["--since", "2026-03-02", "--until", "2026-03-04"], [0, 1], id="until excludes"
        ),
    ],
)
def test_audit_export_filters_by_time(
    in_process: Callable[..., Run], db_url: str, options: list[str], days: list[int]
) -> None:
    filled(db_url, three_days)
    run = in_process("audit", "export", *options)
    assert run.code == 0, run.err
    assert [json.loads(line)["detail"]["day"] for line in run.out.splitlines()] == days


def test_a_bad_date_exits_2_with_one_line(gatehouse: Callable[..., Run]) -> None:
    run = gatehouse("audit", "export", "--since", "last tuesday")
    assert run.code == 2
    assert run.out == ""
    assert run.err.startswith("gatehouse: --since: 'last tuesday' is neither a date")
    assert len(run.err.strip().splitlines()) == 1


def test_an_empty_database_exports_nothing(gatehouse: Callable[..., Run], tmp_path: Path) -> None:
    run = gatehouse("audit", "export")
    assert (run.code, run.out, run.err) == (0, "", "")
    assert (tmp_path / "gatehouse.db").is_file()


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        pytest.param(
            ("report",),
            {"url": "sqlite:////nonexistent-gatehouse-dir/x.db"},
            "gatehouse: cannot use the database sqlite:////nonexistent-gatehouse-dir/x.db:",
            id="an unreachable database",
        ),
        pytest.param(
            ("agenda",),
            {"rules": REPO_ROOT / "no-such-rules-dir"},
            "gatehouse: the rules in",
            id="invalid rules",
        ),
    ],
)
def test_unusable_configuration_exits_2_with_one_line(
    in_process: Callable[..., Run], args: tuple[str, ...], env: dict[str, Any], message: str
) -> None:
    run = in_process(*args, **env)
    assert run.code == 2
    assert run.err.startswith(message)
    assert len(run.err.strip().splitlines()) == 1


def _architecture(conclusion: str) -> dict[str, Any]:
    return {
        "groups": [{"group": "architecture", "conclusion": conclusion}],
        "rules": [{"id": "arch-api-schemas", "title": "API schemas", "group": "architecture"}],
    }


def agenda_pulls(log: AuditLog, records: RecordStore, clock: ManualClock) -> None:
    def pull(number: int, **doc: Any) -> None:
        base = {
            "title": f"Change {number}",
            "author": "bea",
            "html_url": f"https://github.example/org/api/pull/{number}",
            "closed": False,
        }
        records.update("org/api", number, lambda d: d.update({**base, **doc}))

    waiting = {"architecture": {"requested_at": "2026-03-02T17:00:00+00:00"}}
    pull(1, evaluation=_architecture("action_required"), sla=waiting)
    pull(
        2,
        evaluation={"groups": [{"group": "platform-engineering", "conclusion": "success"}]},
        agenda={"by": "carl", "at": "2026-03-03T18:00:00+00:00"},
    )
    pull(3, evaluation=_architecture("action_required"), sla=waiting, closed=True)
    pull(4, evaluation=_architecture("success"), sla=waiting)


def test_agenda_markdown_lists_waiting_and_flagged_pull_requests(
    gatehouse: Callable[..., Run], db_url: str
) -> None:
    filled(db_url, agenda_pulls)
    run = gatehouse("agenda")
    assert run.code == 0, run.err
    assert run.out.startswith("# Architecture review")
    assert "[org/api#1](https://github.example/org/api/pull/1) Change 1" in run.out
    assert "requires Architectural Team review" in run.out
    assert "arch-api-schemas: API schemas" in run.out
    assert "[org/api#2](https://github.example/org/api/pull/2)" in run.out
    assert "/arch-review by @carl" in run.out
    assert "org/api#3" not in run.out
    assert "org/api#4" not in run.out


def test_agenda_json_lists_the_same_pull_requests_oldest_first(
    gatehouse: Callable[..., Run], db_url: str
) -> None:
    filled(db_url, agenda_pulls)
    asked = datetime.now(UTC)
    run = gatehouse("agenda", "--format", "json")
    assert run.code == 0, run.err
    agenda = json.loads(run.out)
    assert [(i["number"], i["reason"]) for i in agenda["items"]] == [
        (1, "requires Architectural Team review"),
        (2, "/arch-review by @carl"),
    ]
    start = datetime.fromisoformat(agenda["call_start"])
    assert start > asked - timedelta(hours=1), "the call under way or the next one"
    assert start.strftime("%a %H:%M") == "Wed 16:00"


def test_agenda_of_an_empty_database_says_nothing_waits(in_process: Callable[..., Run]) -> None:
    run = in_process("agenda")
    assert run.code == 0, run.err
    assert "Nothing is waiting for the Architectural Team." in run.out


def one_reviewed_pull(log: AuditLog, records: RecordStore, clock: ManualClock) -> None:
    log.append(
        "evaluation",
        repository="org/api",
        number=7,
        actor="gatehouse",
        summary="action_required: platform-engineering action_required",
        detail={"groups": [{"group": "platform-engineering", "rules": ["ci-github-actions"]}]},
    )
    clock.advance(3 * 3600)
    log.append(
        "approval-counted",
        repository="org/api",
        number=7,
        actor="alan",
        summary="approval by @alan counted for Platform Engineering",
        detail={"group": "platform-engineering"},
    )
    sla = {
        "platform-engineering": {
            "requested_at": "2026-03-02T09:00:00-08:00",
            "feedback_at": "2026-03-02T11:30:00-08:00",
            "due_at": "2026-03-04T09:00:00-08:00",
            "kind": "standard",
        }
    }
    records.update("org/api", 7, lambda d: d.update(sla=sla, closed=True))


@pytest.mark.parametrize(
    ("runner", "fmt"),
    [
        pytest.param("gatehouse", "text", id="text through the console script"),
        pytest.param("in_process", "json", id="json"),
    ],
)
def test_report_gives_business_hour_waits(
    request: pytest.FixtureRequest, db_url: str, runner: str, fmt: str
) -> None:
    filled(db_url, one_reviewed_pull)
    run = request.getfixturevalue(runner)("report", "--since", "2026-03-01", "--format", fmt)
    assert run.code == 0, run.err
    if fmt == "json":
        data = json.loads(run.out)
        assert data["pull_requests"] == 1
        assert data["business_hours"]["to_first_feedback"]["median"] == 2.5
        assert data["business_hours"]["to_approval"]["median"] == 3.0
        assert data["sla"]["attainment"] == 1.0
    else:
        assert "Pull requests with activity: 1" in run.out
        assert "by rule:  ci-github-actions 1" in run.out
        assert "SLA attainment: 100%" in run.out


def test_a_database_password_never_appears_in_the_message(in_process: Callable[..., Run]) -> None:
    run = in_process("audit", "export", url="postgresql://gh:s3cret-pw@127.0.0.1:1/none")
    assert run.code == 2
    assert "s3cret-pw" not in run.err
    assert "gh:***@127.0.0.1:1/none" in run.err
