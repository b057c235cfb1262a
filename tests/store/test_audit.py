from __future__ import annotations

from datetime import timedelta

import pytest

from app.store import AuditLog, Database
from tests.dbutil import ManualClock


def append(log: AuditLog, summary: str, number: int = 7) -> None:
    log.append(
        "evaluation",
        repository="org/repo",
        number=number,
        actor="gatehouse",
        summary=summary,
        detail={"conclusion": "action_required"},
    )


def test_export_lists_entries_in_time_order(database: Database, clock: ManualClock) -> None:
    log = AuditLog(database)
    for summary in ("first", "second", "third"):
        append(log, summary)
        clock.advance(60)
    records = list(log.export())
    assert [r.summary for r in records] == ["first", "second", "third"]
    assert records[0].detail == {"conclusion": "action_required"}
    assert (records[0].repository, records[0].number, records[0].actor) == (
        "org/repo",
        7,
        "gatehouse",
    )


def test_entries_made_in_the_same_instant_keep_their_append_order(database: Database) -> None:
    log = AuditLog(database)
    for index in range(5):
        append(log, f"e{index}")
    assert [r.summary for r in log.export()] == [f"e{index}" for index in range(5)]


def test_export_since_and_until_select_a_time_window(
    database: Database, clock: ManualClock
) -> None:
    log = AuditLog(database)
    start = clock()
    for hour in range(5):
        append(log, f"h{hour}")
        clock.advance(3600)
    since, until = start + timedelta(hours=1), start + timedelta(hours=3)
    assert [r.summary for r in log.export(since=since)] == ["h1", "h2", "h3", "h4"]
    assert [r.summary for r in log.export(since, until)] == ["h1", "h2"]


def test_a_long_export_reads_every_page(
    database: Database, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("app.store.audit._PAGE", 2)
    log = AuditLog(database)
    for index in range(7):
        append(log, f"e{index}")
        if index % 3 == 0:
            clock.advance(1)
    assert [r.summary for r in log.export()] == [f"e{index}" for index in range(7)]


def test_the_log_has_no_way_to_change_or_remove_an_entry() -> None:
    public = {name for name in dir(AuditLog) if not name.startswith("_")}
    assert public == {"append", "export", "for_pull"}


def test_a_pull_requests_history_is_its_own_entries_oldest_first(
    database: Database, clock: ManualClock
) -> None:
    log = AuditLog(database)
    for index in range(5):
        log.append("evaluation", repository="acme/web", number=1, actor="g", summary=f"a{index}")
        log.append("evaluation", repository="acme/web", number=2, actor="g", summary=f"b{index}")
        clock.advance(1)
    assert [r.summary for r in log.for_pull("acme/web", 1)] == [f"a{i}" for i in range(5)]
    assert [r.summary for r in log.for_pull("acme/web", 2, limit=2)] == ["b3", "b4"]
