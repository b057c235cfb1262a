"""Test databases for every backend gatehouse supports, and a clock tests can move.

A test folder gets a parametrised ``database`` fixture with a few lines of conftest::

    @pytest.fixture(params=BACKEND_PARAMS)
    def database(request, tmp_path):
        with open_database(request.param, tmp_path) as db:
            yield db

PostgreSQL cases use ``GATEHOUSE_TEST_POSTGRES_URL`` (default below); each gets a fresh
schema, dropped afterwards, and they are skipped when the server is unreachable.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from app.store.database import Database, normalize_url, utc_now

T = TypeVar("T")

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BACKEND_PARAMS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]


class ManualClock:
    """A clock that stands still until a test advances it (thread-safe)."""

    def __init__(self, start: datetime = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)) -> None:
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> datetime:
        with self._lock:
            self._now += timedelta(seconds=seconds)
            return self._now


def postgres_url() -> URL:
    return normalize_url(os.environ.get("GATEHOUSE_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL))


@cache
def _postgres_unreachable(url: URL) -> str | None:
    """Why the server cannot be used, or None; asked once per test run."""
    engine = create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # any failure means: skip, with the reason
        return f"{type(error).__name__}: {str(error).strip().splitlines()[0]}"
    finally:
        engine.dispose()
    return None


@contextmanager
def postgres_schema() -> Iterator[str]:
    """A URL whose ``search_path`` is a new, empty schema; the schema is dropped after."""
    base = postgres_url()
    reason = _postgres_unreachable(base)
    if reason is not None:
        shown = base.render_as_string(hide_password=True)
        pytest.skip(f"PostgreSQL not reachable at {shown}: {reason}")
    schema = f"gatehouse_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        scoped = base.update_query_dict({"options": f"-csearch_path={schema}"})
        yield scoped.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A URL to an empty database of ``backend`` (``sqlite`` or ``postgresql``)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'gatehouse.db'}"
    elif backend == "postgresql":
        with postgres_schema() as url:
            yield url
    else:
        raise ValueError(f"unknown test backend {backend!r}")


@contextmanager
def open_database(
    backend: str, tmp_path: Path, *, now: Callable[[], datetime] = utc_now
) -> Iterator[Database]:
    """A migrated :class:`Database` on a fresh ``backend`` database, disposed after."""
    with database_url(backend, tmp_path) as url:
        db = Database(url, now=now)
        try:
            db.migrate()
            yield db
        finally:
            db.dispose()


def race(count: int, action: Callable[[int], T]) -> list[T]:
    """Run ``action(i)`` in ``count`` threads released together; their results in order."""
    barrier = threading.Barrier(count)
    results: dict[int, T] = {}

    def run(index: int) -> None:
        barrier.wait()
        results[index] = action(index)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(results) == count, "a racing thread failed or hung"
    return [results[index] for index in range(count)]
