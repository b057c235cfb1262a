"""Group commit for webhook deliveries: one thread writes whatever arrived meanwhile in a
single transaction.

Under load, many requests arrive while one transaction commits; writing them together
costs one commit instead of one each, and one writer never fights other threads for
SQLite's write lock. Each request still waits for *its* commit before it is answered,
so a delivery answered 2xx is never lost.
"""

from __future__ import annotations

import logging
import queue
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from app.store.database import Database
from app.store.deliveries import DeliveryState
from app.store.schema import DeliveryRow

log = logging.getLogger("gatehouse.intake")
MAX_BATCH = 256


@dataclass(frozen=True, slots=True)
class NewDelivery:
    delivery_id: str
    event: str
    action: str | None
    payload: bytes
    repository: str | None
    ordering_key: str
    installation_id: int | None


def record_batch(db: Database, deliveries: list[NewDelivery]) -> list[bool]:
    """Insert every delivery in one transaction; True for each one not seen before.

    One SELECT finds the ids already recorded, one multi-row INSERT adds the rest (``ON
    CONFLICT DO NOTHING`` still guards against another replica inserting the same id at
    the same moment: that delivery is then processed once, as always).
    """
    dialect = db.engine.dialect.name
    module: Any = postgresql if dialect == "postgresql" else sqlite
    statement = module.insert(DeliveryRow).on_conflict_do_nothing(index_elements=["delivery_id"])
    now = db.now()
    results: list[bool] = []
    fresh: dict[str, dict[str, Any]] = {}
    with db.transaction() as connection:
        ids = {item.delivery_id for item in deliveries}
        known = set(
            connection.scalars(
                select(DeliveryRow.delivery_id).where(DeliveryRow.delivery_id.in_(ids))
            )
        )
        for item in deliveries:
            new = item.delivery_id not in known and item.delivery_id not in fresh
            results.append(new)
            if new:
                fresh[item.delivery_id] = {
                    "delivery_id": item.delivery_id,
                    "event": item.event,
                    "action": item.action,
                    "payload": item.payload,
                    "repository": item.repository,
                    "ordering_key": item.ordering_key,
                    "installation_id": item.installation_id,
                    "state": DeliveryState.PENDING.value,
                    "attempts": 0,
                    "received_at": now,
                    "available_at": now,
                }
        if fresh:
            connection.execute(statement, list(fresh.values()))
    return results


class DeliveryWriter:
    """Accepts deliveries from any thread; answers each with a future of "was it new"."""

    def __init__(self, db: Database, *, max_batch: int = MAX_BATCH) -> None:
        self.db = db
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue[tuple[NewDelivery, Future[bool]] | None] = (
            queue.SimpleQueue()
        )
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, delivery: NewDelivery) -> Future[bool]:
        future: Future[bool] = Future()
        self._ensure_started()
        self._queue.put((delivery, future))
        return future

    def _ensure_started(self) -> None:
        if self._thread is not None:
            return
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="gatehouse-intake-writer", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            stop = False
            while len(batch) < self.max_batch:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stop = True
                    break
                batch.append(item)
            self._write(batch)
            if stop:
                return

    def _write(self, batch: list[tuple[NewDelivery, Future[bool]]]) -> None:
        try:
            results = record_batch(self.db, [delivery for delivery, _ in batch])
        except Exception as exc:  # the requests get a 5xx and GitHub redelivers them
            log.exception("recording %d deliveries failed", len(batch))
            for _, future in batch:
                future.set_exception(exc)
            return
        for (_, future), new in zip(batch, results, strict=True):
            future.set_result(new)

    def stop(self, timeout: float = 10.0) -> None:
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join(timeout)
