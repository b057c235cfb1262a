"""The append-only audit log: every decision gatehouse makes, with who and why.

There is deliberately no way to change or remove an entry through gatehouse.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select

from app.store.database import Database
from app.store.schema import AuditRow

_PAGE = 500


@dataclass(frozen=True, slots=True)
class AuditRecord:
    seq: int
    at: datetime
    kind: str
    repository: str | None
    number: int | None
    actor: str | None
    summary: str
    detail: dict[str, Any]


def _to_record(row: AuditRow) -> AuditRecord:
    return AuditRecord(
        seq=row.seq,
        at=row.at,
        kind=row.kind,
        repository=row.repository,
        number=row.number,
        actor=row.actor,
        summary=row.summary,
        detail=dict(row.detail),
    )


def _aware(value: datetime | None, name: str) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValueError(f"{name}={value!r} has no time zone")
    return value


class AuditLog:
    def __init__(self, db: Database) -> None:
        self._db = db

    def append(
        self,
        kind: str,
        *,
        repository: str | None,
        number: int | None,
        actor: str | None,
        summary: str,
        detail: dict[str, Any] | None = None,
    ) -> AuditRecord:
        """Add one entry stamped with the store clock's time; committed on return."""
        row = AuditRow(
            at=self._db.now(),
            kind=kind,
            repository=repository,
            number=number,
            actor=actor,
            summary=summary,
            detail=dict(detail or {}),
        )
        with self._db.session() as session:
            session.add(row)
            session.flush()
            return _to_record(row)

    def for_pull(self, repository: str, number: int, limit: int = 500) -> list[AuditRecord]:
        """The latest ``limit`` entries about one pull request, oldest first."""
        query = (
            select(AuditRow)
            .where(AuditRow.repository == repository, AuditRow.number == number)
            .order_by(AuditRow.at.desc(), AuditRow.seq.desc())
            .limit(limit)
        )
        with self._db.session(write=False) as session:
            rows = [_to_record(row) for row in session.scalars(query)]
        return rows[::-1]

    def export(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        *,
        kinds: Collection[str] | None = None,
    ) -> Iterator[AuditRecord]:
        """Entries with ``since <= at < until``, oldest first (ties in append order); only
        those of ``kinds`` when given.

        Read in pages, each in its own short transaction, so a long export neither holds
        the database nor loads the whole log into memory.
        """
        since, until = _aware(since, "since"), _aware(until, "until")
        after: tuple[datetime, int] | None = None
        while True:
            query = select(AuditRow).order_by(AuditRow.at, AuditRow.seq).limit(_PAGE)
            if since is not None:
                query = query.where(AuditRow.at >= since)
            if until is not None:
                query = query.where(AuditRow.at < until)
            if kinds is not None:
                query = query.where(AuditRow.kind.in_(sorted(kinds)))
            if after is not None:
                at, seq = after
                query = query.where(
                    or_(AuditRow.at > at, and_(AuditRow.at == at, AuditRow.seq > seq))
                )
            with self._db.session(write=False) as session:
                page = [_to_record(row) for row in session.scalars(query)]
            yield from page
            if len(page) < _PAGE:
                return
            after = (page[-1].at, page[-1].seq)
