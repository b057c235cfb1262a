"""The connection to gatehouse's database: SQLite for one process, PostgreSQL for replicas.

Every store takes a :class:`Database` and runs each operation in one short transaction
from :meth:`Database.session`. On SQLite a writing transaction starts with
``BEGIN IMMEDIATE``, so read-then-write operations are serialised across threads and
processes; on PostgreSQL the stores rely on conditional updates, ``SKIP LOCKED`` and
advisory locks instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import CursorResult, Engine, create_engine, event, func, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry, StaticPool
from sqlalchemy.sql.dml import Delete, Insert, Update

from app.cooperative import Turns, transaction_open
from app.store.schema import Base

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Held (per transaction) while migrating, so replicas starting together take turns.
MIGRATION_LOCK_ID = 0x6761_7465_686F_7573  # "gatehous"
SQLITE_PAGE_SIZE = 16384
SQLITE_LOG_KEPT_BYTES = 64 * 1024 * 1024
SQLITE_BUSY_TIMEOUT_MS = 30_000
_READONLY = "gatehouse_readonly"


def utc_now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def normalize_url(url: str) -> URL:
    """Parse ``url``; a bare ``postgresql://`` URL gets the installed psycopg 3 driver."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _is_memory_sqlite(url: URL) -> bool:
    database = url.database or ""
    return database in ("", ":memory:") or url.query.get("mode") == "memory"


class Database:
    """An engine, its sessions and the schema's migrations for one database URL.

    ``now`` is the clock every store reads (leases, due times, audit times): tests pass a
    manual clock to move time without sleeping.
    """

    def __init__(
        self,
        url: str,
        *,
        now: Callable[[], datetime] = utc_now,
        pool_size: int = 5,
        background_checkpoints: bool = False,
    ) -> None:
        """``background_checkpoints``: on a SQLite file, no commit copies the write-ahead
        log into the database (SQLite's automatic checkpoint, which fsyncs inside the commit
        that triggers it); the owner runs checkpoints on a thread of its own instead (the
        service: :class:`~app.store.delivery_writer.DeliveryWriter`)."""
        self.url = normalize_url(url)
        self._now = now
        self._pool_size = pool_size
        self._background_checkpoints = background_checkpoints
        self.engine = self._create_engine()
        # An in-memory SQLite database is one shared connection: threads take turns.
        self._serial: Turns | None = (
            Turns(reentrant=True) if self.is_sqlite and _is_memory_sqlite(self.url) else None
        )
        # SQLite lets one transaction write at a time, and a writer that finds the lock
        # taken sleeps in growing steps (up to 100 ms) before it looks again: under load
        # threads queue far longer than the writes take. Writers of this process queue on a
        # lock instead and get the database the moment it is free; the busy timeout still
        # covers other processes (the CLI, a second service on the same file). Threads (the
        # check lane, the webhook intake) go ahead of follow-ups, and a follow-up on the
        # event loop waits in the queue without stopping the loop (see app.cooperative).
        self._writers: Turns | None = (
            Turns(reentrant=True, threads_ahead=True)
            if self.is_sqlite and self._serial is None
            else None
        )
        self._writer = sessionmaker(self.engine, expire_on_commit=False)
        self._reader = sessionmaker(
            self.engine.execution_options(**{_READONLY: True}), expire_on_commit=False
        )

    def __repr__(self) -> str:
        return f"Database({self.url.render_as_string(hide_password=True)!r})"

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @property
    def is_postgresql(self) -> bool:
        return self.url.get_backend_name() == "postgresql"

    def now(self) -> datetime:
        """The store clock's current time (aware UTC)."""
        return self._now().astimezone(UTC)

    def _create_engine(self) -> Engine:
        if self.url.get_backend_name() != "sqlite":
            # One connection per thread that may hold one at once (both worker lanes, the
            # scheduler, the heartbeats, the webhook writer), so none waits for the pool.
            return create_engine(
                self.url, pool_pre_ping=True, pool_size=self._pool_size, max_overflow=10
            )
        memory = _is_memory_sqlite(self.url)
        sizing: dict[str, Any] = (
            {"poolclass": StaticPool}
            if memory
            else {"pool_size": self._pool_size, "max_overflow": 10}
        )
        engine = create_engine(self.url, connect_args={"check_same_thread": False}, **sizing)
        event.listen(
            engine,
            "connect",
            _sqlite_on_connect(wal=not memory, autocheckpoint=not self._background_checkpoints),
        )
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine

    def _serialized(self) -> AbstractContextManager[Any]:
        return self._serial if self._serial is not None else nullcontext()

    @contextmanager
    def session(self, *, write: bool = True) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back if it raises.

        ``write=False`` is for reads only: on SQLite it does not take the write lock.
        """
        maker = self._writer if write else self._reader
        queue = self._writers if write and self._writers is not None else nullcontext()
        with self._serialized(), queue, maker.begin() as session, transaction_open():
            yield session

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A writing transaction on a Core connection, for hot paths that need no ORM."""
        queue = self._writers if self._writers is not None else nullcontext()
        with self._serialized(), queue, self.engine.begin() as connection, transaction_open():
            yield connection

    @contextmanager
    def write_turn(self) -> Iterator[None]:
        """This process's turn to write, with no transaction opened: for a writer that runs
        its statements on a connection of its own (the webhook intake on SQLite)."""
        queue = self._writers if self._writers is not None else nullcontext()
        with self._serialized(), queue, transaction_open():
            yield

    def ping(self) -> bool:
        """Whether the database answers a trivial query now."""
        try:
            with self.session(write=False) as session:
                return session.execute(text("SELECT 1")).scalar() == 1
        except Exception:
            return False

    def migrate(self) -> None:
        """Bring the schema to the latest migration; running it again changes nothing.

        On PostgreSQL the upgrade runs in one transaction holding an advisory lock, so
        replicas that start together migrate one after the other.
        """
        from alembic import command

        with self._serialized(), self.engine.begin() as connection:
            if self.is_postgresql:
                connection.execute(select(func.pg_advisory_xact_lock(MIGRATION_LOCK_ID)))
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def dispose(self) -> None:
        """Close every pooled connection (call once at shutdown)."""
        self.engine.dispose()


def alembic_config() -> Any:
    """An Alembic configuration for gatehouse's migrations, no ``alembic.ini`` needed.

    Set ``config.attributes["connection"]`` before running a command with it.
    """
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    return config


def _sqlite_on_connect(
    *, wal: bool, autocheckpoint: bool
) -> Callable[[Any, ConnectionPoolEntry], None]:
    def on_connect(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        # Let SQLAlchemy's "begin" event emit BEGIN itself (see _sqlite_on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            # Deliveries carry 10-50 KB payloads: larger pages store them with fewer
            # overflow pages. Only takes effect when the database file is new.
            cursor.execute(f"PRAGMA page_size={SQLITE_PAGE_SIZE}")
            if wal:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
                if not autocheckpoint:
                    cursor.execute("PRAGMA wal_autocheckpoint=0")
                    # A log that grew during a burst is cut back when it starts over.
                    cursor.execute(f"PRAGMA journal_size_limit={SQLITE_LOG_KEPT_BYTES}")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys=ON")
        finally:
            cursor.close()

    return on_connect


def _sqlite_on_begin(connection: Any) -> None:
    # IMMEDIATE takes the write lock up front: two writers never both read a state and
    # then both act on it, and a lock conflict waits (busy_timeout) instead of failing.
    readonly = connection.get_execution_options().get(_READONLY, False)
    connection.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")


def execute_dml(
    session: Session, statement: Insert | Update | Delete, params: dict[str, Any] | None = None
) -> int:
    """Run an INSERT, UPDATE or DELETE in ``session``'s transaction, with the values of its
    bound parameters in ``params``; rows affected."""
    # SQLAlchemy reports an INSERT's row count only when asked to keep it.
    counted = statement.execution_options(preserve_rowcount=True)
    result = cast(CursorResult[Any], session.connection().execute(counted, params))
    return result.rowcount


def insert_ignore(session: Session, model: type[Base], values: dict[str, Any]) -> bool:
    """Insert one row unless its key exists (``ON CONFLICT DO NOTHING``); True if inserted.

    Safe under concurrency: a racing insert of the same key waits for the first and then
    does nothing, without aborting the transaction.
    """
    name = session.get_bind().dialect.name
    if name == "postgresql":
        statement: Insert = postgresql.insert(model).values(values).on_conflict_do_nothing()
    elif name == "sqlite":
        statement = sqlite.insert(model).values(values).on_conflict_do_nothing()
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise NotImplementedError(f"unsupported database dialect {name!r}")
    return execute_dml(session, statement) == 1


def lock_key(session: Session, key: str) -> None:
    """Serialise transactions about ``key`` until this one ends.

    PostgreSQL takes a transaction-scoped advisory lock; SQLite's writing transactions
    are already serialised by ``BEGIN IMMEDIATE``.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(key, 0))))
