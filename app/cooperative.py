"""Plain, blocking-style code that waits on the network without holding a thread.

What follows a published check (review requests, the Jira ticket, the Slack message, the
sticky comment) is ordinary synchronous code, shared with commands, timers and the CLI. The
follow-up loop (:mod:`app.jobs.follow_up_loop`) runs each follow-up with :func:`run` in a
greenlet of its own, on one event-loop thread. When such code reaches a network exchange,
the HTTP transports (:mod:`app.cooperative_http`, :mod:`app.github.transport`) call
:func:`wait`: the greenlet hands the exchange to the event loop and is suspended, and the
loop runs other follow-ups until the answer is in. Hundreds of follow-ups may wait on
GitHub, Jira and Slack at once; none of them holds a thread.

Anywhere else (the check lane, the scheduler, the CLI) :func:`cooperative` is false and the
same code blocks as it always did. Two rules keep the shared code safe on the loop:

- never wait on the network inside a database transaction (another follow-up on the same
  thread would queue behind a lock its holder cannot release): :func:`wait` refuses it;
- what is held across a network exchange, or shared by threads and follow-ups for longer
  than an instant, is a :class:`Turns`: a follow-up waiting for it yields to the loop
  instead of blocking the loop's only thread.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar, cast

from greenlet import getcurrent, greenlet

T = TypeVar("T")

_in_transaction: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "gatehouse_in_transaction", default=False
)


class _Follower(greenlet):
    """A greenlet started by :func:`run`: its waits go to the event loop."""


def cooperative() -> bool:
    """Whether the running code is a follow-up on the event loop (its waits are awaited)."""
    return isinstance(getcurrent(), _Follower)


async def run(work: Callable[[], T]) -> T:
    """Run ``work`` to its end on the running loop; every :func:`wait` inside it is awaited
    here, so the loop serves other work meanwhile. ``work`` sees a copy of the caller's
    context variables, as a task does."""
    follower = _Follower(work, parent=getcurrent())
    follower.gr_context = contextvars.copy_context()
    outcome: Any = follower.switch()
    while not follower.dead:
        try:
            answer = await cast(Awaitable[Any], outcome)
        except BaseException as exc:  # handed back to the code that waited
            outcome = follower.throw(exc)
        else:
            outcome = follower.switch(answer)
    return cast(T, outcome)


def wait(awaitable: Awaitable[T]) -> T:
    """The result of ``awaitable``, awaited by the loop while this follow-up is suspended.
    Only for code running under :func:`run`."""
    current = getcurrent()
    if not isinstance(current, _Follower):
        if asyncio.iscoroutine(awaitable):
            awaitable.close()
        raise RuntimeError("cooperative.wait() outside a follow-up on the event loop")
    if _in_transaction.get():
        if asyncio.iscoroutine(awaitable):
            awaitable.close()
        raise RuntimeError("a network wait inside a database transaction")
    loop_side = current.parent
    assert loop_side is not None  # run() made it
    return cast(T, loop_side.switch(awaitable))


def sleep(seconds: float) -> None:
    """Pause: on the loop without holding it, elsewhere as :func:`time.sleep`."""
    if cooperative():
        wait(asyncio.sleep(seconds))
    else:
        time.sleep(seconds)


class _Waiter:
    """One holder-to-be, parked until a place is handed to it: a thread on an event, a
    follow-up on a future of its loop (so its wait costs the loop nothing)."""

    def __init__(self) -> None:
        self.owner = getcurrent()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.future: asyncio.Future[None] | None = None
        self.event: threading.Event | None = None
        if isinstance(self.owner, _Follower):
            self.loop = asyncio.get_running_loop()
            self.future = self.loop.create_future()
        else:
            self.event = threading.Event()

    def park(self) -> None:
        if self.future is not None:
            wait(self.future)
        else:
            assert self.event is not None
            self.event.wait()

    def wake(self) -> None:
        if self.future is not None:
            assert self.loop is not None
            self.loop.call_soon_threadsafe(_settle, self.future)
        else:
            assert self.event is not None
            self.event.set()


def _settle(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class Turns:
    """Up to ``places`` holders at once, whether they are threads or follow-ups on the loop.
    A place is handed straight to the next in line when its holder leaves, so nobody is
    passed over and no wake-up is lost. Those who ask with ``ahead`` are served first, the
    others first come, first served. With ``reentrant=True`` (one place), the holder may
    enter again without waiting.

    A follow-up waiting for its turn yields to the loop; a thread blocks as it would on a
    lock. Use it for what is held across a network exchange (a place in flight, a token
    renewal) and for the database's writer queue, which threads and follow-ups share.
    ``threads_ahead=True`` puts every thread ahead of follow-ups by default: the check lane
    and the webhook intake never queue behind work that follows a published check.
    """

    def __init__(
        self, places: int = 1, *, reentrant: bool = False, threads_ahead: bool = False
    ) -> None:
        if places < 1 or (reentrant and places != 1):
            raise ValueError("turns need at least one place, and exactly one when reentrant")
        self._free = places
        self._reentrant = reentrant
        self._threads_ahead = threads_ahead
        self._holder: Any = None  # who holds the one place, when reentrant
        self._depth = 0
        self._ahead: deque[_Waiter] = deque()
        self._line: deque[_Waiter] = deque()
        self._guard = threading.Lock()

    def acquire(self, *, ahead: bool | None = None) -> None:
        """Take a place, waiting for it if none is free; ``ahead`` (by default: a thread,
        when the turns put threads ahead) goes before those who did not ask for it."""
        if ahead is None:
            ahead = self._threads_ahead and not cooperative()
        with self._guard:
            if self._reentrant and self._depth and self._holder is getcurrent():
                self._depth += 1
                return
            if self._free and not self._ahead and not self._line:
                self._take(getcurrent())
                return
            waiter = _Waiter()
            line = self._ahead if ahead else self._line
            line.append(waiter)
        try:
            waiter.park()  # woken holding the place: release() handed it over
        except BaseException:  # cancelled while in line (the loop is stopping)
            with self._guard:
                if waiter in line:
                    line.remove(waiter)
                    raise
            self.release()  # the place came meanwhile: pass it on
            raise

    def _take(self, owner: Any) -> None:
        self._free -= 1
        self._holder, self._depth = owner, 1

    def release(self) -> None:
        with self._guard:
            if self._reentrant:
                self._depth -= 1
                if self._depth:
                    return
            self._free += 1
            line = self._ahead or self._line
            if line:
                waiter = line.popleft()
                self._take(waiter.owner)
                waiter.wake()
            elif self._reentrant:
                self._holder = None

    @contextmanager
    def turn(self, *, ahead: bool | None = None) -> Iterator[None]:
        """Hold a place for the block (see :meth:`acquire`)."""
        self.acquire(ahead=ahead)
        try:
            yield
        finally:
            self.release()

    def waiting(self) -> int:
        """How many are in line for a place now."""
        with self._guard:
            return len(self._ahead) + len(self._line)

    def __enter__(self) -> Turns:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


@contextmanager
def transaction_open() -> Iterator[None]:
    """Mark a database transaction as open for the block (see :func:`wait`)."""
    token = _in_transaction.set(True)
    try:
        yield
    finally:
        _in_transaction.reset(token)
