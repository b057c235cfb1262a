"""Alembic environment: the caller supplies the connection (``Database.migrate``).

Offline mode (``--sql``) renders the DDL for the ``sqlalchemy.url`` option's dialect, for
reviewing or for a database administrator to apply by hand.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from app.store.schema import Base

config = context.config


def _run_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=Base.metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_online(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    _run_offline()
else:
    supplied = config.attributes.get("connection")
    if not isinstance(supplied, Connection):
        raise RuntimeError(
            "gatehouse migrations need a connection: use Database(url).migrate(), or set "
            'config.attributes["connection"] from app.store.database.alembic_config()'
        )
    _run_online(supplied)
