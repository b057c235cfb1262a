"""The database fixtures shared by the store and scheduler tests: every test runs against
SQLite (a temporary file) and PostgreSQL (its own schema), on a clock the test moves.

A test module or conftest takes them with ``from tests.db_fixtures import clock, database``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.store import Database
from tests.dbutil import BACKEND_PARAMS, ManualClock, open_database


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture(params=BACKEND_PARAMS)
def database(
    request: pytest.FixtureRequest, tmp_path: Path, clock: ManualClock
) -> Iterator[Database]:
    """A migrated database whose clock is ``clock``: time moves only when a test says so."""
    with open_database(request.param, tmp_path, now=clock) as db:
        yield db
