"""Reading the ISO-8601 times gatehouse stores in its records."""

from __future__ import annotations

from datetime import datetime
from typing import Any


def aware_instant(value: Any) -> datetime | None:
    """``value`` as an aware datetime, or ``None`` when it is missing, not ISO-8601, or has
    no offset (a naive time's meaning would depend on the machine's zone)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None
