"""The initial schema: deliveries, effects, pull records, assignments, timers, audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEQUENCE = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _time(name: str, *, nullable: bool = False) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "deliveries",
        sa.Column("seq", SEQUENCE, autoincrement=True, nullable=False),
        sa.Column("delivery_id", sa.String(128), nullable=False),
        sa.Column("event", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=True),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("repository", sa.String(255), nullable=True),
        sa.Column("ordering_key", sa.String(320), nullable=False),
        sa.Column("installation_id", sa.BigInteger(), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _time("received_at"),
        _time("available_at"),
        sa.Column("lease_owner", sa.String(255), nullable=True),
        _time("lease_expires_at", nullable=True),
        _time("finished_at", nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("seq", name="pk_deliveries"),
        sa.UniqueConstraint("delivery_id", name="uq_deliveries_delivery_id"),
    )
    op.create_index("ix_deliveries_state_available_at", "deliveries", ["state", "available_at"])
    op.create_index("ix_deliveries_ordering_key_seq", "deliveries", ["ordering_key", "seq"])

    op.create_table(
        "effects",
        sa.Column("key", sa.String(320), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("owner", sa.String(255), nullable=True),
        _time("lease_expires_at", nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        _time("created_at"),
        _time("completed_at", nullable=True),
        sa.PrimaryKeyConstraint("key", name="pk_effects"),
    )

    op.create_table(
        "pull_records",
        sa.Column("repository", sa.String(255), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("closed", sa.Boolean(), nullable=False),
        _time("updated_at"),
        sa.PrimaryKeyConstraint("repository", "number", name="pk_pull_records"),
    )
    op.create_index("ix_pull_records_closed", "pull_records", ["closed"])

    op.create_table(
        "assignment_cursors",
        sa.Column("group_name", sa.String(128), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("last_login", sa.String(255), nullable=True),
        _time("updated_at"),
        sa.PrimaryKeyConstraint("group_name", name="pk_assignment_cursors"),
    )

    op.create_table(
        "assignments",
        sa.Column("repository", sa.String(255), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("group_name", sa.String(128), nullable=False),
        sa.Column("login", sa.String(255), nullable=False),
        sa.Column("open", sa.Boolean(), nullable=False),
        _time("assigned_at"),
        _time("closed_at", nullable=True),
        sa.PrimaryKeyConstraint("repository", "number", "group_name", name="pk_assignments"),
    )
    op.create_index(
        "ix_assignments_group_name_login_open", "assignments", ["group_name", "login", "open"]
    )

    op.create_table(
        "timers",
        sa.Column("key", sa.String(320), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        _time("due_at"),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("owner", sa.String(255), nullable=True),
        _time("lease_expires_at", nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _time("created_at"),
        _time("updated_at"),
        _time("finished_at", nullable=True),
        sa.PrimaryKeyConstraint("key", name="pk_timers"),
    )
    op.create_index("ix_timers_state_due_at", "timers", ["state", "due_at"])

    op.create_table(
        "audit_log",
        sa.Column("seq", SEQUENCE, autoincrement=True, nullable=False),
        _time("at"),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("repository", sa.String(255), nullable=True),
        sa.Column("number", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(255), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_at_seq", "audit_log", ["at", "seq"])
    op.create_index("ix_audit_log_repository_number", "audit_log", ["repository", "number"])


def downgrade() -> None:
    for table in (
        "audit_log",
        "timers",
        "assignments",
        "assignment_cursors",
        "pull_records",
        "effects",
        "deliveries",
    ):
        op.drop_table(table)
