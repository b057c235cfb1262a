"""Short leases kept alive by a heartbeat: a dead process's work is resumed in seconds.

A claim on a delivery or a timer is a lease of ``LEASE_SECONDS``. While the process that
holds it is alive, a heartbeat thread renews every lease the process holds, however long
the work takes (a slow GitHub, retries): a live process never loses its work to another.
When the process dies (SIGKILL, OOM, a drained node), its heartbeat dies with it, and its
claims fall free at most one lease after the last beat; another replica, or the same
service restarted, then takes the work over.

A beat is one statement per store for everything the process holds, not one per claim,
and none at all while the process holds nothing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Collection

log = logging.getLogger(__name__)

LEASE_SECONDS = 6.0
HEARTBEAT_SECONDS = 2.0

# Renews the leases on these keys; returns the keys whose lease it renewed.
Renew = Callable[[list[str]], Collection[str]]


def check_lease(lease_seconds: float, heartbeat_seconds: float) -> None:
    """Refuse a heartbeat that cannot keep a lease alive through one late beat."""
    if lease_seconds <= 0 or heartbeat_seconds <= 0:
        raise ValueError("lease_seconds and heartbeat_seconds must be positive")
    if heartbeat_seconds * 2 > lease_seconds:
        raise ValueError(
            f"a heartbeat every {heartbeat_seconds}s cannot keep a {lease_seconds}s lease: "
            "the lease must last at least two heartbeats"
        )


class Heartbeat:
    """Every ``interval`` seconds, renew the leases on ``held()`` in one ``renew`` call.

    ``on_lost`` is told about each key that is still held but whose lease was not renewed
    (taken over, moved or settled by someone else).
    """

    def __init__(
        self,
        name: str,
        held: Callable[[], Collection[str]],
        renew: Renew,
        *,
        interval: float,
        on_lost: Callable[[str], None] | None = None,
    ) -> None:
        if interval <= 0:
            raise ValueError("the heartbeat interval must be positive")
        self.name = name
        self.held = held
        self.renew = renew
        self.interval = interval
        self.on_lost = on_lost
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def beat(self) -> None:
        """Renew now (the thread calls this every ``interval``)."""
        keys = list(self.held())
        if not keys:
            return
        renewed = set(self.renew(keys))
        if self.on_lost is None or len(renewed) == len(keys):
            return
        still_held = set(self.held())
        for key in keys:
            if key not in renewed and key in still_held:
                self.on_lost(key)

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError(f"{self.name} is already running")
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.beat()
            except Exception:
                log.exception("%s: cannot renew leases; retrying at the next beat", self.name)
