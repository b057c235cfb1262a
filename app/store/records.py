"""One JSON document per pull request, updated with optimistic concurrency.

gatehouse keeps what it knows about a pull request (who was asked, the Jira key, SLA
clocks, open disagreements) in one document. :meth:`RecordStore.update` reads it, applies a
pure function outside any transaction, and writes only if nobody changed the document in
between (a version number decides); otherwise it re-reads and re-applies. Replicas never
overwrite each other's changes, and no lock is held while the function runs.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.store.database import Database, execute_dml
from app.store.schema import PullRecordRow

Document = dict[str, Any]
_MAX_TRIES = 50


class ConflictError(RuntimeError):
    """A document kept changing under :meth:`RecordStore.update` until it gave up."""


def _is_closed(document: Document) -> bool:
    return document.get("closed") is True


class RecordStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    def load(self, repository: str, number: int) -> Document:
        """The document for a pull request; ``{}`` if gatehouse has none yet."""
        return self._read(repository, number)[0]

    def _read(self, repository: str, number: int) -> tuple[Document, int | None]:
        with self._db.session(write=False) as session:
            row = session.get(PullRecordRow, (repository, number))
            if row is None:
                return {}, None
            return copy.deepcopy(row.document), row.version

    def update(
        self, repository: str, number: int, fn: Callable[[Document], Document | None]
    ) -> Document:
        """Apply ``fn`` to the current document and store the outcome; return it.

        ``fn`` gets a private copy: it may change it in place and return None, or return a
        new document. It may run more than once (after a concurrent change), so it must
        have no other effect. Nothing is written when the outcome equals the stored one.
        """
        for _ in range(_MAX_TRIES):
            current, version = self._read(repository, number)
            draft = copy.deepcopy(current)
            outcome = fn(draft)
            document = draft if outcome is None else outcome
            if version is not None and document == current:
                return document
            if self._write(repository, number, document, version):
                return copy.deepcopy(document)
        raise ConflictError(f"{repository}#{number}: document changed {_MAX_TRIES} times over")

    def _write(self, repository: str, number: int, document: Document, version: int | None) -> bool:
        now = self._db.now()
        if version is None:
            row = PullRecordRow(
                repository=repository,
                number=number,
                document=document,
                version=1,
                closed=_is_closed(document),
                updated_at=now,
            )
            try:
                with self._db.session() as session:
                    session.add(row)
            except IntegrityError:
                return False  # created concurrently: re-read and re-apply
            return True
        with self._db.session() as session:
            changed = execute_dml(
                session,
                update(PullRecordRow)
                .where(
                    PullRecordRow.repository == repository,
                    PullRecordRow.number == number,
                    PullRecordRow.version == version,
                )
                .values(
                    document=document,
                    version=version + 1,
                    closed=_is_closed(document),
                    updated_at=now,
                ),
            )
        return changed == 1

    def all_open(self) -> list[tuple[str, int, Document]]:
        """Every document whose ``closed`` is not true, by repository and number."""
        with self._db.session(write=False) as session:
            rows = session.scalars(
                select(PullRecordRow)
                .where(PullRecordRow.closed.is_(False))
                .order_by(PullRecordRow.repository, PullRecordRow.number)
            ).all()
            return [(row.repository, row.number, copy.deepcopy(row.document)) for row in rows]
