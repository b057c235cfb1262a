"""Work that follows a published check run: review requests, the Jira ticket, the Slack
message, the sticky comment.

The check is what blocks or allows a merge, so it is decided and published first; the rest
must never hold it up. A reconcile hands that rest to :func:`defer`. Inside
:func:`collecting` (the intake worker's check lane opens one per delivery) the work is
collected and the worker runs it on its follow-up loop once the check is out; anywhere
else (commands, timers, tests driving a reconcile directly) it runs at once, in order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

FollowUp = Callable[[], None]
_collected: ContextVar[list[FollowUp] | None] = ContextVar("gatehouse_follow_ups", default=None)


def defer(work: FollowUp) -> None:
    """Run ``work`` after the current delivery's check is published (now, outside one)."""
    pending = _collected.get()
    if pending is None:
        work()
    else:
        pending.append(work)


def hand_on(work: list[FollowUp]) -> None:
    """Give ``work`` to the enclosing collector, or run it now, in order, when none."""
    pending = _collected.get()
    if pending is None:
        for item in work:
            item()
    else:
        pending.extend(work)


@contextmanager
def collecting() -> Iterator[list[FollowUp]]:
    """Collect the follow-ups deferred inside the block, in order, instead of running them."""
    pending: list[FollowUp] = []
    token = _collected.set(pending)
    try:
        yield pending
    finally:
        _collected.reset(token)
