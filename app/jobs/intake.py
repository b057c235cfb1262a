"""The intake worker: turns recorded webhook deliveries into handler calls, in two stages.

The *check lane* claims deliveries from the :class:`~app.store.deliveries.DeliveryStore`
(one delivery per pull request at a time, in order) and runs the handler up to the
published check run. What the handler deferred (review requests, Jira, Slack, the sticky
comment: see :mod:`app.pulls.later`) goes to the *follow-up loop*, and the check lane is
free for the next delivery at once: a slow Jira or a burst of comments never delays a
check. The delivery stays claimed until its follow-ups are done, so the pull request's
next delivery still waits its turn.

A handler or follow-up that raises is retried with exponential backoff and given up
(logged, the pull request's next delivery proceeds) after ``max_attempts``. Claims are
short leases that a heartbeat renews while the work runs (see :mod:`app.jobs.leases`):
only a dead process loses its claims, and those are picked up again, by another replica
or by the restarted service, within one lease.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from types import TracebackType

from app.github.calls import GitHubThrottled
from app.jobs.follow_up_loop import FollowUpLoop
from app.jobs.leases import LEASE_SECONDS, Heartbeat, check_lease
from app.pulls.later import FollowUp, collecting
from app.store.deliveries import Delivery, DeliveryStore

log = logging.getLogger(__name__)

_MAX_ERROR = 2000  # characters of a handler's error kept with the delivery
# The return value, if any, is ignored.
Handler = Callable[[Delivery], object]


def default_owner() -> str:
    """An owner name unique to this process: host, pid and a random suffix."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def backoff_delay(attempts: int, base: float, cap: float) -> float:
    """Seconds to wait after the ``attempts``-th failure: base, 2*base, 4*base... up to cap."""
    return float(min(cap, base * 2 ** max(attempts - 1, 0)))


class IntakeWorker:
    """Process deliveries in background threads until :meth:`stop`.

    Call :meth:`notify` right after recording a delivery: an idle thread picks it up at
    once instead of at the next poll. Polling still happens every ``poll_interval``
    seconds, for deliveries recorded by other replicas and retries coming due.
    """

    def __init__(
        self,
        deliveries: DeliveryStore,
        handle: Handler,
        *,
        concurrency: int = 4,
        follow_up_concurrency: int = 16,
        follow_ups_per_installation: int = 8,
        lease_seconds: float = LEASE_SECONDS,
        heartbeat_seconds: float | None = None,
        max_attempts: int = 5,
        backoff: tuple[float, float] = (1.0, 300.0),
        poll_interval: float = 0.5,
        owner: str | None = None,
    ) -> None:
        if concurrency < 1 or follow_up_concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if poll_interval <= 0:
            raise ValueError("poll_interval must be positive")
        heartbeat = lease_seconds / 3 if heartbeat_seconds is None else heartbeat_seconds
        check_lease(lease_seconds, heartbeat)
        self.deliveries = deliveries
        self.handle = handle
        self.concurrency = concurrency
        self.follow_up_concurrency = follow_up_concurrency
        self.follow_ups_per_installation = follow_ups_per_installation
        self._follow_ups: FollowUpLoop | None = None
        self.lease_seconds = lease_seconds
        self.heartbeat_seconds = heartbeat
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.poll_interval = poll_interval
        self.owner = owner or default_owner()
        self._wakeup = threading.Condition()
        self._generation = 0
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._in_flight: dict[str, Delivery] = {}
        self._in_flight_lock = threading.Lock()
        self._settling_ids: set[str] = set()  # in flight, handler done, being settled
        self._following: set[str] = set()  # check published, follow-up not yet done
        self._heartbeat: Heartbeat | None = None

    def __enter__(self) -> IntakeWorker:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        if self._threads:
            raise RuntimeError("the intake worker is already running")
        self._stopping.clear()
        self._heartbeat = Heartbeat(
            "gatehouse-intake-leases",
            self._held,
            self._renew,
            interval=self.heartbeat_seconds,
            on_lost=self._lost,
        )
        self._heartbeat.start()
        self._follow_ups = FollowUpLoop(
            self.follow_up_concurrency,
            self.follow_ups_per_installation,
            "gatehouse-follow-up",
        )
        for index in range(self.concurrency):
            self._spawn(self._work, f"gatehouse-intake-{index}")

    def _spawn(self, target: Callable[[], None], name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def stop(self, timeout: float = 10.0) -> bool:
        """Stop claiming and wait for running handlers; True if every thread ended.

        Leases are renewed until the handlers end. A handler still running after
        ``timeout`` keeps its claim until the lease expires; another worker then
        processes that delivery again.
        """
        self._stopping.set()
        self._notify_all()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        if self._follow_ups is not None:
            # Follow-ups already handed over finish (they are short); none is started anew
            # once the check lane has stopped.
            self._follow_ups.shutdown()
            self._follow_ups = None
        if self._heartbeat is not None:
            self._heartbeat.stop()
            self._heartbeat = None
        stopped = not any(thread.is_alive() for thread in self._threads)
        if stopped:
            self._threads = []
        return stopped

    def notify(self) -> None:
        """Wake one idle thread to look for work now; a thread that finds work wakes the
        next, so a batch of deliveries spreads over the lane without every idle thread
        racing for each one (each attempt is a write transaction)."""
        with self._wakeup:
            self._generation += 1
            self._wakeup.notify()

    def _notify_all(self) -> None:
        with self._wakeup:
            self._generation += 1
            self._wakeup.notify_all()

    def drain(self, timeout: float) -> bool:
        """Wait until no delivery is waiting or being processed; False on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            with self._in_flight_lock:
                busy = bool(self._in_flight)
            if not busy and self.deliveries.pending_count() == 0:
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            time.sleep(min(0.01, remaining))

    def _idle(self, seen: int, seconds: float) -> None:
        with self._wakeup:
            if self._generation == seen and not self._stopping.is_set():
                self._wakeup.wait(seconds)

    def _work(self) -> None:
        while not self._stopping.is_set():
            with self._wakeup:
                seen = self._generation
            try:
                delivery = self.deliveries.claim(self.owner, self.lease_seconds)
            except Exception:
                log.exception("intake: cannot claim a delivery; retrying")
                self._idle(seen, self.poll_interval)
                continue
            if delivery is None:
                self._idle(seen, self.poll_interval)
                continue
            self.notify()  # there may be more: let the next idle thread look
            with self._in_flight_lock:
                ours = delivery.delivery_id in self._in_flight
                if not ours:
                    self._in_flight[delivery.delivery_id] = delivery
            if ours:
                # Our own lease lapsed (a heartbeat ran late) while one of our threads is
                # still on it: that thread keeps it, and the claim just renewed its lease.
                log.warning(
                    "intake: the lease on delivery %s lapsed while it was being processed",
                    delivery.delivery_id,
                )
                continue
            self._process(delivery)

    def _process(self, delivery: Delivery) -> None:
        """Run the handler up to its check; hand its follow-ups to the follow-up loop."""
        try:
            with collecting() as follow_ups:
                self.handle(delivery)
        except Exception as exc:
            self._settle(delivery, exc)
            return
        loop = self._follow_ups
        if follow_ups and loop is not None:
            with self._in_flight_lock:
                self._following.add(delivery.delivery_id)
            try:
                loop.submit(delivery.installation_id, lambda: self._follow_up(delivery, follow_ups))
                return
            except RuntimeError:  # the loop is shutting down: finish here
                pass
        self._follow_up(delivery, follow_ups)

    def _follow_up(self, delivery: Delivery, follow_ups: list[FollowUp]) -> None:
        try:
            for work in follow_ups:
                work()
        except Exception as exc:
            self._settle(delivery, exc)
        else:
            self._settle(delivery, None)

    def _settle(self, delivery: Delivery, error: Exception | None) -> None:
        """Complete the delivery, or schedule its retry; then it is no longer ours."""
        try:
            self._mark_settling(delivery.delivery_id)
            if error is not None:
                self._failed(delivery, error)
            elif not self.deliveries.complete(delivery.delivery_id, self.owner):
                log.warning(
                    "intake: delivery %s finished after its claim was lost",
                    delivery.delivery_id,
                )
        except Exception:
            # The store is unreachable: the lease will expire and the delivery run again.
            log.exception("intake: cannot settle delivery %s", delivery.delivery_id)
        finally:
            with self._in_flight_lock:
                del self._in_flight[delivery.delivery_id]
                self._settling_ids.discard(delivery.delivery_id)
                self._following.discard(delivery.delivery_id)

    def _mark_settling(self, delivery_id: str) -> None:
        # Settling takes milliseconds, well within the lease: stop renewing, so that the
        # heartbeat never mistakes a delivery settled meanwhile for a lost claim.
        with self._in_flight_lock:
            self._settling_ids.add(delivery_id)

    def _failed(self, delivery: Delivery, exc: Exception) -> None:
        error = f"{type(exc).__name__}: {exc}"[:_MAX_ERROR]
        name = f"{delivery.event}.{delivery.action}" if delivery.action else delivery.event
        if isinstance(exc, GitHubThrottled):
            until = datetime.fromtimestamp(exc.until, UTC)
            log.info(
                "intake: delivery %s (%s) held back by GitHub's rate limits until %s",
                delivery.delivery_id,
                name,
                until.isoformat(),
            )
            self.deliveries.postpone(delivery.delivery_id, self.owner, error, until)
            return
        if delivery.attempts >= self.max_attempts:
            log.error(
                "intake: giving up on delivery %s (%s, %s) after %d attempts: %s",
                delivery.delivery_id,
                name,
                delivery.ordering_key,
                delivery.attempts,
                error,
                exc_info=exc,
            )
            self.deliveries.give_up(delivery.delivery_id, self.owner, error)
            return
        delay = backoff_delay(delivery.attempts, *self.backoff)
        log.warning(
            "intake: delivery %s (%s) failed (attempt %d of %d), retrying in %.1fs: %s",
            delivery.delivery_id,
            name,
            delivery.attempts,
            self.max_attempts,
            delay,
            error,
        )
        self.deliveries.retry(delivery.delivery_id, self.owner, error, delay)

    def following_up(self) -> int:
        """Deliveries whose check is out and whose follow-up is running or queued."""
        with self._in_flight_lock:
            return len(self._following)

    def _held(self) -> list[str]:
        with self._in_flight_lock:
            return [key for key in self._in_flight if key not in self._settling_ids]

    def _renew(self, delivery_ids: list[str]) -> set[str]:
        return self.deliveries.renew(delivery_ids, self.owner, self.lease_seconds)

    def _lost(self, delivery_id: str) -> None:
        log.warning("intake: lost the claim on delivery %s", delivery_id)
