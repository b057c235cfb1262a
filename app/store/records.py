"""One JSON document per pull request, updated with optimistic concurrency.

gatehouse keeps what it knows about a pull request (who was asked, the Jira key, SLA
clocks, open disagreements) in one document. :meth:`RecordStore.update` reads it, applies a
pure function outside any transaction, and writes only if nobody changed the document in
between (a version number decides); otherwise it re-reads and re-applies. Replicas never
overwrite each other's changes, and no lock is held while the function runs.

Inside :meth:`RecordStore.batched` (one delivery's decision), a document is read once and
every update is applied to that view; the updates are stored together when the block ends,
re-applied in order to the stored document like any other update. A decision that touches
its record five times costs one write instead of five, which is what one SQLite writer
notices under a burst.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import partial
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


Updater = Callable[[Document], Document | None]


@dataclass
class _Pending:
    """A document's view inside a batch and the updates that made it."""

    view: Document
    updates: list[Updater] = field(default_factory=list)


def _apply(fn: Updater, document: Document) -> Document:
    outcome = fn(document)
    return document if outcome is None else outcome


class RecordStore:
    def __init__(self, db: Database) -> None:
        self._db = db
        # Each store has its own batches (a store is made once per service).
        self._batch: ContextVar[dict[tuple[str, int], _Pending] | None] = ContextVar(
            f"gatehouse_record_batch_{id(self)}", default=None
        )

    def load(self, repository: str, number: int) -> Document:
        """The document for a pull request; ``{}`` if gatehouse has none yet."""
        pending = self._pending(repository, number)
        if pending is not None:
            return copy.deepcopy(pending.view)
        return self._read(repository, number)[0]

    @contextmanager
    def batched(self) -> Iterator[None]:
        """Hold updates made in this block (this thread) and store them when it ends, even
        when it raises: what was recorded before an error is kept, as without a batch."""
        if self._batch.get() is not None:
            yield  # already inside one: the outer block stores everything
            return
        pending: dict[tuple[str, int], _Pending] = {}
        token = self._batch.set(pending)
        try:
            yield
        finally:
            self._batch.reset(token)
            for (repository, number), item in pending.items():
                if item.updates:
                    self.update(repository, number, partial(self._replay, list(item.updates)))

    @staticmethod
    def _replay(updates: list[Updater], document: Document) -> Document:
        for fn in updates:
            document = _apply(fn, document)
        return document

    def _pending(self, repository: str, number: int) -> _Pending | None:
        batch = self._batch.get()
        if batch is None:
            return None
        key = (repository, number)
        if key not in batch:
            batch[key] = _Pending(self._read(repository, number)[0])
        return batch[key]

    def _read(self, repository: str, number: int) -> tuple[Document, int | None]:
        with self._db.session(write=False) as session:
            row = session.get(PullRecordRow, (repository, number))
            if row is None:
                return {}, None
            return copy.deepcopy(row.document), row.version

    def update(self, repository: str, number: int, fn: Updater) -> Document:
        """Apply ``fn`` to the current document and store the outcome; return it.

        ``fn`` gets a private copy: it may change it in place and return None, or return a
        new document. It may run more than once (after a concurrent change), so it must
        have no other effect. Nothing is written when the outcome equals the stored one.
        """
        pending = self._pending(repository, number)
        if pending is not None:
            pending.view = _apply(fn, copy.deepcopy(pending.view))
            pending.updates.append(fn)
            return copy.deepcopy(pending.view)
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
