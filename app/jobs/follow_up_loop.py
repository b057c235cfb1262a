"""The follow-up loop: one event-loop thread that runs what a delivery does after its
check, fairly across installations, with no thread held while a follow-up waits.

Each follow-up is ordinary blocking-style code run as a greenlet (:mod:`app.cooperative`):
its exchanges with GitHub, Jira and Slack are awaited by the loop, so ``capacity``
follow-ups may wait on the network at once on a single thread. A burst from one
organisation must not take every place: at most ``per_installation`` follow-ups of one
installation run at once, the others wait in that installation's queue, and another
organisation's follow-ups start as soon as a place is free. (GitHub counts its limits per
installation as well; the transport caps the requests in flight per installation the same
way.)

What still runs on the loop's thread without yielding is short: rendering, the database
(milliseconds per transaction) and the rate-limit bookkeeping.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import Counter, deque
from collections.abc import Callable, Hashable

from app import cooperative
from app.cooperative_http import close_pools

log = logging.getLogger(__name__)
Work = Callable[[], None]


class FollowUpLoop:
    """Run follow-ups on an event loop of their own until :meth:`shutdown`."""

    def __init__(self, capacity: int, per_installation: int, name: str) -> None:
        if capacity < 1 or per_installation < 1:
            raise ValueError("the follow-up loop needs room for one follow-up per installation")
        self.capacity = capacity
        self.per_installation = per_installation
        self._loop = asyncio.new_event_loop()
        self._places: asyncio.Semaphore | None = None  # made on the loop
        self._running: Counter[Hashable] = Counter()  # touched on the loop only
        self._waiting: dict[Hashable, deque[Work]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._state = threading.Condition()
        self._outstanding = 0  # handed over and not yet finished
        self._closed = False
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self._thread.start()
        self._started.wait()

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._places = asyncio.Semaphore(self.capacity)
        self._loop.call_soon(self._started.set)
        try:
            self._loop.run_forever()
        finally:
            self._loop.run_until_complete(close_pools())
            self._loop.run_until_complete(self._loop.shutdown_asyncgens())
            self._loop.close()

    def submit(self, installation: Hashable, work: Work) -> None:
        """Run ``work`` when a place and the installation's share allow. Raises
        ``RuntimeError`` once the loop is shutting down."""
        with self._state:
            if self._closed:
                raise RuntimeError("the follow-up loop is shutting down")
            self._outstanding += 1
        self._loop.call_soon_threadsafe(self._admit, installation, work)

    def in_flight(self) -> int:
        """Follow-ups handed over and not yet finished, queued ones included."""
        with self._state:
            return self._outstanding

    def _admit(self, installation: Hashable, work: Work) -> None:
        if self._running[installation] >= self.per_installation:
            self._waiting.setdefault(installation, deque()).append(work)
            return
        self._running[installation] += 1
        task = self._loop.create_task(self._run(installation, work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, installation: Hashable, work: Work) -> None:
        """Run ``work``, then whatever of the same installation waits behind it; each takes
        a place of its own, so other installations' follow-ups get their turns between."""
        assert self._places is not None
        current: Work | None = work
        while current is not None:
            try:
                async with self._places:
                    await cooperative.run(current)
            except Exception:  # a follow-up settles its own errors; this is a last guard
                log.exception("a follow-up failed outside its own error handling")
            finally:
                self._finished()
            queue = self._waiting.get(installation)
            if queue:
                current = queue.popleft()
            else:
                self._waiting.pop(installation, None)
                self._running[installation] -= 1
                if not self._running[installation]:
                    del self._running[installation]
                current = None

    def _finished(self) -> None:
        with self._state:
            self._outstanding -= 1
            self._state.notify_all()

    def shutdown(self) -> None:
        """Finish every follow-up handed over, queued ones included, then stop the loop."""
        with self._state:
            self._closed = True
            while self._outstanding:
                self._state.wait()
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join()
