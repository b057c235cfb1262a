"""Exactly-once outside effects: one Jira ticket, one Slack message, one comment per PR.

Usage::

    claim = effects.claim("jira-ticket:org/repo#7", owner, lease_seconds=60)
    if claim.acquired:
        try:
            issue = jira.create_issue(...)
        except Exception:
            effects.release(claim.key, owner)
            raise
        effects.complete(claim.key, owner, {"key": issue.key})
    elif claim.done:
        issue_key = claim.result["key"]
    else:  # busy: another worker is doing it right now
        ...try again later

One claimant at a time holds a key (a lease, so a crashed holder is replaced once its lease
expires); once completed, every later claim returns the stored result. The only way an
effect happens twice is a holder that outlives its lease and still acts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import update

from app.store.database import Database, execute_dml, insert_ignore
from app.store.schema import EffectRow


class ClaimStatus(StrEnum):
    ACQUIRED = "acquired"
    DONE = "done"
    BUSY = "busy"


@dataclass(frozen=True, slots=True)
class Claim:
    """The answer to :meth:`EffectStore.claim`.

    ``result`` is set when ``done``; ``holder`` and ``lease_expires_at`` when ``busy``.
    """

    key: str
    status: ClaimStatus
    result: dict[str, Any] | None = None
    holder: str | None = None
    lease_expires_at: datetime | None = None

    @property
    def acquired(self) -> bool:
        return self.status is ClaimStatus.ACQUIRED

    @property
    def done(self) -> bool:
        return self.status is ClaimStatus.DONE

    @property
    def busy(self) -> bool:
        return self.status is ClaimStatus.BUSY


@dataclass(frozen=True, slots=True)
class Effect:
    key: str
    done: bool
    owner: str | None
    attempts: int
    result: dict[str, Any] | None
    last_error: str | None
    created_at: datetime
    completed_at: datetime | None


_RUNNING = "running"
_DONE = "done"


class EffectStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    def claim(self, key: str, owner: str, lease_seconds: float) -> Claim:
        """Acquire the right to perform ``key``'s effect, or learn it is done or busy."""
        now = self._db.now()
        expires = now + timedelta(seconds=lease_seconds)
        with self._db.session() as session:
            fresh = insert_ignore(
                session,
                EffectRow,
                {
                    "key": key,
                    "state": _RUNNING,
                    "owner": owner,
                    "lease_expires_at": expires,
                    "attempts": 1,
                    "created_at": now,
                },
            )
            if fresh:
                return Claim(key, ClaimStatus.ACQUIRED)
            # A released or abandoned claim (lease over) is taken over by exactly one.
            taken = execute_dml(
                session,
                update(EffectRow)
                .where(
                    EffectRow.key == key,
                    EffectRow.state == _RUNNING,
                    EffectRow.lease_expires_at <= now,
                )
                .values(owner=owner, lease_expires_at=expires, attempts=EffectRow.attempts + 1),
            )
            if taken == 1:
                return Claim(key, ClaimStatus.ACQUIRED)
            row = session.get_one(EffectRow, key, populate_existing=True)
            if row.state == _DONE:
                return Claim(key, ClaimStatus.DONE, result=dict(row.result or {}))
            return Claim(
                key, ClaimStatus.BUSY, holder=row.owner, lease_expires_at=row.lease_expires_at
            )

    def complete(self, key: str, owner: str, result: dict[str, Any]) -> bool:
        """Record the effect as done with ``result``; False if ``owner`` lost the claim."""
        with self._db.session() as session:
            changed = execute_dml(
                session,
                update(EffectRow)
                .where(EffectRow.key == key, EffectRow.owner == owner, EffectRow.state == _RUNNING)
                .values(
                    state=_DONE,
                    result=result,
                    lease_expires_at=None,
                    completed_at=self._db.now(),
                ),
            )
        return changed == 1

    def release(self, key: str, owner: str, error: str | None = None) -> bool:
        """Give the claim back after a failure, so the next claim may try again."""
        with self._db.session() as session:
            changed = execute_dml(
                session,
                update(EffectRow)
                .where(EffectRow.key == key, EffectRow.owner == owner, EffectRow.state == _RUNNING)
                .values(owner=None, lease_expires_at=self._db.now(), last_error=error),
            )
        return changed == 1

    def get(self, key: str) -> Effect | None:
        with self._db.session(write=False) as session:
            row = session.get(EffectRow, key)
            if row is None:
                return None
            return Effect(
                key=row.key,
                done=row.state == _DONE,
                owner=row.owner,
                attempts=row.attempts,
                result=row.result,
                last_error=row.last_error,
                created_at=row.created_at,
                completed_at=row.completed_at,
            )
