"""Group commit for webhook deliveries: one thread writes whatever arrived meanwhile in a
single transaction.

Under load, many requests arrive while one transaction commits; writing them together
costs one commit instead of one each, and one writer never fights other threads for
SQLite's write lock. Each request still waits for *its* commit before it is answered,
so a delivery answered 2xx is never lost. On SQLite that rests on the write-ahead log with
``synchronous=NORMAL`` (:mod:`app.store.database`): a transaction is in the log file when
its commit returns, so it survives the process being killed at any moment after (a power
cut may take the last few; PostgreSQL, by default, flushes every commit to disk).

The writer thread shares the interpreter lock with the event loop that serves requests,
so it runs as little Python as it can: one multi-row ``INSERT`` per batch (of up to 64
deliveries) straight on the driver's cursor, on SQLite as a transaction of its own
(:class:`BatchRecorder`), and one wake-up of each waiting event loop per batch
(:meth:`DeliveryWriter.record`), not one per request.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import Dialect

from app.store.database import Database
from app.store.deliveries import DeliveryState
from app.store.schema import DeliveryRow

log = logging.getLogger("gatehouse.intake")
MAX_BATCH = 256
# Rows per INSERT statement: 64 rows of 11 values stay under SQLite's oldest limit of 999
# bound parameters.
ROWS_PER_STATEMENT = 64
_COLUMNS = (
    "delivery_id",
    "event",
    "action",
    "payload",
    "repository",
    "ordering_key",
    "installation_id",
    "state",
    "attempts",
    "received_at",
    "available_at",
)


@dataclass(frozen=True, slots=True)
class NewDelivery:
    delivery_id: str
    event: str
    action: str | None
    payload: bytes
    repository: str | None
    ordering_key: str
    installation_id: int | None


@cache
def _insert_sql(dialect: str, rows: int) -> str:
    """``INSERT`` of ``rows`` deliveries in the driver's placeholder style; an id already
    stored is skipped. On PostgreSQL it answers the ids it inserted."""
    mark = "?" if dialect == "sqlite" else "%s"
    row = "(" + ", ".join([mark] * len(_COLUMNS)) + ")"
    returning = " RETURNING delivery_id" if dialect == "postgresql" else ""
    return (
        f"INSERT INTO {DeliveryRow.__tablename__} ({', '.join(_COLUMNS)}) "
        f"VALUES {', '.join([row] * rows)} ON CONFLICT (delivery_id) DO NOTHING{returning}"
    )


@cache
def _known_sql(ids: int) -> str:
    """The ids, out of ``ids`` given (SQLite placeholders), that are already stored."""
    marks = ", ".join(["?"] * ids)
    return f"SELECT delivery_id FROM {DeliveryRow.__tablename__} WHERE delivery_id IN ({marks})"


@cache
def _bind_time(dialect: Dialect) -> Callable[[Any], Any]:
    """The column type's own conversion of a time for ``dialect`` (SQLite keeps text)."""
    column_type = DeliveryRow.__table__.c.received_at.type
    processor = column_type.dialect_impl(dialect).bind_processor(dialect)
    return processor if processor is not None else lambda value: value


def _chunks(items: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(items), ROWS_PER_STATEMENT):
        yield items[start : start + ROWS_PER_STATEMENT]


class _SomeKnown(Exception):
    """A batch held ids already stored: undo it and look them up first."""


def record_batch(db: Database, deliveries: Sequence[NewDelivery]) -> list[bool]:
    """Insert every delivery in one transaction; True for each one not seen before (of two
    equal ids in the batch, the first). See :class:`BatchRecorder`."""
    recorder = BatchRecorder(db)
    try:
        return recorder.record(deliveries)
    finally:
        recorder.close()


class BatchRecorder:
    """Writes batches of deliveries for one thread, and tells which were new.

    On PostgreSQL, ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` tells which ids are new
    in the statement that inserts them, so of two replicas inserting one id at the same
    moment exactly one hears it is new.

    On a SQLite file the recorder keeps a connection of its own and writes a batch of up
    to ``ROWS_PER_STATEMENT`` deliveries as one ``INSERT`` outside ``BEGIN``, which SQLite
    runs as a transaction of its own: one step of the database, so the writer thread lets
    the interpreter lock go and takes it back from the event loop once per batch instead
    of at ``BEGIN``, at the ``INSERT`` and at ``COMMIT``. Its row count answers the usual
    case, every row inserted and every id new. When a batch held an id already stored (a
    redelivery), the rows it did insert got consecutive ``seq`` values ending at the
    statement's last row id (SQLite gives a new row the largest id plus one, and the
    statement held the write lock throughout), so reading that range back names them.
    ``RETURNING`` would say the same but takes a step, and a hand-back of the lock, per row.

    Larger batches, and in-memory databases, are written in one ``BEGIN IMMEDIATE``
    transaction; one that held a known id is rolled back and written again after a look-up
    of the stored ids, the write lock held from that look-up to the commit.
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        self._own_statement = _is_sqlite_file(db)
        self._connection: Any = None  # the driver's connection, checked out when first used

    def record(self, deliveries: Sequence[NewDelivery]) -> list[bool]:
        when = _bind_time(self.db.engine.dialect)(self.db.now())
        pending, attempts = DeliveryState.PENDING.value, 0
        rows: dict[str, tuple[Any, ...]] = {}
        for item in deliveries:
            if item.delivery_id not in rows:
                rows[item.delivery_id] = (
                    item.delivery_id,
                    item.event,
                    item.action,
                    item.payload,
                    item.repository,
                    item.ordering_key,
                    item.installation_id,
                    pending,
                    attempts,
                    when,
                    when,
                )
        new = self._insert(rows)
        results: list[bool] = []
        for item in deliveries:
            results.append(item.delivery_id in new)
            new.discard(item.delivery_id)
        return results

    def _insert(self, rows: dict[str, tuple[Any, ...]]) -> set[str]:
        if self.db.is_postgresql:
            return _write(self.db, rows, look_up=False, returning=True)
        if self._own_statement and len(rows) <= ROWS_PER_STATEMENT:
            return self._insert_in_one_statement(rows)
        try:
            return _write(self.db, rows, look_up=False, returning=False)
        except _SomeKnown:
            return _write(self.db, rows, look_up=True, returning=False)

    def _insert_in_one_statement(self, rows: dict[str, tuple[Any, ...]]) -> set[str]:
        with self.db.write_turn():
            if self._connection is None:
                self._connection = self.db.engine.raw_connection()
            try:
                return _insert_statement(self._connection.driver_connection, rows)
            except Exception:
                # A connection in an unknown state is closed, not given back to the pool.
                connection, self._connection = self._connection, None
                connection.invalidate()
                raise

    def close(self) -> None:
        """Give the recorder's connection back to the pool."""
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()


_INSERTED_SQL = f"SELECT delivery_id FROM {DeliveryRow.__tablename__} WHERE seq > ? AND seq <= ?"


def _insert_statement(connection: Any, rows: dict[str, tuple[Any, ...]]) -> set[str]:
    """Insert ``rows`` with one statement on a SQLite driver connection outside any
    transaction; the ids inserted (see :class:`BatchRecorder`)."""
    cursor = connection.cursor()
    try:
        cursor.execute(_insert_sql("sqlite", len(rows)), [v for r in rows.values() for v in r])
        inserted, last = cursor.rowcount, cursor.lastrowid
        if inserted == len(rows):
            return set(rows)
        if inserted <= 0 or last is None:
            return set()
        cursor.execute(_INSERTED_SQL, (last - inserted, last))
        return {found for (found,) in cursor.fetchall()} & rows.keys()
    finally:
        cursor.close()


def _write(
    db: Database, rows: dict[str, tuple[Any, ...]], *, look_up: bool, returning: bool
) -> set[str]:
    """Insert ``rows`` in one transaction; the ids inserted. Without ``look_up`` or
    ``returning``, raises :class:`_SomeKnown` (rolling back) unless every row went in."""
    with db.transaction() as connection:
        cursor = connection.connection.cursor()
        try:
            known: set[str] = set()
            if look_up:
                for ids in _chunks(list(rows)):
                    cursor.execute(_known_sql(len(ids)), ids)
                    known.update(found for (found,) in cursor.fetchall())
            inserted: set[str] = set()
            count = 0
            for chunk in _chunks([row for key, row in rows.items() if key not in known]):
                cursor.execute(
                    _insert_sql(db.engine.dialect.name, len(chunk)),
                    [v for row in chunk for v in row],
                )
                if returning:
                    inserted.update(found for (found,) in cursor.fetchall())
                count += cursor.rowcount
        finally:
            cursor.close()
        if returning:
            return inserted
        if not look_up and count != len(rows):
            raise _SomeKnown
        return set(rows) - known


_Submitted = tuple[NewDelivery, Future[bool]]
_Waiting = tuple[NewDelivery, asyncio.Future[bool]]


@dataclass(frozen=True, slots=True)
class _LoopBatch:
    """The deliveries an event loop gathered in one turn; their waiters live on ``loop``."""

    loop: asyncio.AbstractEventLoop
    items: list[_Waiting]


def _settle(waiters: list[tuple[asyncio.Future[bool], bool | BaseException]]) -> None:
    """On the waiters' loop: hand each request its outcome (unless it gave up waiting)."""
    for future, outcome in waiters:
        if future.done():
            continue
        if isinstance(outcome, BaseException):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)


class DeliveryWriter:
    """Records deliveries in batches for any thread (:meth:`submit`) or event loop
    (:meth:`record`); each caller learns whether its delivery was new.

    An event loop hands over what it gathered in one turn at once, and the writer wakes
    it once per committed batch. On a SQLite file the writer also copies the write-ahead
    log into the database file from another thread (:class:`_Checkpointer`), so a commit
    never waits for that copy and its ``fsync``.
    """

    def __init__(self, db: Database, *, max_batch: int = MAX_BATCH) -> None:
        self.db = db
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue[_Submitted | _LoopBatch | None] = queue.SimpleQueue()
        self._gathering: dict[asyncio.AbstractEventLoop, list[_Waiting]] = {}
        self._thread: threading.Thread | None = None
        self._checkpointer: _Checkpointer | None = None
        self._lock = threading.Lock()
        self._recorder = BatchRecorder(db)

    def start(self) -> None:
        """Start the writer (and the checkpointer) now rather than at the first delivery:
        the checkpointer keeps the log short whoever writes."""
        self._ensure_started()

    def submit(self, delivery: NewDelivery) -> Future[bool]:
        """Queue ``delivery``; the future says, once it is committed, whether it was new."""
        future: Future[bool] = Future()
        self._ensure_started()
        self._queue.put((delivery, future))
        return future

    async def record(self, delivery: NewDelivery) -> bool:
        """Commit ``delivery`` and say whether it was new, without blocking the loop.

        Raises what the database raised when the batch could not be committed.
        """
        loop = asyncio.get_running_loop()
        future: asyncio.Future[bool] = loop.create_future()
        gathering = self._gathering.get(loop)
        if gathering is None:
            gathering = self._gathering[loop] = []
            loop.call_soon(self._hand_over, loop)
        gathering.append((delivery, future))
        return await future

    def _hand_over(self, loop: asyncio.AbstractEventLoop) -> None:
        items = self._gathering.pop(loop)
        self._ensure_started()
        self._queue.put(_LoopBatch(loop, items))

    def _ensure_started(self) -> None:
        if self._thread is not None:
            return
        with self._lock:
            if self._thread is None:
                if _is_sqlite_file(self.db):
                    self._checkpointer = _Checkpointer(self.db)
                self._thread = threading.Thread(
                    target=self._run, name="gatehouse-intake-writer", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        try:
            self._take_batches()
        finally:
            self._recorder.close()

    def _take_batches(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            size = _size(first)
            stop = False
            while size < self.max_batch:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stop = True
                    break
                batch.append(item)
                size += _size(item)
            self._write(batch)
            if stop:
                return

    def _write(self, batch: list[_Submitted | _LoopBatch]) -> None:
        deliveries: list[NewDelivery] = []
        for entry in batch:
            if isinstance(entry, _LoopBatch):
                deliveries.extend(delivery for delivery, _ in entry.items)
            else:
                deliveries.append(entry[0])
        outcomes: Sequence[bool | BaseException]
        try:
            outcomes = self._recorder.record(deliveries)
        except Exception as exc:  # the requests get a 5xx and GitHub redelivers them
            log.exception("recording %d deliveries failed", len(deliveries))
            outcomes = [exc] * len(deliveries)
        else:
            if self._checkpointer is not None:
                self._checkpointer.wrote(sum(len(delivery.payload) for delivery in deliveries))
        results = iter(outcomes)
        for entry in batch:
            if isinstance(entry, _LoopBatch):
                settled = [(future, next(results)) for _, future in entry.items]
                try:
                    entry.loop.call_soon_threadsafe(_settle, settled)
                except RuntimeError:  # that loop has closed: nobody is waiting any more
                    log.debug("an event loop closed before %d deliveries settled", len(settled))
                continue
            outcome, future = next(results), entry[1]
            if isinstance(outcome, BaseException):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)

    def stop(self, timeout: float = 10.0) -> None:
        with self._lock:
            thread, self._thread = self._thread, None
            checkpointer, self._checkpointer = self._checkpointer, None
        if thread is not None:
            self._queue.put(None)
            thread.join(timeout)
        if checkpointer is not None:
            checkpointer.stop(timeout)


def _is_sqlite_file(db: Database) -> bool:
    """Whether ``db`` is SQLite on disk, so in WAL mode (see :mod:`app.store.database`)."""
    url = db.engine.url
    in_memory = url.database in (None, "", ":memory:") or url.query.get("mode") == "memory"
    return db.is_sqlite and not in_memory


def _size(entry: _Submitted | _LoopBatch) -> int:
    return len(entry.items) if isinstance(entry, _LoopBatch) else 1


class _Checkpointer:
    """Copies SQLite's write-ahead log into the database file on its own thread: after
    every few megabytes the writer commits, and every second whatever else was written.

    The service's connections never checkpoint inside a commit (``wal_autocheckpoint=0``,
    see :class:`~app.store.database.Database`): such a checkpoint fsyncs the log and the
    database while every request of that batch waits for its 202, which on a slow disk
    came to 40-100 ms several times a second under load. A ``PASSIVE`` checkpoint takes no
    lock that writers need, and a fully copied log is started over by the next commit.

    Under writes that never pause, a passive checkpoint never catches up with the end of
    the log (frames arrive while it copies), so the log is not started over and grows;
    the first pause in the writes lets the next commit start it over (and SQLite then cuts
    the file back to ``journal_size_limit``). Only a log past ``LIMIT_BYTES``, a minute or
    more of writes without any pause, gets a ``TRUNCATE`` checkpoint, which holds the
    writer while it copies what the passive one left and empties the log. Durability does
    not depend on any of this: a commit is in the log before it returns.
    """

    EVERY_BYTES = 4 * 1024 * 1024
    EVERY_SECONDS = 1.0
    LIMIT_BYTES = 1024 * 1024 * 1024

    def __init__(self, db: Database) -> None:
        self._db = db
        self._log = Path(str(db.engine.url.database) + "-wal")
        self._written = 0
        self._due = threading.Event()
        self._stopping = False
        self._thread = threading.Thread(
            target=self._run, name="gatehouse-wal-checkpoint", daemon=True
        )
        self._thread.start()

    def wrote(self, size: int) -> None:
        """The writer committed ``size`` more bytes of payload (called by its thread)."""
        self._written += size
        if self._written >= self.EVERY_BYTES:
            self._written = 0
            self._due.set()

    def _run(self) -> None:
        while True:
            self._due.wait(self.EVERY_SECONDS)
            self._due.clear()
            if self._stopping:
                return
            try:
                self._checkpoint("PASSIVE")
                if self._log_size() > self.LIMIT_BYTES:
                    log.info("the write-ahead log passed %d MiB: truncating it", self._mib())
                    self._checkpoint("TRUNCATE")
            except Exception:  # tried again at the next round
                log.warning("checkpointing the write-ahead log failed", exc_info=True)

    def _checkpoint(self, mode: str) -> None:
        # A pooled connection outside any transaction (the driver autocommits).
        connection = self._db.engine.raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute(f"PRAGMA wal_checkpoint({mode})")
            cursor.fetchall()
            cursor.close()
        finally:
            connection.close()

    def _log_size(self) -> int:
        try:
            return self._log.stat().st_size
        except OSError:
            return 0

    def _mib(self) -> int:
        return self.LIMIT_BYTES // (1024 * 1024)

    def stop(self, timeout: float) -> None:
        self._stopping = True
        self._due.set()
        self._thread.join(timeout)
