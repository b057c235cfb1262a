"""Due times as people read them in check summaries and sticky comments (SPEC section 6).

``2026-11-30 16:00 PST (in 3 business hours)``: the wall-clock time in the SLA zone with the
zone's abbreviation, then how much business time is left or overdue. The relative part is
rounded down, so it never promises more time than remains.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.sla.business_time import BusinessCalendar

_MICROSECONDS_PER_HOUR = 3_600_000_000
_MICROSECONDS_PER_MINUTE = 60_000_000


def _plural(count: int, unit: str) -> str:
    return f"{count} {unit}" if count == 1 else f"{count} {unit}s"


def describe_business_span(minutes: int, business_day_minutes: int) -> str:
    """``1 business day 3 hours``, ``3 business hours`` or ``40 business minutes``.

    Spans of a business day or more read in days and whole hours, spans of an hour or more
    in whole hours, shorter ones in minutes.
    """
    if minutes >= business_day_minutes:
        days, rest = divmod(minutes, business_day_minutes)
        text = _plural(days, "business day")
        hours = rest // 60
        return f"{text} {_plural(hours, 'hour')}" if hours else text
    if minutes >= 60:
        return _plural(minutes // 60, "business hour")
    return _plural(minutes, "business minute")


def relative_due(due: datetime, now: datetime, calendar: BusinessCalendar) -> str:
    """``in 3 business hours``, ``overdue by 2 business hours``, ``due now`` or ``overdue``.

    Business time decides: a deadline of Friday 17:00 seen on Saturday has no business time
    left or overdue, so it reads ``overdue`` without an amount; less than a business minute
    either side of the deadline reads ``due now``.
    """
    hours = calendar.business_hours_between(now, due)
    minutes = round(abs(hours) * _MICROSECONDS_PER_HOUR) // _MICROSECONDS_PER_MINUTE
    if minutes == 0:
        late = now.astimezone(UTC) - due.astimezone(UTC)
        return "due now" if late < timedelta(minutes=1) else "overdue"
    span = describe_business_span(minutes, round(calendar.business_day_hours * 60))
    return f"in {span}" if hours > 0 else f"overdue by {span}"


def format_due(due: datetime, now: datetime, calendar: BusinessCalendar) -> str:
    """``YYYY-MM-DD HH:MM ZONE (relative)`` with the wall-clock time in the calendar's zone."""
    relative = relative_due(due, now, calendar)
    return f"{due.astimezone(calendar.zone):%Y-%m-%d %H:%M %Z} ({relative})"
