"""One installation's share of GitHub's rate limits: when may its next request go?

GitHub limits each installation twice. The primary budget (``x-ratelimit-*`` headers) is a
number of requests per hour; secondary limits refuse bursts, above all of content-creating
requests, with a 403 or 429 and usually a ``retry-after``. An installation that keeps
sending after a refusal risks a longer ban, and every pull request of that organisation
then waits for its check. So the budget decides *before* a request is sent:

* check runs, and the reads that decide them, go first (:data:`Priority.CHECK`); other
  work (comments, review requests, labels, commands) is *catch-up* work that can be done
  later, and it leaves the last part of the primary budget and of the write bucket to
  checks;
* a refusal pauses the whole installation, then writes are paced one a second for a
  cool-down, because GitHub's secondary limits are not published as exact numbers;
* a request that would have to wait longer than its class allows is not made at all: the
  answer says until when, so the caller can reschedule the work instead of holding a thread.

This module does no I/O and never sleeps: the transport asks :meth:`InstallationBudget.admit`,
sleeps what it is told, and reports every answer back. Time comes from an injected clock.
"""

from __future__ import annotations

import enum
import math
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from app.github.rate_answers import RateHeaders, classify_refusal

DEFAULT_WRITES_PER_MINUTE = 80.0
"""GitHub documents 80 content-creating requests a minute as its ceiling (and names no
exact figure for bursts), so the bucket refills at that rate. It holds one minute's worth,
and catch-up writes stop at half of it; check runs never wait for a token (they still spend
one), so a burst of new pull requests gets its checks at once while comments and review
requests go at the refill rate once their half is spent. Over any long stretch no more than the
ceiling is sent; a single minute can see a full bucket plus its refill, and if GitHub
refuses that, the pause and cool-down below take over."""

DEFAULT_CONCURRENCY = 8
"""Requests one installation may have in flight at once. GitHub refuses more than 100
concurrent requests per client; eight keeps several workers busy on one organisation
without one busy organisation holding every connection."""

WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})


class Priority(enum.Enum):
    """Who goes first when the budget runs short."""

    CHECK = "check"
    """Check runs and the reads that decide them: a merge waits on these."""
    CATCH_UP = "catch-up"
    """Everything else: comments, review requests, labels, reactions, commands. Done late
    rather than never, so it yields to checks and is handed back rather than waited for."""


CHECK_OPERATIONS = frozenset(
    {
        "checks/create",
        "checks/update",
        "checks/list-for-ref",
        # What an evaluation reads: the pull request, its files and reviews, the commits
        # between a review and the head, the repository's rules, the teams that approve.
        "pulls/get",
        "pulls/list-files",
        "pulls/list-reviews",
        "repos/compare-commits-with-basehead",
        "repos/get-content",
        "teams/list-members-in-org",
        # Without a token nothing at all can be sent.
        "apps/create-installation-access-token",
        "apps/get-repo-installation",
    }
)


def priority_of(operation: str) -> Priority:
    """The class of an operation (by its operationId) when the caller names none."""
    return Priority.CHECK if operation in CHECK_OPERATIONS else Priority.CATCH_UP


@dataclass(frozen=True)
class BudgetPolicy:
    """How an installation spends its budget; the defaults follow GitHub's documentation.

    ``writes_per_minute`` ``None`` turns proactive pacing off (the App's own JWT calls)."""

    writes_per_minute: float | None = DEFAULT_WRITES_PER_MINUTE
    reserve_share: float = 0.05
    reserve_floor: int = 50
    check_wait: float = 60.0
    catch_up_wait: float = 2.0
    first_secondary_pause: float = 60.0
    max_secondary_pause: float = 960.0
    cool_down: float = 600.0
    cool_down_interval: float = 1.0
    cool_down_burst: int = 2

    def reserve(self, limit: int) -> int:
        """The part of a primary budget of ``limit`` kept for check work."""
        return max(self.reserve_floor, math.ceil(limit * self.reserve_share))

    def longest_wait(self, priority: Priority) -> float:
        """A check may wait out one default secondary pause (60 s); catch-up work is handed
        back after a short wait, since it can be rescheduled."""
        return self.check_wait if priority is Priority.CHECK else self.catch_up_wait


@dataclass(frozen=True)
class Permit:
    """Go ahead after sleeping ``wait`` seconds, at ``start`` (epoch seconds)."""

    wait: float
    start: float


@dataclass(frozen=True)
class Refusal:
    """Do not send: nothing can go before ``until`` (epoch seconds); ``reason`` names the
    limit (``primary``, ``reserve``, ``secondary`` or ``pacing``)."""

    until: float
    reason: str


class Pacer:
    """A token bucket of ``burst`` tokens refilled one per ``interval`` seconds, kept as
    the instant it would be full again (so it needs no timer). A request may be asked to
    leave ``keep`` tokens behind for others."""

    def __init__(self, interval: float, burst: float) -> None:
        self.interval, self.burst = interval, burst
        self._full_at = -math.inf

    def earliest(self, moment: float, keep: float = 0.0) -> float:
        """The first instant from ``moment`` on when a token is free beyond ``keep``."""
        slack = (self.burst - 1 - keep) * self.interval
        return max(moment, self._full_at - slack)

    def take(self, start: float) -> None:
        self._full_at = max(self._full_at, start) + self.interval


class InstallationBudget:
    """The rate-limit state of one installation, shared by its threads."""

    def __init__(self, policy: BudgetPolicy, clock: Callable[[], float]) -> None:
        self.policy = policy
        self._clock = clock
        self._lock = threading.Lock()
        self._floor = -math.inf
        self.limit: int | None = None
        self.remaining: int | None = None
        self.reset: float | None = None
        self._paused_until = -math.inf
        self._cool_until = -math.inf
        self._secondary_in_a_row = 0
        rate = policy.writes_per_minute
        self._writes = Pacer(60.0 / rate, max(1.0, rate)) if rate else None
        self._cool = Pacer(policy.cool_down_interval, policy.cool_down_burst)

    def now(self) -> float:
        """The clock, never behind an instant a waiter has already slept until (a test
        clock that sleeping does not move still sees the pause it waited out end)."""
        return max(self._clock(), self._floor)

    def admit(self, priority: Priority, method: str) -> Permit | Refusal:
        """Reserve the next turn of a ``method`` request of class ``priority``, or refuse
        it when the turn is further away than the class may wait. A permit is spent: the
        caller sleeps ``wait`` and then sends, without asking again."""
        with self._lock:
            now = self.now()
            self._forget_past_window(now)
            gate, reason = self._gate(priority, now)
            start = gate
            write = method.upper() in WRITE_METHODS
            if write:
                start = self._write_slot(priority, gate)
                reason = reason if start == gate else "pacing"
            if start - now > self.policy.longest_wait(priority):
                return Refusal(start, reason)
            if write:
                self._take_write(start)
            if self.remaining is not None:
                self.remaining = max(0, self.remaining - 1)
            return Permit(max(0.0, start - now), start)

    def woke(self, at: float) -> None:
        """A waiter slept until ``at``: that instant has come."""
        with self._lock:
            self._floor = max(self._floor, at)

    def observe(self, headers: Mapping[str, Any]) -> None:
        """Take the primary budget from an answer's headers (the core resource only)."""
        rate = RateHeaders.parse(headers)
        if rate.remaining is None or rate.resource not in (None, "core"):
            return
        with self._lock:
            self.remaining = rate.remaining
            self.limit = rate.limit if rate.limit is not None else self.limit
            self.reset = rate.reset if rate.reset is not None else self.reset

    def refused(self, status: int, headers: Mapping[str, Any], message: str) -> bool:
        """Record a rate-limit answer (pausing as it asks); whether it was one."""
        limited = classify_refusal(status, headers, message)
        if limited is None:
            return False
        with self._lock:
            now = self.now()
            if limited.primary:
                self.remaining = 0
                self.reset = limited.until if limited.until is not None else now + 60.0
            else:
                self._pause(now, limited.retry_after)
        return True

    def hold(self, priority: Priority) -> Refusal:
        """What holds a request of ``priority`` back now, pacing aside: until when, and why
        (``until`` is now and ``reason`` empty when nothing does)."""
        with self._lock:
            now = self.now()
            self._forget_past_window(now)
            return Refusal(*self._gate(priority, now))

    def _pause(self, now: float, retry_after: float | None) -> None:
        """Pause the installation: as GitHub asked, else a minute doubling on each repeat
        within the cool-down; then cool down."""
        repeat = now < self._cool_until
        self._secondary_in_a_row = self._secondary_in_a_row + 1 if repeat else 1
        if retry_after is None:
            doubled = self.policy.first_secondary_pause * 2 ** (self._secondary_in_a_row - 1)
            retry_after = min(doubled, self.policy.max_secondary_pause)
        self._paused_until = max(self._paused_until, now + retry_after)
        self._cool_until = self._paused_until + self.policy.cool_down

    def _forget_past_window(self, now: float) -> None:
        """Once the reset has passed, the old count says nothing: wait for a new answer."""
        if self.reset is not None and now >= self.reset:
            self.remaining, self.reset = None, None

    def _gate(self, priority: Priority, now: float) -> tuple[float, str]:
        """The first instant any request of ``priority`` may start, and what holds it."""
        gate, reason = now, ""
        if self._paused_until > gate:
            gate, reason = self._paused_until, "secondary"
        if self.remaining is not None and self.reset is not None:
            if self.remaining <= 0 and self.reset > gate:
                gate, reason = self.reset, "primary"
            elif (
                priority is Priority.CATCH_UP
                and self.remaining <= self.policy.reserve(self.limit or 0)
                and self.reset > gate
            ):
                gate, reason = self.reset, "reserve"
        return gate, reason

    def _write_slot(self, priority: Priority, gate: float) -> float:
        """The first instant from ``gate`` on with a write token free for catch-up work
        (which leaves half the bucket to checks). Check runs never wait for the bucket: a
        merge waits on them, so a burst of pull requests gets its checks at once; the tokens
        they spend make comments and review requests wait longer, which keeps the average
        at the rate. After a refusal (cool-down) every write goes one a second at most."""
        start = gate
        if self._writes is not None and priority is Priority.CATCH_UP:
            start = self._writes.earliest(start, self._writes.burst / 2)
        if self._cooling(start):
            start = self._cool.earliest(start)
        return start

    def _take_write(self, start: float) -> None:
        if self._writes is not None:
            self._writes.take(start)
        if self._cooling(start):
            self._cool.take(start)

    def _cooling(self, moment: float) -> bool:
        return moment < self._cool_until
