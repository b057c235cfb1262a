"""The tables gatehouse keeps, as typed SQLAlchemy models.

The Alembic migrations in ``app/store/migrations`` create exactly these tables; a test
compares the two (autogenerate must find no difference), so a change here needs a new
migration. Times are stored as UTC and always come back timezone-aware.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Dialect,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is written as UTC and read back timezone-aware.

    SQLite keeps no offset, PostgreSQL returns the session's zone; both come back as UTC.
    A naive datetime is refused: its meaning would depend on the machine's zone.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: gatehouse stores aware UTC times")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        bytes: LargeBinary(),
    }


# SQLite only auto-numbers a column declared exactly INTEGER PRIMARY KEY.
_SEQUENCE = BigInteger().with_variant(Integer(), "sqlite")


class DeliveryRow(Base):
    """One GitHub webhook delivery, from the moment it was answered 2xx until processed.

    ``state`` is ``pending`` (waiting, from ``available_at``), ``running`` (claimed by
    ``lease_owner`` until ``lease_expires_at``), ``done`` or ``failed``.
    """

    __tablename__ = "deliveries"
    __table_args__ = (
        Index(None, "state", "available_at"),
        Index(None, "ordering_key", "seq"),
    )

    seq: Mapped[int] = mapped_column(_SEQUENCE, primary_key=True, autoincrement=True)
    delivery_id: Mapped[str] = mapped_column(String(128), unique=True)
    event: Mapped[str] = mapped_column(String(64))
    action: Mapped[str | None] = mapped_column(String(64))
    payload: Mapped[bytes]
    repository: Mapped[str | None] = mapped_column(String(255))
    ordering_key: Mapped[str] = mapped_column(String(320))
    installation_id: Mapped[int | None] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime]
    available_at: Mapped[datetime]
    lease_owner: Mapped[str | None] = mapped_column(String(255))
    lease_expires_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)


class EffectRow(Base):
    """An outside effect (ticket, message, comment) done at most once per ``key``.

    ``state`` is ``running`` while ``owner`` holds the lease, ``done`` with ``result``.
    """

    __tablename__ = "effects"

    key: Mapped[str] = mapped_column(String(320), primary_key=True)
    state: Mapped[str] = mapped_column(String(16))
    owner: Mapped[str | None] = mapped_column(String(255))
    lease_expires_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer)
    result: Mapped[dict[str, Any] | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]


class PullRecordRow(Base):
    """gatehouse's JSON document about one pull request, versioned for optimistic updates."""

    __tablename__ = "pull_records"
    __table_args__ = (Index(None, "closed"),)

    repository: Mapped[str] = mapped_column(String(255), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    document: Mapped[dict[str, Any]]
    version: Mapped[int] = mapped_column(Integer)
    closed: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime]


class AssignmentCursorRow(Base):
    """Where round-robin resumes for one reviewing group."""

    __tablename__ = "assignment_cursors"

    group_name: Mapped[str] = mapped_column(String(128), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    last_login: Mapped[str | None] = mapped_column(String(255))
    updated_at: Mapped[datetime]


class AssignmentRow(Base):
    """Who was chosen for one group on one pull request; ``open`` while the PR is."""

    __tablename__ = "assignments"
    __table_args__ = (Index(None, "group_name", "login", "open"),)

    repository: Mapped[str] = mapped_column(String(255), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_name: Mapped[str] = mapped_column(String(128), primary_key=True)
    login: Mapped[str] = mapped_column(String(255))
    open: Mapped[bool] = mapped_column(Boolean)
    assigned_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]


class TimerRow(Base):
    """A clock (SLA, reminder, joint review) that fires once at ``due_at``.

    ``state`` is ``pending``, ``running`` (claimed under a lease), ``done`` or
    ``cancelled``.
    """

    __tablename__ = "timers"
    __table_args__ = (Index(None, "state", "due_at"),)

    key: Mapped[str] = mapped_column(String(320), primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    due_at: Mapped[datetime]
    payload: Mapped[dict[str, Any]]
    state: Mapped[str] = mapped_column(String(16))
    owner: Mapped[str | None] = mapped_column(String(255))
    lease_expires_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]


class AuditRow(Base):
    """One entry of the append-only audit log."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index(None, "at", "seq"),
        Index(None, "repository", "number"),
    )

    seq: Mapped[int] = mapped_column(_SEQUENCE, primary_key=True, autoincrement=True)
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(64))
    repository: Mapped[str | None] = mapped_column(String(255))
    number: Mapped[int | None] = mapped_column(Integer)
    actor: Mapped[str | None] = mapped_column(String(255))
    summary: Mapped[str] = mapped_column(Text)
    detail: Mapped[dict[str, Any]]


class AwayPeriodRow(Base):
    """A member's away period set on ``/me``: both days included, in the SLA timezone."""

    __tablename__ = "away_periods"
    __table_args__ = (Index(None, "login"),)

    id: Mapped[int] = mapped_column(_SEQUENCE, primary_key=True, autoincrement=True)
    login: Mapped[str] = mapped_column(String(255))
    first_day: Mapped[str] = mapped_column(String(10))
    last_day: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime]


class DeploymentRow(Base):
    """A deployment gatehouse was asked to approve as a custom deployment protection rule.

    ``key`` names it once (repository, environment, GitHub's deployment or run), so a
    redelivered request finds the same row. ``state`` is ``waiting`` (for Platform
    Engineering), ``approved`` or ``rejected``; ``detail`` holds what it brings and why
    it waits. ``protected`` is false for an environment gatehouse does not protect.
    """

    __tablename__ = "deployments"
    __table_args__ = (
        Index(None, "state", "created_at"),
        Index(None, "repository", "environment", "state", "decided_at"),
    )

    id: Mapped[int] = mapped_column(_SEQUENCE, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(320), unique=True)
    repository: Mapped[str] = mapped_column(String(255))
    environment: Mapped[str] = mapped_column(String(255))
    sha: Mapped[str] = mapped_column(String(64))
    run_id: Mapped[int] = mapped_column(BigInteger)
    deployment_id: Mapped[int | None] = mapped_column(BigInteger)
    installation_id: Mapped[int | None] = mapped_column(BigInteger)
    protected: Mapped[bool] = mapped_column(Boolean)
    state: Mapped[str] = mapped_column(String(16))
    detail: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(255))
    rationale: Mapped[str | None] = mapped_column(Text)
