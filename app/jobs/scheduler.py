"""The clock inside the service: due timers (retries, SLA reminders, escalations, the
agenda) are claimed from the database and run here.

Each timer is claimed by one replica only (a short lease in the database, renewed by a
heartbeat while the replica works through it), so with several replicas every job runs
once; a timer that fell due while the service was down runs when it comes back, once,
and one left half-done by a killed process runs again within one lease. A handler that
raises leaves the timer to be claimed again ``RETRY_SECONDS`` later, with the attempt
counted.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from app.jobs.leases import LEASE_SECONDS, Heartbeat, check_lease
from app.store import Timer, TimerStore
from app.tracking.once import owner_id

log = logging.getLogger("gatehouse.scheduler")
TimerHandler = Callable[[Timer], None]
RETRY_SECONDS = 120.0


class Scheduler:
    def __init__(
        self,
        timers: TimerStore,
        *,
        poll_interval: float = 5.0,
        lease_seconds: float = LEASE_SECONDS,
        heartbeat_seconds: float | None = None,
        owner: str | None = None,
    ) -> None:
        heartbeat = lease_seconds / 3 if heartbeat_seconds is None else heartbeat_seconds
        check_lease(lease_seconds, heartbeat)
        self.timers = timers
        self.poll_interval = poll_interval
        self.lease_seconds = lease_seconds
        self.heartbeat_seconds = heartbeat
        self.owner = owner or f"scheduler:{owner_id()}"
        self.handlers: dict[str, TimerHandler] = {}
        self._pass = threading.Lock()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._claimed: set[str] = set()  # claimed by this pass and not yet settled
        self._claimed_lock = threading.Lock()
        self._heartbeat: Heartbeat | None = None

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
            due = self.timers.claim_due(self.owner, self.lease_seconds)
            if not due:
                return ran
            with self._claimed_lock:
                self._claimed.update(timer.key for timer in due)
            try:
                for timer in due:
                    ran += self._run(timer)
            finally:
                # Whatever was not settled (the store failed mid-pass) is no longer
                # renewed: its lease runs out and it is claimed again.
                with self._claimed_lock:
                    self._claimed.difference_update(timer.key for timer in due)

    def _run(self, timer: Timer) -> int:
        """Run one claimed timer and settle it; 1 if a handler ran it."""
        handler = self.handlers.get(timer.kind)
        try:
            if handler is None:
                log.warning("no handler for timer kind %s (%s)", timer.kind, timer.key)
            else:
                handler(timer)
        except Exception:
            log.exception("timer %s failed; retrying in %.0fs", timer.key, RETRY_SECONDS)
            self._settling(timer.key)
            self.timers.retry_later(timer.key, self.owner, RETRY_SECONDS)
            return 0
        self._settling(timer.key)
        self.timers.finish(timer.key, self.owner)
        return 0 if handler is None else 1

    def _settling(self, key: str) -> None:
        with self._claimed_lock:
            self._claimed.discard(key)

    def _held(self) -> list[str]:
        with self._claimed_lock:
            return list(self._claimed)

    def _renew(self, keys: list[str]) -> set[str]:
        return self.timers.renew(keys, self.owner, self.lease_seconds)

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
        """Run due timers in a background thread every ``poll_interval``, and renew the
        leases of the timers claimed meanwhile."""
        if self._thread is None:
            self._heartbeat = Heartbeat(
                "gatehouse-scheduler-leases",
                self._held,
                self._renew,
                interval=self.heartbeat_seconds,
                on_lost=lambda key: log.info("timer %s was moved or taken over", key),
            )
            self._heartbeat.start()
            self._thread = threading.Thread(
                target=self._loop, name="gatehouse-scheduler", daemon=True
            )
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop after the current pass; leases are renewed until it ends."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        if self._heartbeat is not None:
            self._heartbeat.stop()
            self._heartbeat = None
