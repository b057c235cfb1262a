"""Business-time arithmetic for SLA deadlines (SPEC section 6).

Everything here is pure: datetimes in, datetimes out, no clock is read. Business time is the
union of one interval per business day, from the workday's start to its end in wall-clock
time in the calendar's zone, measured in real elapsed time. A workday whose hours span a DST
change therefore holds the hours that really pass (three on a spring-forward night shift,
five on a fall-back one), while a DST-change Monday still opens at 09:00 and closes at 17:00.

A wall-clock reading the zone skips (spring forward) stands for the instant of the jump; a
reading the zone shows twice (fall back) stands for its first occurrence. Internally every
instant is UTC: Python compares and subtracts two datetimes of one zone by their wall-clock
readings, which repeat when clocks fall back, so callers should compare results as instants
(``.astimezone(UTC)``) too.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_lib

if TYPE_CHECKING:
    from app.policy.model import SlaSettings

WEEKDAY_NAMES: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HOUR = timedelta(hours=1)
_ONE_DAY = timedelta(days=1)
# A calendar with business time at all has some within this many days of any date; the cap
# turns a calendar whose every workday is a holiday into an error instead of an endless loop.
_MAX_DAYS_WITHOUT_BUSINESS_TIME = 3660


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown timezone {name!r} (use an IANA name such as 'Europe/Berlin')"
        ) from None


def _clock(value: str) -> time:
    try:
        hours, minutes = value.split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise ValueError(f"{value!r} is not a time of day written HH:MM (24-hour)") from None


def _weekday(name: str) -> int:
    try:
        return WEEKDAY_NAMES.index(name.strip().lower())
    except ValueError:
        raise ValueError(
            f"{name!r} is not a weekday; use one of {', '.join(WEEKDAY_NAMES)}"
        ) from None


def _require_aware(dt: datetime) -> datetime:
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"{dt.isoformat()} has no timezone; business time needs aware datetimes")
    return dt.astimezone(UTC)


def wall_clock_instant(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """The UTC instant at which ``zone``'s wall clock first reads ``clock`` on ``day``.

    A reading skipped by a forward DST jump maps to the instant of the jump, the first moment
    the wall clock shows a later time; a reading shown twice maps to its first occurrence.
    """
    naive = datetime.combine(day, clock)
    after_jump = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if after_jump.astimezone(zone).replace(tzinfo=None) == naive:
        return after_jump
    # In a gap, fold=1 reads the time with the later offset, which lands before the jump.
    # tz database transitions fall on whole seconds, so a bisection on seconds is exact.
    low = int(naive.replace(tzinfo=zone, fold=1).astimezone(UTC).timestamp())
    high = int(after_jump.timestamp())
    while high - low > 1:
        middle = (low + high) // 2
        reading = datetime.fromtimestamp(middle, zone).replace(tzinfo=None)
        low, high = (low, middle) if reading >= naive else (middle, high)
    return datetime.fromtimestamp(high, UTC)


@functools.lru_cache(maxsize=512)
def _holiday_dates(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    table = holidays_lib.country_holidays(country, subdiv=subdivision, years=year)
    return frozenset(table.keys())


def _parse_holidays(code: str) -> tuple[str, str | None]:
    country, _, subdivision = code.strip().upper().partition("-")
    try:
        _holiday_dates(country, subdivision or None, 2026)
    except (NotImplementedError, KeyError, ValueError) as exc:
        raise ValueError(f"unknown holidays code {code!r}: {exc}") from None
    return country, subdivision or None


class BusinessCalendar:
    """Workday hours, workdays and public holidays in one timezone.

    A calendar never changes once built. Every method takes timezone-aware datetimes (any
    zone) and returns aware datetimes in the calendar's zone; naive datetimes raise ValueError,
    since guessing their zone would silently move deadlines by hours.
    """

    __slots__ = ("_country", "_end", "_holidays", "_start", "_subdivision", "_workdays", "_zone")

    def __init__(
        self,
        timezone: str,
        workday: tuple[str, str],
        workdays: Sequence[str],
        holidays: str | None,
    ) -> None:
        self._zone = _zone(timezone)
        self._start, self._end = _clock(workday[0]), _clock(workday[1])
        if self._start >= self._end:
            raise ValueError(
                f"the workday must start before it ends, got {workday[0]}-{workday[1]}"
            )
        self._workdays = frozenset(_weekday(name) for name in workdays)
        if not self._workdays:
            raise ValueError("at least one workday is needed, or no deadline could ever fall")
        self._holidays = holidays
        region: tuple[str | None, str | None] = (None, None)
        if holidays is not None:
            region = _parse_holidays(holidays)
        self._country, self._subdivision = region

    @classmethod
    def from_settings(cls, sla: SlaSettings) -> BusinessCalendar:
        """The calendar described by ``settings.sla`` of the rules directory."""
        return cls(sla.timezone, sla.workday, sla.workdays, sla.holidays)

    def __repr__(self) -> str:
        days = ",".join(WEEKDAY_NAMES[d] for d in sorted(self._workdays))
        return (
            f"BusinessCalendar({self._zone.key!r}, {self._start:%H:%M}-{self._end:%H:%M}, "
            f"{days}, holidays={self._holidays!r})"
        )

    @property
    def zone(self) -> ZoneInfo:
        return self._zone

    @property
    def business_day_hours(self) -> float:
        """The nominal length of one business day: the workday's wall-clock span, in hours."""
        return self._business_day / _HOUR

    @property
    def _business_day(self) -> timedelta:
        return datetime.combine(date.min, self._end) - datetime.combine(date.min, self._start)

    def is_business_day(self, day: date) -> bool:
        """Whether ``day`` is a workday that is not a public holiday."""
        if day.weekday() not in self._workdays:
            return False
        if self._country is None:
            return True
        return day not in _holiday_dates(self._country, self._subdivision, day.year)

    def _interval(self, day: date) -> tuple[datetime, datetime] | None:
        if not self.is_business_day(day):
            return None
        opens = wall_clock_instant(day, self._start, self._zone)
        closes = wall_clock_instant(day, self._end, self._zone)
        return (opens, closes) if opens < closes else None

    def _intervals(self, instant: datetime, forward: bool) -> Iterator[tuple[datetime, datetime]]:
        """Business intervals that end after (or start before) ``instant``, nearest first."""
        day = instant.astimezone(self._zone).date() - (_ONE_DAY if forward else -_ONE_DAY)
        step = _ONE_DAY if forward else -_ONE_DAY
        idle_days = 0
        while idle_days < _MAX_DAYS_WITHOUT_BUSINESS_TIME:
            interval = self._interval(day)
            day += step
            if interval is None:
                idle_days += 1
                continue
            idle_days = 0
            opens, closes = interval
            if (closes > instant) if forward else (opens < instant):
                yield interval
        raise ValueError(f"{self!r} has no business time near {instant.isoformat()}")

    def is_business_time(self, dt: datetime) -> bool:
        """Whether ``dt`` falls in business time; a workday's end is already outside it."""
        instant = _require_aware(dt)
        opens, _ = next(self._intervals(instant, forward=True))
        return opens <= instant

    def next_business_start(self, dt: datetime) -> datetime:
        """The earliest business instant at or after ``dt``: ``dt`` itself in business time,
        else the opening of the next business day. An SLA clock starts counting here."""
        instant = _require_aware(dt)
        opens, _ = next(self._intervals(instant, forward=True))
        return max(opens, instant).astimezone(self._zone)

    def add_business_hours(self, start: datetime, hours: float) -> datetime:
        """The earliest instant by which ``hours`` of business time have passed since ``start``.

        A deadline that uses up a workday exactly lands on that workday's end (17:00 stays
        17:00). Zero hours returns ``start``; negative hours count backwards to the latest
        instant that far before ``start``. Exact to the microsecond.
        """
        instant = _require_aware(start)
        if not math.isfinite(hours):
            raise ValueError(f"business hours must be a finite number, got {hours!r}")
        remaining = timedelta(microseconds=round(abs(hours) * 3_600_000_000))
        if not remaining:
            return instant.astimezone(self._zone)
        forward = hours > 0
        for opens, closes in self._intervals(instant, forward):
            if forward:
                opens = max(opens, instant)
            else:
                closes = min(closes, instant)
            if remaining <= closes - opens:
                result = opens + remaining if forward else closes - remaining
                return result.astimezone(self._zone)
            remaining -= closes - opens
        raise AssertionError("unreachable: business intervals never run out")  # pragma: no cover

    def add_business_days(self, start: datetime, days: float) -> datetime:
        """``days`` business days after ``start``, a business day being one workday's worth of
        business hours: with 09:00-17:00, two business days from Friday 15:00 end on Tuesday
        15:00, and from Saturday 10:00 they end on Tuesday 17:00."""
        if not math.isfinite(days):
            raise ValueError(f"business days must be a finite number, got {days!r}")
        return self.add_business_hours(start, days * self.business_day_hours)

    def business_hours_between(self, a: datetime, b: datetime) -> float:
        """Business hours from ``a`` to ``b``; negative when ``b`` is before ``a``."""
        first, last = _require_aware(a), _require_aware(b)
        if last < first:
            return -self.business_hours_between(b, a)
        total = timedelta()
        for opens, closes in self._intervals(first, forward=True):
            if opens >= last:
                break
            total += min(closes, last) - max(opens, first)
        return total / _HOUR


def _call_starts(
    now: datetime, weekday: str, at: str, timezone: str
) -> tuple[datetime, datetime, ZoneInfo]:
    """The last call start at or before ``now`` and the first one after it."""
    zone, clock, target = _zone(timezone), _clock(at), _weekday(weekday)
    instant = _require_aware(now)
    today = instant.astimezone(zone).date()
    day = today - timedelta(days=(today.weekday() - target) % 7)
    start = wall_clock_instant(day, clock, zone)
    while start > instant:
        day -= timedelta(days=7)
        start = wall_clock_instant(day, clock, zone)
    following = wall_clock_instant(day + timedelta(days=7), clock, zone)
    return start, following, zone


def next_occurrence(now: datetime, weekday: str, time: str, timezone: str) -> datetime:
    """The first weekly call start strictly after ``now`` (``weekday`` like ``wed``, ``time``
    as ``HH:MM`` wall-clock in ``timezone``); a call under way does not count."""
    _, following, zone = _call_starts(now, weekday, time, timezone)
    return following.astimezone(zone)


def current_or_next_call(
    now: datetime, weekday: str, time: str, duration_minutes: int, timezone: str
) -> tuple[datetime, datetime]:
    """Start and end of the call under way at ``now``, else of the next one.

    The window is half-open: at its end the call is over and the next week's is returned.
    The duration is real elapsed time, so a call across a DST change still lasts as long.
    """
    if duration_minutes <= 0:
        raise ValueError(f"a call lasts a positive number of minutes, got {duration_minutes}")
    latest, following, zone = _call_starts(now, weekday, time, timezone)
    length = timedelta(minutes=duration_minutes)
    start = latest if _require_aware(now) < latest + length else following
    return start.astimezone(zone), (start + length).astimezone(zone)
