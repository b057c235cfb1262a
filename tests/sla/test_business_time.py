"""Hand-checked SLA deadlines, business-hour spans, due-time wording and call times.

Calendar facts behind the expectations (2026 unless stated): 13 November is a Friday;
Thanksgiving is Thursday 26 November and only California also closes on the 27th; Christmas
is a Friday; 1 January 2027 is a Friday; 3 July is Independence Day observed; Los Angeles
springs forward on Sunday 8 March and falls back on Sunday 1 November; Berlin springs forward
on Sunday 29 March; Good Friday is 3 April and Easter Monday 6 April.

Times are written as wall-clock readings in the calendar's zone (the first one when a reading
repeats) unless they carry an offset or ``Z``; expectations compare ISO strings, offsets
included, so a result an hour off across a DST change cannot pass.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from app.policy.model import SlaSettings
from app.sla import BusinessCalendar, current_or_next_call, format_due, next_occurrence

LA = "America/Los_Angeles"
WEEK = ("mon", "tue", "wed", "thu", "fri")

US = BusinessCalendar(LA, ("09:00", "17:00"), WEEK, "US")
CA = BusinessCalendar(LA, ("09:00", "17:00"), WEEK, "US-CA")
NO_HOLIDAYS = BusinessCalendar(LA, ("09:00", "17:00"), WEEK, None)
SUNDAY_NIGHTS = BusinessCalendar(LA, ("00:00", "04:00"), ["sun"], None)
SKIPPED_OPENING = BusinessCalendar(LA, ("02:30", "04:00"), ["sun"], None)
INSIDE_SKIPPED_HOUR = BusinessCalendar(LA, ("02:10", "02:50"), ["sun"], None)
DE = BusinessCalendar("Europe/Berlin", ("09:00", "17:00"), WEEK, "DE")


def at(text: str, zone: ZoneInfo = US.zone) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def iso(text: str, zone: ZoneInfo = US.zone) -> str:
    return at(text, zone).astimezone(zone).isoformat()


def case(label: str, *values: Any) -> Any:
    return pytest.param(*values, id=label)


# fmt: off
DEADLINES = [
    case("spec-friday-15h-plus-2-days-is-tuesday-15h",
         US, "2026-11-13 15:00", "2 days", "2026-11-17 15:00"),
    case("saturday-request-starts-the-clock-monday-9h",
         US, "2026-11-14 10:00", "2 days", "2026-11-17 17:00"),
    case("sunday-evening-request-due-monday-noon",
         US, "2026-11-15 20:00", "3 hours", "2026-11-16 12:00"),
    case("evening-request-counts-from-next-morning",
         US, "2026-11-17 19:30", "4 hours", "2026-11-18 13:00"),
    case("early-morning-request-counts-from-9h",
         US, "2026-11-18 06:00", "4 hours", "2026-11-18 13:00"),
    case("expedite-at-16h-due-next-day-noon",
         US, "2026-11-18 16:00", "4 hours", "2026-11-19 12:00"),
    case("deadline-at-workday-end-stays-at-17h",
         US, "2026-11-18 13:00", "4 hours", "2026-11-18 17:00"),
    case("two-days-from-opening-end-at-17h-next-day",
         US, "2026-11-16 09:00", "2 days", "2026-11-17 17:00"),
    case("request-at-workday-end-counts-from-morning",
         US, "2026-11-18 17:00", "1 hour", "2026-11-19 10:00"),
    case("thanksgiving-is-skipped",
         US, "2026-11-25 15:00", "2 days", "2026-11-30 15:00"),
    case("day-after-thanksgiving-is-a-us-workday",
         US, "2026-11-27 10:00", "1 hour", "2026-11-27 11:00"),
    case("day-after-thanksgiving-is-a-california-holiday",
         CA, "2026-11-25 15:00", "2 days", "2026-12-01 15:00"),
    case("without-holidays-thanksgiving-is-a-workday",
         NO_HOLIDAYS, "2026-11-25 15:00", "2 days", "2026-11-27 15:00"),
    case("christmas-is-skipped",
         US, "2026-12-24 16:00", "4 hours", "2026-12-28 12:00"),
    case("new-year-across-year-end",
         US, "2026-12-31 14:00", "2 days", "2027-01-05 14:00"),
    case("observed-independence-day-is-skipped",
         US, "2026-07-02 16:00", "2 hours", "2026-07-06 10:00"),
    case("spring-forward-weekend-keeps-wall-clock-hours",
         US, "2026-03-06 15:00", "2 days", "2026-03-10 15:00"),
    case("fall-back-weekend-keeps-wall-clock-hours",
         US, "2026-10-30 16:00", "4 hours", "2026-11-02 12:00"),
    case("spring-forward-night-shift-holds-3-real-hours",
         SUNDAY_NIGHTS, "2026-03-08 00:00", "3 hours", "2026-03-08 04:00"),
    case("spring-forward-night-shift-4th-hour-next-week",
         SUNDAY_NIGHTS, "2026-03-08 00:00", "4 hours", "2026-03-15 01:00"),
    case("fall-back-night-shift-4-hours-end-at-3h-pst",
         SUNDAY_NIGHTS, "2026-11-01 00:00", "4 hours", "2026-11-01 03:00"),
    case("fall-back-night-shift-holds-5-real-hours",
         SUNDAY_NIGHTS, "2026-11-01 00:00", "5 hours", "2026-11-01 04:00"),
    case("berlin-weekend-across-dst-change",
         DE, "2026-03-27 16:00", "2 hours", "2026-03-30 10:00"),
    case("berlin-good-friday-and-easter-monday-skipped",
         DE, "2026-04-02 15:00", "1 day", "2026-04-07 15:00"),
    case("fractional-hours-carry-over-the-night",
         US, "2026-11-16 16:30", "1.25 hours", "2026-11-17 09:45"),
    case("half-a-business-day-is-half-a-workday",
         US, "2026-11-16 09:00", "0.5 days", "2026-11-16 13:00"),
    case("one-minute-to-workday-end",
         US, "2026-11-16 16:59", "1 minute", "2026-11-16 17:00"),
    case("request-given-in-utc",
         US, "2026-11-13 23:00Z", "2 days", "2026-11-17 15:00"),
    case("negative-hours-count-back-over-weekend",
         US, "2026-11-16 10:00", "-2 hours", "2026-11-13 16:00"),
    case("zero-hours-is-the-start-itself",
         US, "2026-11-14 10:00", "0 hours", "2026-11-14 10:00"),
]
# fmt: on


@pytest.mark.parametrize(("calendar", "start", "amount", "due"), DEADLINES)
def test_deadline_lands_on_the_hand_checked_time(
    calendar: BusinessCalendar, start: str, amount: str, due: str
) -> None:
    number, unit = amount.rstrip("s").split()
    begin = at(start, calendar.zone)
    if unit == "day":
        result = calendar.add_business_days(begin, float(number))
    else:
        hours = float(number) / 60 if unit == "minute" else float(number)
        result = calendar.add_business_hours(begin, hours)
    assert result.tzinfo == calendar.zone
    assert result.isoformat() == iso(due, calendar.zone)


# fmt: off
SPANS = [
    case("spec-friday-to-tuesday-is-16-hours", US, "2026-11-13 15:00", "2026-11-17 15:00", 16),
    case("backwards-span-is-negative", US, "2026-11-17 15:00", "2026-11-13 15:00", -16),
    case("weekend-holds-no-business-time", US, "2026-11-14 00:00", "2026-11-16 09:00", 0),
    case("night-holds-no-business-time", US, "2026-11-16 18:00", "2026-11-17 08:00", 0),
    case("thanksgiving-holds-none", US, "2026-11-25 09:00", "2026-11-27 17:00", 16),
    case("partial-workdays-at-both-ends", US, "2026-11-16 16:30", "2026-11-17 09:45", 1.25),
    case("spring-forward-night-is-3-hours", SUNDAY_NIGHTS, "2026-03-08", "2026-03-08 04:00", 3),
    case("fall-back-night-is-5-hours", SUNDAY_NIGHTS, "2026-11-01", "2026-11-01 04:00", 5),
    case("same-instant-in-two-zones", US, "2026-11-16 10:00", "2026-11-16 18:00Z", 0),
    case("workday-inside-skipped-hour-holds-none",
         INSIDE_SKIPPED_HOUR, "2026-03-01", "2026-03-09", 2 / 3),  # 1 March only
]
# fmt: on


@pytest.mark.parametrize(("calendar", "a", "b", "hours"), SPANS)
def test_business_hours_between_counts_only_open_hours(
    calendar: BusinessCalendar, a: str, b: str, hours: float
) -> None:
    assert calendar.business_hours_between(at(a), at(b)) == pytest.approx(hours, abs=1e-9)


# fmt: off
OPEN_OR_CLOSED = [
    case("workday-opening-is-open", US, "2026-11-16 09:00", True),
    case("last-second-of-workday-is-open", US, "2026-11-16 16:59:59", True),
    case("workday-end-is-closed", US, "2026-11-16 17:00", False),
    case("saturday-is-closed", US, "2026-11-14 12:00", False),
    case("thanksgiving-is-closed", US, "2026-11-26 12:00", False),
    case("day-after-thanksgiving-is-open-for-us", US, "2026-11-27 12:00", True),
    case("day-after-thanksgiving-is-closed-in-california", CA, "2026-11-27 12:00", False),
    case("night-shift-after-spring-forward-jump", SUNDAY_NIGHTS, "2026-03-08 03:30", True),
    case("night-shift-repeated-hour-is-open", SUNDAY_NIGHTS, "2026-11-01 01:30-08:00", True),
]
# fmt: on


@pytest.mark.parametrize(("calendar", "moment", "is_open"), OPEN_OR_CLOSED)
def test_is_business_time(calendar: BusinessCalendar, moment: str, is_open: bool) -> None:
    assert calendar.is_business_time(at(moment)) is is_open


# fmt: off
CLOCK_STARTS = [
    case("inside-business-time-starts-now", US, "2026-11-16 11:00", "2026-11-16 11:00"),
    case("saturday-starts-monday-morning", US, "2026-11-14 10:00", "2026-11-16 09:00"),
    case("workday-end-starts-next-morning", US, "2026-11-16 17:00", "2026-11-17 09:00"),
    case("eve-of-thanksgiving-starts-friday", US, "2026-11-25 18:00", "2026-11-27 09:00"),
    case("skipped-opening-starts-at-the-jump", SKIPPED_OPENING, "2026-03-07", "2026-03-08 03:00"),
]
# fmt: on


@pytest.mark.parametrize(("calendar", "moment", "start"), CLOCK_STARTS)
def test_next_business_start(calendar: BusinessCalendar, moment: str, start: str) -> None:
    assert calendar.next_business_start(at(moment)).isoformat() == iso(start)


# fmt: off
DUE_TEXTS = [
    case("spec-example-three-hours-left", "2026-11-30 16:00", "2026-11-30 13:00",
         "2026-11-30 16:00 PST (in 3 business hours)"),
    case("partial-hour-rounds-down", "2026-11-30 16:00", "2026-11-30 13:20",
         "2026-11-30 16:00 PST (in 2 business hours)"),
    case("one-hour-singular", "2026-11-30 16:00", "2026-11-30 15:00",
         "2026-11-30 16:00 PST (in 1 business hour)"),
    case("under-an-hour-in-minutes", "2026-11-30 16:00", "2026-11-30 15:20",
         "2026-11-30 16:00 PST (in 40 business minutes)"),
    case("one-minute-singular", "2026-11-30 16:00", "2026-11-30 15:59",
         "2026-11-30 16:00 PST (in 1 business minute)"),
    case("due-now", "2026-11-30 16:00", "2026-11-30 16:00",
         "2026-11-30 16:00 PST (due now)"),
    case("seconds-late-is-still-due-now", "2026-11-30 16:00", "2026-11-30 16:00:30",
         "2026-11-30 16:00 PST (due now)"),
    case("overdue-in-minutes", "2026-11-30 16:00", "2026-11-30 16:05",
         "2026-11-30 16:00 PST (overdue by 5 business minutes)"),
    case("overdue-across-the-night", "2026-11-30 16:00", "2026-12-01 10:00",
         "2026-11-30 16:00 PST (overdue by 2 business hours)"),
    case("day-and-hours-across-weekend", "2026-11-16 13:00", "2026-11-13 10:00",
         "2026-11-16 13:00 PST (in 1 business day 3 hours)"),
    case("one-day-singular", "2026-11-16 15:00", "2026-11-13 15:00",
         "2026-11-16 15:00 PST (in 1 business day)"),
    case("whole-days-plural", "2026-11-17 15:00", "2026-11-13 15:00",
         "2026-11-17 15:00 PST (in 2 business days)"),
    case("days-and-one-hour", "2026-11-17 16:00", "2026-11-13 15:00",
         "2026-11-17 16:00 PST (in 2 business days 1 hour)"),
    case("overdue-by-days-and-hours", "2026-11-13 15:00", "2026-11-17 17:00",
         "2026-11-13 15:00 PST (overdue by 2 business days 2 hours)"),
    case("missed-friday-deadline-seen-on-saturday", "2026-11-13 17:00", "2026-11-14 10:00",
         "2026-11-13 17:00 PST (overdue)"),
    case("weekend-does-not-count-down", "2026-11-16 10:00", "2026-11-14 10:00",
         "2026-11-16 10:00 PST (in 1 business hour)"),
    case("thanksgiving-does-not-count-down", "2026-11-27 10:00", "2026-11-25 16:00",
         "2026-11-27 10:00 PST (in 2 business hours)"),
    case("summer-time-abbreviation", "2026-07-08 11:00", "2026-07-08 10:00",
         "2026-07-08 11:00 PDT (in 1 business hour)"),
    case("utc-due-shown-in-sla-zone", "2026-12-01 00:00Z", "2026-11-30 13:00",
         "2026-11-30 16:00 PST (in 3 business hours)"),
]
# fmt: on


@pytest.mark.parametrize(("due", "now", "text"), DUE_TEXTS)
def test_format_due(due: str, now: str, text: str) -> None:
    assert format_due(at(due), at(now), US) == text


def test_format_due_uses_the_calendar_zone_abbreviation() -> None:
    text = format_due(at("2026-01-14 12:00", DE.zone), at("2026-01-14 11:00", DE.zone), DE)
    assert text == "2026-01-14 12:00 CET (in 1 business hour)"


# fmt: off
CALLS = [  # the architecture call: Wednesdays 16:00-17:00 in Los Angeles
    case("monday-before-the-call", "2026-11-16 10:00", "2026-11-18 16:00", "2026-11-18 16:00"),
    case("a-minute-before-the-call", "2026-11-18 15:59", "2026-11-18 16:00", "2026-11-18 16:00"),
    case("call-starting-now", "2026-11-18 16:00", "2026-11-25 16:00", "2026-11-18 16:00"),
    case("call-under-way", "2026-11-18 16:30", "2026-11-25 16:00", "2026-11-18 16:00"),
    case("call-just-ended", "2026-11-18 17:00", "2026-11-25 16:00", "2026-11-25 16:00"),
    case("day-after-the-call", "2026-11-19 09:00", "2026-11-25 16:00", "2026-11-25 16:00"),
    case("next-call-after-fall-back", "2026-10-28 17:30", "2026-11-04 16:00", "2026-11-04 16:00"),
    case("next-call-after-spring-forward", "2026-03-05 10:00", "2026-03-11 16:00",
         "2026-03-11 16:00"),
    case("utc-thursday-is-la-wednesday-call", "2026-11-19 00:30Z", "2026-11-25 16:00",
         "2026-11-18 16:00"),
    case("utc-morning-is-la-night-before", "2026-11-18 10:00Z", "2026-11-18 16:00",
         "2026-11-18 16:00"),
]
# fmt: on


@pytest.mark.parametrize(("now", "next_start", "current_start"), CALLS)
def test_weekly_architecture_call(now: str, next_start: str, current_start: str) -> None:
    assert next_occurrence(at(now), "wed", "16:00", LA).isoformat() == iso(next_start)
    start, end = current_or_next_call(at(now), "wed", "16:00", 60, LA)
    current_end = current_start.replace("16:00", "17:00")
    assert (start.isoformat(), end.isoformat()) == (iso(current_start), iso(current_end))


def test_call_in_a_skipped_hour_starts_at_the_jump() -> None:
    start = next_occurrence(at("2026-03-07 00:00"), "sun", "02:30", LA)
    assert start.isoformat() == "2026-03-08T03:00:00-07:00"


def test_call_across_fall_back_lasts_its_real_duration() -> None:
    start, end = current_or_next_call(at("2026-10-31 00:00"), "sun", "01:30", 60, LA)
    assert start.isoformat() == "2026-11-01T01:30:00-07:00"
    assert end.isoformat() == "2026-11-01T01:30:00-08:00"


def test_call_in_another_zone() -> None:
    now = at("2026-03-30 10:45", DE.zone)
    start, end = current_or_next_call(now, "mon", "10:00", 90, "Europe/Berlin")
    assert (start.isoformat(), end.isoformat()) == (
        "2026-03-30T10:00:00+02:00",
        "2026-03-30T11:30:00+02:00",
    )


@pytest.mark.parametrize(
    ("weekday", "time", "minutes", "message"),
    [
        case("unknown-weekday", "wednesday", "16:00", 60, "wednesday"),
        case("unreadable-time", "wed", "4pm", 60, "4pm"),
        case("zero-duration", "wed", "16:00", 0, "positive"),
    ],
)
def test_bad_call_settings_are_rejected(
    weekday: str, time: str, minutes: int, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        current_or_next_call(at("2026-11-16 10:00"), weekday, time, minutes, LA)


def test_from_settings_reads_the_sla_section() -> None:
    calendar = BusinessCalendar.from_settings(SlaSettings(holidays="US-CA"))
    assert calendar.zone.key == LA
    assert calendar.business_day_hours == 8
    assert not calendar.is_business_time(at("2026-11-27 12:00"))
    due = calendar.add_business_days(at("2026-11-13 15:00"), 2)
    assert due.isoformat() == "2026-11-17T15:00:00-08:00"


def test_holiday_codes_are_case_insensitive() -> None:
    calendar = BusinessCalendar(LA, ("09:00", "17:00"), WEEK, "us-ca")
    assert not calendar.is_business_time(at("2026-11-27 12:00"))


# fmt: off
BAD_CALENDARS = [
    case("unknown-country", LA, ("09:00", "17:00"), WEEK, "XX", "'XX'"),
    case("unknown-subdivision", LA, ("09:00", "17:00"), WEEK, "US-ZZ", "'US-ZZ'"),
    case("unknown-zone", "Mars/Olympus", ("09:00", "17:00"), WEEK, None, "Mars/Olympus"),
    case("workday-backwards", LA, ("17:00", "09:00"), WEEK, None, "start before it ends"),
    case("unreadable-workday", LA, ("9am", "17:00"), WEEK, None, "9am"),
    case("unknown-workday", LA, ("09:00", "17:00"), ["funday"], None, "funday"),
    case("no-workdays", LA, ("09:00", "17:00"), [], None, "at least one workday"),
]
# fmt: on


@pytest.mark.parametrize(("zone", "workday", "workdays", "holidays", "message"), BAD_CALENDARS)
def test_bad_calendars_are_rejected_with_the_culprit_named(
    zone: str, workday: tuple[str, str], workdays: list[str], holidays: str | None, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        BusinessCalendar(zone, workday, workdays, holidays)


def test_naive_datetimes_are_rejected() -> None:
    with pytest.raises(ValueError, match="no timezone"):
        US.add_business_hours(datetime(2026, 11, 16, 10), 1)
    with pytest.raises(ValueError, match="no timezone"):
        next_occurrence(datetime(2026, 11, 16, 10), "wed", "16:00", LA)


@pytest.mark.parametrize("hours", [float("nan"), float("inf")], ids=["nan", "infinity"])
def test_non_finite_hours_are_rejected(hours: float) -> None:
    with pytest.raises(ValueError, match="finite"):
        US.add_business_hours(at("2026-11-16 10:00"), hours)
