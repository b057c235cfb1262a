"""Every store test runs against SQLite (a temporary file) and PostgreSQL (its own schema)."""

from tests.db_fixtures import clock, database

__all__ = ["clock", "database"]
