"""The follow-up lane: threads that run what a delivery does after its check, fairly
across installations.

A burst from one organisation must not take every thread: at most ``per_installation``
follow-ups of one installation run at once, and the others wait in that installation's
queue without holding a thread, so another organisation's follow-ups start as soon as a
thread is free. (GitHub counts its limits per installation as well; the transport caps the
requests in flight per installation the same way.)
"""

from __future__ import annotations

import logging
import threading
from collections import Counter, deque
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor

log = logging.getLogger(__name__)
Work = Callable[[], None]


class FollowUpLane:
    def __init__(self, threads: int, per_installation: int, name: str) -> None:
        if threads < 1 or per_installation < 1:
            raise ValueError("the follow-up lane needs at least one thread per installation")
        self.per_installation = per_installation
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix=name)
        self._lock = threading.Lock()
        self._running: Counter[Hashable] = Counter()
        self._waiting: dict[Hashable, deque[Work]] = {}

    def submit(self, installation: Hashable, work: Work) -> None:
        """Run ``work`` when a thread and the installation's share allow. Raises
        ``RuntimeError`` once the lane is shutting down."""
        with self._lock:
            if self._running[installation] >= self.per_installation:
                self._waiting.setdefault(installation, deque()).append(work)
                return
            self._running[installation] += 1
        try:
            self._pool.submit(self._run, installation, work)
        except RuntimeError:
            with self._lock:
                self._running[installation] -= 1
            raise

    def _run(self, installation: Hashable, work: Work) -> None:
        """Run ``work``, then whatever of the same installation waits behind it."""
        current: Work | None = work
        while current is not None:
            try:
                current()
            except Exception:  # a follow-up settles its own errors; this is a last guard
                log.exception("a follow-up failed outside its own error handling")
            with self._lock:
                queue = self._waiting.get(installation)
                if queue:
                    current = queue.popleft()
                else:
                    self._waiting.pop(installation, None)
                    self._running[installation] -= 1
                    if not self._running[installation]:
                        del self._running[installation]
                    current = None

    def shutdown(self) -> None:
        """Finish every follow-up handed over, queued ones included, then stop."""
        self._pool.shutdown(wait=True)
