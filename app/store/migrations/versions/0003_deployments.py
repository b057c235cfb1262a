"""Deployments gatehouse reviews as a custom deployment protection rule.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEQUENCE = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "deployments",
        sa.Column("id", SEQUENCE, autoincrement=True, nullable=False),
        sa.Column("key", sa.String(320), nullable=False),
        sa.Column("repository", sa.String(255), nullable=False),
        sa.Column("environment", sa.String(255), nullable=False),
        sa.Column("sha", sa.String(64), nullable=False),
        sa.Column("run_id", sa.BigInteger(), nullable=False),
        sa.Column("deployment_id", sa.BigInteger(), nullable=True),
        sa.Column("installation_id", sa.BigInteger(), nullable=True),
        sa.Column("protected", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(255), nullable=True),
        sa.Column("rationale", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_deployments"),
        sa.UniqueConstraint("key", name="uq_deployments_key"),
    )
    op.create_index("ix_deployments_state_created_at", "deployments", ["state", "created_at"])
    op.create_index(
        "ix_deployments_repository_environment_state_decided_at",
        "deployments",
        ["repository", "environment", "state", "decided_at"],
    )


def downgrade() -> None:
    op.drop_index(
        "ix_deployments_repository_environment_state_decided_at", table_name="deployments"
    )
    op.drop_index("ix_deployments_state_created_at", table_name="deployments")
    op.drop_table("deployments")
