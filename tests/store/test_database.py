from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from app.store import AuditLog, Database, DeliveryStore
from app.store.database import alembic_config, normalize_url
from app.store.schema import Base
from tests.dbutil import ManualClock

TABLES = {
    "alembic_version",
    "assignment_cursors",
    "assignments",
    "audit_log",
    "deliveries",
    "effects",
    "pull_records",
    "timers",
}


def test_migrate_creates_every_table(database: Database) -> None:
    assert TABLES.issubset(inspect(database.engine).get_table_names())


def test_migrating_again_is_a_no_op_and_keeps_data(database: Database) -> None:
    store = DeliveryStore(database)
    assert store.record(
        "d-1", "ping", None, b"{}", repository=None, ordering_key="k", installation_id=None
    )
    database.migrate()
    database.migrate()
    with database.session(write=False) as session:
        versions = session.execute(text("SELECT version_num FROM alembic_version")).all()
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert [tuple(row) for row in versions] == [tuple(heads)]
    assert store.get("d-1") is not None


def test_migrations_match_the_models(database: Database) -> None:
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_ping_answers_true_when_the_database_is_up(database: Database) -> None:
    assert database.ping()


def test_ping_answers_false_when_the_database_cannot_be_opened(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'missing-dir' / 'x.db'}")
    try:
        assert not db.ping()
    finally:
        db.dispose()


def test_times_come_back_as_aware_utc(database: Database, clock: ManualClock) -> None:
    local = timezone(timedelta(hours=-8))
    AuditLog(database).append("note", repository=None, number=None, actor=None, summary="x")
    clock_time = clock()
    [record] = AuditLog(database).export(since=clock_time.astimezone(local))
    assert record.at == clock_time
    assert record.at.tzinfo is UTC


def test_naive_times_are_refused(database: Database) -> None:
    with pytest.raises(ValueError, match="time zone"):
        list(AuditLog(database).export(since=datetime(2026, 1, 1)))


def test_a_failed_session_rolls_back(database: Database) -> None:
    store = DeliveryStore(database)
    store.record(
        "d-1", "ping", None, b"{}", repository=None, ordering_key="k", installation_id=None
    )
    with pytest.raises(RuntimeError, match="boom"), database.session() as session:
        session.execute(text("DELETE FROM deliveries"))
        raise RuntimeError("boom")
    assert store.get("d-1") is not None


def test_in_memory_sqlite_is_shared_by_threads() -> None:
    db = Database("sqlite://")
    try:
        db.migrate()
        store = DeliveryStore(db)
        results: list[bool] = []

        def record(index: int) -> None:
            results.append(
                store.record(
                    f"d-{index}",
                    "ping",
                    None,
                    b"{}",
                    repository=None,
                    ordering_key=f"k{index}",
                    installation_id=None,
                )
            )

        threads = [threading.Thread(target=record, args=(i,)) for i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert results == [True] * 8
        assert store.pending_count() == 8
    finally:
        db.dispose()


@pytest.mark.parametrize(
    ("url", "driver"),
    [
        pytest.param("postgresql://u@h/db", "postgresql+psycopg", id="bare-postgresql"),
        pytest.param("postgres://u@h/db", "postgresql+psycopg", id="postgres-alias"),
        pytest.param("postgresql+psycopg://u@h/db", "postgresql+psycopg", id="explicit"),
        pytest.param("sqlite:///./x.db", "sqlite", id="sqlite"),
    ],
)
def test_postgresql_urls_use_the_installed_driver(url: str, driver: str) -> None:
    assert normalize_url(url).drivername == driver
