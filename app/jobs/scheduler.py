"""The clock inside the service: due timers (retries, SLA reminders, escalations, the
agenda) are claimed from the database and run here.

Each timer is claimed by one replica only (a lease in the database), so with several
replicas every job runs once; a timer that fell due while the service was down runs when
it comes back, once. A handler that raises leaves the timer to be claimed again after
its lease, with the attempt counted.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from app.store import Timer, TimerStore
from app.tracking.once import owner_id

log = logging.getLogger("gatehouse.scheduler")
TimerHandler = Callable[[Timer], None]
LEASE_SECONDS = 120.0


class Scheduler:
    def __init__(
        self,
        timers: TimerStore,
        *,
        poll_interval: float = 5.0,
        owner: str | None = None,
    ) -> None:
        self.timers = timers
        self.poll_interval = poll_interval
        self.owner = owner or f"scheduler:{owner_id()}"
        self.handlers: dict[str, TimerHandler] = {}
        self._pass = threading.Lock()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def on(self, kind: str, handler: TimerHandler) -> None:
        self.handlers[kind] = handler

    def run_due(self) -> int:
        """Run every timer due now; returns how many ran. Passes never overlap within a
        process, so a caller returns only once a background pass has finished too."""
        with self._pass:
            return self._run_due()

    def _run_due(self) -> int:
        ran = 0
        while True:
            due = self.timers.claim_due(self.owner, LEASE_SECONDS)
            if not due:
                return ran
            for timer in due:
                handler = self.handlers.get(timer.kind)
                if handler is None:
                    log.warning("no handler for timer kind %s (%s)", timer.kind, timer.key)
                    self.timers.finish(timer.key, self.owner)
                    continue
                try:
                    handler(timer)
                except Exception:
                    log.exception("timer %s failed; it will be retried", timer.key)
                    continue
                self.timers.finish(timer.key, self.owner)
                ran += 1

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_due()
            except Exception:
                log.exception("scheduler pass failed")
            self._wake.wait(self.poll_interval)
            self._wake.clear()

    def notify(self) -> None:
        self._wake.set()

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._loop, name="gatehouse-scheduler", daemon=True
            )
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
