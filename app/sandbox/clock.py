"""The sandbox's clocks: the wall clock, and a clock tests and the demo can move by hand.

A sandbox takes one clock and gives it to the service and to every fake, so GitHub's
timestamps, token and JWT lifetimes, Jira's dates and Slack's ``ts`` all agree with the
time the service sees. The fakes read the wall clock only when they are given no clock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]
"""The current time as an aware datetime."""


def wall_clock() -> datetime:
    """The real current time, in UTC."""
    return datetime.now(UTC)


class ManualClock:
    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 11, 30, 17, 0, tzinfo=UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, **delta: float) -> datetime:
        with self._lock:
            self._now += timedelta(**delta)
            return self._now

    def set(self, moment: datetime) -> None:
        with self._lock:
            self._now = moment
