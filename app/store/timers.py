"""Durable clocks: SLA deadlines, reminders, joint-review windows.

A timer is keyed by what it is about (``sla:org/repo#7:platform-engineering``), so
scheduling it again moves it instead of adding a second one. A due timer is claimed by
one replica under a lease, which that replica renews while it runs the timer
(:meth:`TimerStore.renew`); if it dies before :meth:`TimerStore.finish`, the timer fires
again after the lease, so a handler must tolerate running twice.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, update

from app.store.database import Database, execute_dml, insert_ignore
from app.store.schema import TimerRow


class TimerState(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    CANCELLED = "cancelled"


_ARMED = (TimerState.PENDING, TimerState.RUNNING)


@dataclass(frozen=True, slots=True)
class Timer:
    key: str
    kind: str
    due_at: datetime
    payload: dict[str, Any]
    state: TimerState
    attempts: int


def _to_timer(row: TimerRow) -> Timer:
    return Timer(
        key=row.key,
        kind=row.kind,
        due_at=row.due_at,
        payload=dict(row.payload),
        state=TimerState(row.state),
        attempts=row.attempts,
    )


def _due(now: datetime) -> ColumnElement[bool]:
    return or_(
        and_(TimerRow.state == TimerState.PENDING, TimerRow.due_at <= now),
        and_(TimerRow.state == TimerState.RUNNING, TimerRow.lease_expires_at <= now),
    )


class TimerStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    def schedule(
        self,
        key: str,
        kind: str,
        due_at: datetime,
        payload: dict[str, Any],
        *,
        rearm: bool = False,
    ) -> Timer:
        """Arm ``key`` to fire at ``due_at``, or move it if already armed.

        Scheduling the same thing again changes nothing (redelivered events are safe).
        A timer that already fired stays done unless ``rearm``; a cancelled one is armed
        again. Moving a timer that is being handled makes that run's ``finish`` fail, so
        the new time is kept.
        """
        now = self._db.now()
        values = {"kind": kind, "due_at": due_at, "payload": payload}
        with self._db.session() as session:
            inserted = insert_ignore(
                session,
                TimerRow,
                {
                    "key": key,
                    **values,
                    "state": TimerState.PENDING,
                    "attempts": 0,
                    "created_at": now,
                    "updated_at": now,
                },
            )
            row = session.scalars(
                select(TimerRow)
                .where(TimerRow.key == key)
                .with_for_update()
                .execution_options(populate_existing=True)
            ).one()
            if inserted or (row.state == TimerState.DONE and not rearm):
                return _to_timer(row)
            unchanged = (row.kind, row.due_at, row.payload) == (kind, due_at, payload)
            if row.state in _ARMED and unchanged:
                return _to_timer(row)
            row.kind, row.due_at, row.payload = kind, due_at, payload
            row.state = TimerState.PENDING
            row.owner = None
            row.lease_expires_at = None
            row.finished_at = None
            row.updated_at = now
            session.flush()
            return _to_timer(row)

    def cancel(self, key: str) -> bool:
        """Disarm ``key``; False if it was not armed."""
        with self._db.session() as session:
            changed = execute_dml(
                session,
                update(TimerRow)
                .where(TimerRow.key == key, TimerRow.state.in_(_ARMED))
                .values(
                    state=TimerState.CANCELLED,
                    owner=None,
                    lease_expires_at=None,
                    updated_at=self._db.now(),
                ),
            )
        return changed == 1

    def claim_due(self, owner: str, lease_seconds: float, limit: int = 20) -> list[Timer]:
        """Up to ``limit`` due timers, earliest first, each handed to one owner only.

        Due means pending with ``due_at`` passed, or claimed by someone whose lease ran out.
        """
        now = self._db.now()
        due = _due(now)
        with self._db.session() as session:
            keys: Sequence[str] = session.scalars(
                select(TimerRow.key)
                .where(due)
                .order_by(TimerRow.due_at, TimerRow.key)
                .limit(limit)
                .with_for_update(skip_locked=True)
            ).all()
            if not keys:
                return []
            execute_dml(
                session,
                update(TimerRow)
                .where(TimerRow.key.in_(keys), due)
                .values(
                    state=TimerState.RUNNING,
                    owner=owner,
                    lease_expires_at=now + timedelta(seconds=lease_seconds),
                    attempts=TimerRow.attempts + 1,
                    updated_at=now,
                ),
            )
            rows = session.scalars(
                select(TimerRow)
                .where(
                    TimerRow.key.in_(keys),
                    TimerRow.owner == owner,
                    TimerRow.state == TimerState.RUNNING,
                )
                .order_by(TimerRow.due_at, TimerRow.key)
                .execution_options(populate_existing=True)
            ).all()
            return [_to_timer(row) for row in rows]

    def finish(self, key: str, owner: str) -> bool:
        """Mark a claimed timer done; False if it was moved, cancelled or taken over."""
        now = self._db.now()
        return self._release(
            key, owner, now, state=TimerState.DONE, lease_expires_at=None, finished_at=now
        )

    def _release(self, key: str, owner: str, now: datetime, **values: object) -> bool:
        """Let go of ``owner``'s claim on a running timer, setting ``values``; False when
        ``owner`` no longer held it."""
        with self._db.session() as session:
            changed = execute_dml(
                session,
                update(TimerRow)
                .where(
                    TimerRow.key == key,
                    TimerRow.owner == owner,
                    TimerRow.state == TimerState.RUNNING,
                )
                .values(owner=None, updated_at=now, **values),
            )
        return changed == 1

    def renew(self, keys: Collection[str], owner: str, lease_seconds: float) -> set[str]:
        """Renew ``owner``'s leases on ``keys`` from now, in one statement; the keys renewed.

        A key missing from the answer was moved, cancelled or taken over meanwhile.
        """
        if not keys:
            return set()
        now = self._db.now()
        statement = (
            update(TimerRow)
            .where(
                TimerRow.key.in_(list(keys)),
                TimerRow.owner == owner,
                TimerRow.state == TimerState.RUNNING,
            )
            .values(lease_expires_at=now + timedelta(seconds=lease_seconds))
            .returning(TimerRow.key)
        )
        with self._db.transaction() as connection:
            return set(connection.scalars(statement))

    def retry_later(self, key: str, owner: str, delay_seconds: float) -> bool:
        """Let go of a claimed timer whose handler failed: it is due again in
        ``delay_seconds``, for any replica. False if ``owner`` no longer held it."""
        now = self._db.now()
        return self._release(
            key, owner, now, lease_expires_at=now + timedelta(seconds=delay_seconds)
        )

    def get(self, key: str) -> Timer | None:
        with self._db.session(write=False) as session:
            row = session.get(TimerRow, key)
            return None if row is None else _to_timer(row)

    def pending(self) -> list[Timer]:
        """Armed timers (waiting or being handled), earliest first."""
        with self._db.session(write=False) as session:
            rows = session.scalars(
                select(TimerRow)
                .where(TimerRow.state.in_(_ARMED))
                .order_by(TimerRow.due_at, TimerRow.key)
            ).all()
            return [_to_timer(row) for row in rows]
