"""The fake GitHub's rate limits: the primary hourly budget and a secondary limit on
bursts of content-creating requests, both read from the state's clock.

The primary budget counts down per credential (installation token, App, or anonymous) and
starts afresh an hour after its first request, as GitHub's ``x-ratelimit-reset`` says. The
secondary limit is off unless a test sets ``state.secondary_limit``; GitHub publishes no
exact figure for it, so tests choose one and check that a client stays under it.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.sandbox.fake_github.world import World

WINDOW_SECONDS = 3600
ANONYMOUS_LIMIT = 60
WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})
SECONDARY_LIMIT = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
    "If you reach out to GitHub Support for help, please include the request ID {id}."
)


@dataclass(frozen=True)
class SecondaryLimit:
    """At most ``writes`` content-creating requests per installation within any
    ``window_seconds``. Beyond it GitHub's 403 with a ``retry-after`` of ``retry_after``
    seconds, or by default of the seconds until the window has room again."""

    writes: int
    window_seconds: float
    retry_after: int | None = None


@dataclass(frozen=True)
class SecondaryRefusal:
    retry_after: int


def primary_status(state: World, bucket: str) -> tuple[int, int, int, int]:
    """Limit, remaining, used and reset (epoch seconds) of a budget; a window whose reset
    has passed starts again from nothing used."""
    with state.lock:
        limit = ANONYMOUS_LIMIT if bucket == "anonymous" else state.rate_limit
        now = int(state.now().timestamp())
        reset = state.rate_reset.get(bucket)
        if reset is not None and now >= reset:
            state.rate_used.pop(bucket, None)
        if reset is None or now >= reset:
            reset = state.rate_reset[bucket] = now + WINDOW_SECONDS
        used = state.rate_used.get(bucket, 0)
        return limit, max(0, limit - used), used, reset


def admit_write(state: World, installation_id: int | None, method: str) -> SecondaryRefusal | None:
    """Count a content-creating request of an installation against the secondary limit;
    a refusal when the window is full (refused requests are not counted)."""
    limit = state.secondary_limit
    if limit is None or installation_id is None or method not in WRITE_METHODS:
        return None
    with state.lock:
        now = state.now()
        recent = state.recent_writes.setdefault(installation_id, deque())
        _drop_older(recent, now, limit.window_seconds)
        if len(recent) >= limit.writes:
            room_in = limit.window_seconds - (now - recent[0]).total_seconds()
            wait = limit.retry_after if limit.retry_after is not None else math.ceil(room_in)
            return SecondaryRefusal(max(1, wait))
        recent.append(now)
        return None


def _drop_older(recent: deque[datetime], now: datetime, window_seconds: float) -> None:
    while recent and (now - recent[0]).total_seconds() >= window_seconds:
        recent.popleft()
