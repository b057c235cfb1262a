"""Away periods that members set on ``/me``.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEQUENCE = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "away_periods",
        sa.Column("id", SEQUENCE, autoincrement=True, nullable=False),
        sa.Column("login", sa.String(255), nullable=False),
        sa.Column("first_day", sa.String(10), nullable=False),
        sa.Column("last_day", sa.String(10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_away_periods"),
    )
    op.create_index("ix_away_periods_login", "away_periods", ["login"])


def downgrade() -> None:
    op.drop_index("ix_away_periods_login", table_name="away_periods")
    op.drop_table("away_periods")
