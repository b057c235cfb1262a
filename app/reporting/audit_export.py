"""``gatehouse audit export``: the audit log as JSON Lines or CSV, written as it is read.

Both formats carry the same columns, in this order: ``seq``, ``at`` (ISO 8601, UTC),
``kind``, ``repository``, ``number``, ``actor``, ``summary`` and ``detail``. In CSV,
``detail`` is a JSON string and an absent repository, number or actor is an empty cell.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from typing import Any, TextIO

from app.store import AuditRecord

COLUMNS: tuple[str, ...] = (
    "seq",
    "at",
    "kind",
    "repository",
    "number",
    "actor",
    "summary",
    "detail",
)
EXPORT_FORMATS: tuple[str, ...] = ("jsonl", "csv")

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


class DateError(ValueError):
    """A ``--since``/``--until`` value that names no instant; the message shows the forms."""


def parse_when(text: str) -> datetime:
    """The instant ``text`` names, in UTC.

    ``YYYY-MM-DD`` is that day's midnight UTC; otherwise a full ISO 8601 timestamp, where
    one without an offset is read as UTC (the same zone the day form uses), so the result
    never depends on the machine's zone.
    """
    value = text.strip()
    try:
        if _DAY.fullmatch(value):
            return datetime.combine(date.fromisoformat(value), time.min, tzinfo=UTC)
        instant = datetime.fromisoformat(value)
    except ValueError:
        raise DateError(
            f"{text!r} is neither a date (YYYY-MM-DD) nor an ISO 8601 timestamp "
            "(e.g. 2026-03-02T09:30:00Z)"
        ) from None
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(UTC)


def record_to_dict(record: AuditRecord) -> dict[str, Any]:
    """One record as JSON-ready data, keys in :data:`COLUMNS` order."""
    return {
        "seq": record.seq,
        "at": record.at.astimezone(UTC).isoformat(),
        "kind": record.kind,
        "repository": record.repository,
        "number": record.number,
        "actor": record.actor,
        "summary": record.summary,
        "detail": record.detail,
    }


def write_jsonl(records: Iterable[AuditRecord], out: TextIO) -> int:
    """One JSON object per line for each record, in the order given; how many were written."""
    count = 0
    for record in records:
        out.write(json.dumps(record_to_dict(record), ensure_ascii=False) + "\n")
        count += 1
    return count


def write_csv(records: Iterable[AuditRecord], out: TextIO) -> int:
    """A header row, then one row per record in the order given; how many were written."""
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    count = 0
    for record in records:
        row = record_to_dict(record)
        row["detail"] = json.dumps(record.detail, ensure_ascii=False, sort_keys=True)
        writer.writerow(["" if row[name] is None else row[name] for name in COLUMNS])
        count += 1
    return count


def write_export(records: Iterable[AuditRecord], out: TextIO, export_format: str) -> int:
    """Write ``records`` to ``out`` in ``export_format`` (one of :data:`EXPORT_FORMATS`)."""
    if export_format == "jsonl":
        return write_jsonl(records, out)
    if export_format == "csv":
        return write_csv(records, out)
    raise ValueError(f"unknown export format {export_format!r}; use one of {EXPORT_FORMATS}")
