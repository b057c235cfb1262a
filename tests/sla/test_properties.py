"""Invariants of business-time arithmetic, checked on generated instants and durations.

Instants cluster around DST changes and holidays, and the calendars include workdays whose
hours span a DST jump (Los Angeles by an hour, Lord Howe Island by half an hour), where
wall-clock and elapsed time disagree. Results are compared as UTC instants: Python compares
two datetimes of one zone by their wall-clock readings, which repeat when clocks fall back.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.sla import BusinessCalendar

WEEK = ("mon", "tue", "wed", "thu", "fri")
CALENDARS = [
    BusinessCalendar("America/Los_Angeles", ("09:00", "17:00"), WEEK, "US"),
    BusinessCalendar("America/Los_Angeles", ("00:00", "04:00"), ["sun"], None),
    BusinessCalendar("Europe/Berlin", ("07:30", "18:15"), (*WEEK, "sat"), "DE-BE"),
    BusinessCalendar("Australia/Lord_Howe", ("01:00", "03:00"), ["sun", "wed"], None),
]
ANCHORS = [
    datetime(2026, 3, 8, 10, tzinfo=UTC),  # Los Angeles springs forward
    datetime(2026, 11, 1, 9, tzinfo=UTC),  # Los Angeles falls back
    datetime(2026, 3, 29, 1, tzinfo=UTC),  # Berlin springs forward
    datetime(2026, 4, 4, 15, tzinfo=UTC),  # Lord Howe falls back half an hour
    datetime(2026, 10, 3, 15, tzinfo=UTC),  # Lord Howe springs forward half an hour
    datetime(2026, 11, 26, 17, tzinfo=UTC),  # Thanksgiving
    datetime(2026, 12, 31, 20, tzinfo=UTC),  # the year end
]
THREE_WEEKS_IN_MICROSECONDS = 21 * 24 * 3600 * 1_000_000
MICROSECOND = timedelta(microseconds=1)
BOUNDED = settings(max_examples=200, deadline=None)

calendars = st.sampled_from(CALENDARS)
instants = st.builds(
    lambda anchor, offset: anchor + timedelta(microseconds=offset),
    st.sampled_from(ANCHORS),
    st.integers(-THREE_WEEKS_IN_MICROSECONDS, THREE_WEEKS_IN_MICROSECONDS),
)
# Whole seconds keep a+b exact in microseconds, so composition can be compared exactly.
whole_second_hours = st.integers(0, 120 * 3600).map(lambda seconds: seconds / 3600)
any_hours = st.floats(0, 120, allow_nan=False, allow_infinity=False)


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def at_workday_end(calendar: BusinessCalendar, moment: datetime) -> bool:
    return not calendar.is_business_time(moment) and calendar.is_business_time(
        utc(moment) - MICROSECOND
    )


@BOUNDED
@given(calendars, instants, any_hours)
def test_the_hours_added_are_the_hours_counted(
    calendar: BusinessCalendar, moment: datetime, hours: float
) -> None:
    start = calendar.next_business_start(moment)
    due = calendar.add_business_hours(start, hours)
    assert calendar.business_hours_between(start, due) == pytest.approx(hours, abs=1e-9)


@BOUNDED
@given(calendars, instants, any_hours, any_hours)
def test_more_hours_never_end_earlier(
    calendar: BusinessCalendar, moment: datetime, a: float, b: float
) -> None:
    fewer, more = sorted((a, b))
    earlier = calendar.add_business_hours(moment, fewer)
    assert utc(earlier) <= utc(calendar.add_business_hours(moment, more))


@BOUNDED
@given(calendars, instants, any_hours)
def test_deadlines_fall_in_business_time_or_at_a_workday_end(
    calendar: BusinessCalendar, moment: datetime, hours: float
) -> None:
    due = calendar.add_business_hours(calendar.next_business_start(moment), hours)
    assert calendar.is_business_time(due) or at_workday_end(calendar, due)


@BOUNDED
@given(calendars, instants, whole_second_hours, whole_second_hours)
def test_adding_in_two_steps_equals_adding_at_once(
    calendar: BusinessCalendar, moment: datetime, a: float, b: float
) -> None:
    start = calendar.next_business_start(moment)
    in_steps = calendar.add_business_hours(calendar.add_business_hours(start, a), b)
    assert utc(calendar.add_business_hours(start, a + b)) == utc(in_steps)


@BOUNDED
@given(calendars, instants, whole_second_hours)
def test_counting_back_returns_to_the_start(
    calendar: BusinessCalendar, moment: datetime, hours: float
) -> None:
    start = calendar.next_business_start(moment)
    due = calendar.add_business_hours(start, hours)
    assert utc(calendar.add_business_hours(due, -hours)) == utc(start)


@BOUNDED
@given(calendars, instants, instants, instants)
def test_spans_add_up_and_reverse_sign(
    calendar: BusinessCalendar, a: datetime, b: datetime, c: datetime
) -> None:
    ab = calendar.business_hours_between(a, b)
    assert calendar.business_hours_between(b, a) == -ab
    total = ab + calendar.business_hours_between(b, c)
    assert calendar.business_hours_between(a, c) == pytest.approx(total, abs=1e-9)


@BOUNDED
@given(calendars, instants)
def test_the_clock_starts_at_the_first_business_instant(
    calendar: BusinessCalendar, moment: datetime
) -> None:
    start = calendar.next_business_start(moment)
    assert utc(start) >= utc(moment)
    assert calendar.is_business_time(start)
    assert calendar.business_hours_between(moment, start) == 0
    assert (utc(start) == utc(moment)) is calendar.is_business_time(moment)
