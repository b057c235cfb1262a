from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from app.reporting import COLUMNS, DateError, parse_when, write_csv, write_jsonl
from app.store import AuditLog, AuditRecord, Database
from tests.dbutil import ManualClock, open_database

START = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def database(tmp_path: Path, clock: ManualClock) -> Iterator[Database]:
    with open_database("sqlite", tmp_path, now=clock) as db:
        yield db


def fill(log: AuditLog, clock: ManualClock) -> None:
    log.append(
        "evaluation",
        repository="org/api",
        number=7,
        actor="gatehouse",
        summary="action_required: platform-engineering action_required",
        detail={"groups": [{"group": "platform-engineering", "rules": ["ci-github-actions"]}]},
    )
    clock.advance(3600)
    log.append(
        "command",
        repository="org/api",
        number=7,
        actor="ana",
        summary='/expedite accepted: "prod is down", ünïcode',
        detail={"argument": "line one\nline two, with a comma"},
    )
    clock.advance(3600)
    log.append(
        "agenda-posted",
        repository=None,
        number=None,
        actor="gatehouse",
        summary="architecture agenda posted: 0 pull request(s)",
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("2026-03-02", datetime(2026, 3, 2, tzinfo=UTC), id="a day is midnight UTC"),
        pytest.param(
            "2026-03-02T09:30:00Z", datetime(2026, 3, 2, 9, 30, tzinfo=UTC), id="Z timestamp"
        ),
        pytest.param(
            "2026-03-02T09:30:00-08:00",
            datetime(2026, 3, 2, 17, 30, tzinfo=UTC),
            id="an offset is converted to UTC",
        ),
        pytest.param(
            "2026-03-02T09:30", datetime(2026, 3, 2, 9, 30, tzinfo=UTC), id="no offset means UTC"
        ),
        pytest.param(
            " 2026-03-02 09:30:15.250+00:00 ",
            datetime(2026, 3, 2, 9, 30, 15, 250000, tzinfo=UTC),
            id="space separator and fractions, surrounding blanks ignored",
        ),
    ],
)
def test_dates_and_timestamps_name_a_utc_instant(text: str, expected: datetime) -> None:
    parsed = parse_when(text)
    assert parsed == expected
    assert parsed.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("yesterday", id="a word"),
        pytest.param("2026-02-30", id="a day that does not exist"),
        pytest.param("03/02/2026", id="a US-style date"),
        pytest.param("2026-03-02T25:00", id="an hour past 23"),
        pytest.param("", id="nothing"),
    ],
)
def test_a_bad_date_is_refused_with_the_accepted_forms(text: str) -> None:
    with pytest.raises(DateError, match=r"YYYY-MM-DD.*ISO 8601"):
        parse_when(text)


def test_jsonl_round_trips_every_field(database: Database, clock: ManualClock) -> None:
    log = AuditLog(database)
    fill(log, clock)
    records = list(log.export())
    out = io.StringIO()
    assert write_jsonl(records, out) == 3
    lines = out.getvalue().splitlines()
    assert len(lines) == 3
    parsed = [json.loads(line) for line in lines]
    assert [list(p) for p in parsed] == [list(COLUMNS)] * 3
    back = [
        AuditRecord(
            seq=p["seq"],
            at=datetime.fromisoformat(p["at"]),
            kind=p["kind"],
            repository=p["repository"],
            number=p["number"],
            actor=p["actor"],
            summary=p["summary"],
            detail=p["detail"],
        )
        for p in parsed
    ]
    assert back == records
    assert parsed[0]["at"] == "2026-03-02T17:00:00+00:00"


def test_csv_round_trips_with_detail_as_json_and_absent_values_empty(
    database: Database, clock: ManualClock
) -> None:
    log = AuditLog(database)
    fill(log, clock)
    records = list(log.export())
    out = io.StringIO(newline="")
    assert write_csv(records, out) == 3
    rows = list(csv.DictReader(io.StringIO(out.getvalue(), newline="")))
    assert list(rows[0]) == list(COLUMNS)
    for row, record in zip(rows, records, strict=True):
        assert int(row["seq"]) == record.seq
        assert datetime.fromisoformat(row["at"]) == record.at
        assert (row["kind"], row["summary"]) == (record.kind, record.summary)
        assert row["repository"] == (record.repository or "")
        assert row["number"] == ("" if record.number is None else str(record.number))
        assert json.loads(row["detail"]) == record.detail
    assert rows[1]["detail"] == json.dumps({"argument": "line one\nline two, with a comma"})
    assert rows[2]["repository"] == rows[2]["number"] == ""


def test_csv_of_no_records_is_the_header_alone() -> None:
    out = io.StringIO()
    assert write_csv([], out) == 0
    assert out.getvalue().strip() == ",".join(COLUMNS)


def test_export_writes_each_record_before_reading_the_next(
    database: Database, clock: ManualClock
) -> None:
    log = AuditLog(database)
    fill(log, clock)
    out = io.StringIO()
    seen: list[int] = []

    def watched() -> Iterator[AuditRecord]:
        for record in log.export():
            seen.append(len(out.getvalue().splitlines()))
            yield record

    write_jsonl(watched(), out)
    assert seen == [0, 1, 2]


def test_an_aware_timestamp_in_another_zone_is_exported_in_utc() -> None:
    record = AuditRecord(
        seq=1,
        at=datetime(2026, 3, 2, 9, 0, tzinfo=timezone(timedelta(hours=-8))),
        kind="evaluation",
        repository="org/api",
        number=1,
        actor="gatehouse",
        summary="success: no review required",
        detail={},
    )
    out = io.StringIO()
    write_jsonl([record], out)
    assert json.loads(out.getvalue())["at"] == "2026-03-02T17:00:00+00:00"
