"""Moments as gatehouse stores and shows them: ISO 8601 in records, ``YYYY-MM-DD HH:MM ZONE``
for people (SPEC section 6)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

SHOWN = "%Y-%m-%d %H:%M %Z"


def parse_moment(value: Any) -> datetime | None:
    """An ISO 8601 time from a record or an API answer (``Z`` accepted); None if empty."""
    if not value:
        return None
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def show_moment(moment: datetime | str, timezone: str) -> str:
    """``2026-11-30 16:00 PST``: the wall-clock time in ``timezone`` and its abbreviation."""
    value = parse_moment(moment) if isinstance(moment, str) else moment
    if value is None:
        return "—"
    return value.astimezone(ZoneInfo(timezone)).strftime(SHOWN)
