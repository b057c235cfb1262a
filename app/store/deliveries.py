"""The durable queue of webhook deliveries.

Guarantees:

- A delivery id is recorded once, even when two replicas insert it at the same moment
  (a unique constraint decides; the loser gets ``False``).
- Deliveries that share an ``ordering_key`` (one pull request) are processed one at a
  time, in the order they were recorded; different keys are processed in parallel.
- A claim is a lease: if its owner dies, the delivery becomes claimable again once the
  lease expires, so nothing recorded is ever lost. Its owner renews it for as long as it
  works (:meth:`DeliveryStore.renew`), so a live owner's claim is never taken over.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, bindparam, delete, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from app.store.database import Database, execute_dml, lock_key
from app.store.schema import DeliveryRow

_CLAIM_TRIES = 5


class DeliveryState(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


_UNFINISHED = (DeliveryState.PENDING, DeliveryState.RUNNING)


@dataclass(frozen=True, slots=True)
class Delivery:
    """A recorded delivery; ``attempts`` counts claims, this one included."""

    seq: int
    delivery_id: str
    event: str
    action: str | None
    payload: bytes
    repository: str | None
    ordering_key: str
    installation_id: int | None
    attempts: int
    received_at: datetime
    state: DeliveryState = DeliveryState.PENDING
    last_error: str | None = None
    lease_owner: str | None = None
    lease_expires_at: datetime | None = None


def _to_delivery(row: DeliveryRow) -> Delivery:
    return Delivery(
        seq=row.seq,
        delivery_id=row.delivery_id,
        event=row.event,
        action=row.action,
        payload=row.payload,
        repository=row.repository,
        ordering_key=row.ordering_key,
        installation_id=row.installation_id,
        attempts=row.attempts,
        received_at=row.received_at,
        state=DeliveryState(row.state),
        last_error=row.last_error,
        lease_owner=row.lease_owner,
        lease_expires_at=row.lease_expires_at,
    )


def _claimable() -> ColumnElement[bool]:
    """Ready at ``:now``, its key's earlier deliveries finished, no live claim on its key."""
    d = DeliveryRow
    now = bindparam("now", type_=DeliveryRow.__table__.c.available_at.type)
    earlier = aliased(DeliveryRow)
    other = aliased(DeliveryRow)
    ready = or_(
        and_(d.state == DeliveryState.PENDING, d.available_at <= now),
        and_(d.state == DeliveryState.RUNNING, d.lease_expires_at <= now),
    )
    earlier_unfinished = exists().where(
        earlier.ordering_key == d.ordering_key,
        earlier.seq < d.seq,
        earlier.state.in_(_UNFINISHED),
    )
    # Guards the rare case of an earlier id committed after a later one was claimed.
    key_in_flight = exists().where(
        other.ordering_key == d.ordering_key,
        other.seq != d.seq,
        other.state == DeliveryState.RUNNING,
        other.lease_expires_at > now,
    )
    return and_(ready, ~earlier_unfinished, ~key_in_flight)


# Built once: every intake thread claims many times a second under a burst, and composing
# the ORM criterion anew each time cost more CPU than running it. Values come as bound
# parameters (``now``, ``claim_seq``, ``claim_owner``, ``claim_expires``).
_CLAIMABLE = _claimable()
_FIRST_CLAIMABLE = (
    select(DeliveryRow.seq, DeliveryRow.ordering_key)
    .where(_CLAIMABLE)
    .order_by(DeliveryRow.seq)
    .limit(1)
    .with_for_update(skip_locked=True, of=DeliveryRow)
)
_TAKE = (
    update(DeliveryRow)
    .where(DeliveryRow.seq == bindparam("claim_seq"), _CLAIMABLE)
    .values(
        state=DeliveryState.RUNNING,
        lease_owner=bindparam("claim_owner"),
        lease_expires_at=bindparam(
            "claim_expires", type_=DeliveryRow.__table__.c.lease_expires_at.type
        ),
        attempts=DeliveryRow.attempts + 1,
    )
)


class DeliveryStore:
    """Record, claim and settle webhook deliveries."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def record(
        self,
        delivery_id: str,
        event: str,
        action: str | None,
        payload: bytes,
        *,
        repository: str | None,
        ordering_key: str,
        installation_id: int | None,
    ) -> bool:
        """Store a delivery for processing; ``False`` if this id was already recorded.

        When this returns, the delivery is committed: answering 2xx is safe.
        """
        now = self._db.now()
        row = DeliveryRow(
            delivery_id=delivery_id,
            event=event,
            action=action,
            payload=payload,
            repository=repository,
            ordering_key=ordering_key,
            installation_id=installation_id,
            state=DeliveryState.PENDING,
            attempts=0,
            received_at=now,
            available_at=now,
        )
        try:
            with self._db.session() as session:
                session.add(row)
        except IntegrityError:
            if self.get(delivery_id) is not None:
                return False
            raise
        return True

    def claim(self, owner: str, lease_seconds: float) -> Delivery | None:
        """Take the oldest delivery that may run now, leased to ``owner``; None if none.

        Atomic across threads and processes: a delivery is handed to one claimant only.
        """
        for _ in range(_CLAIM_TRIES):
            now = self._db.now()
            with self._db.session() as session:
                candidate = session.execute(_FIRST_CLAIMABLE, {"now": now}).first()
                if candidate is None:
                    return None
                seq, key = candidate
                lock_key(session, f"delivery:{key}")
                taken = execute_dml(
                    session,
                    _TAKE,
                    {
                        "now": now,
                        "claim_seq": seq,
                        "claim_owner": owner,
                        "claim_expires": now + timedelta(seconds=lease_seconds),
                    },
                )
                if taken == 1:
                    row = session.get_one(DeliveryRow, seq, populate_existing=True)
                    return _to_delivery(row)
        return None

    def extend(self, delivery_id: str, owner: str, lease_seconds: float) -> bool:
        """Renew ``owner``'s lease from now; False if the claim was lost."""
        expires = self._db.now() + timedelta(seconds=lease_seconds)
        return self._settle(delivery_id, owner, lease_expires_at=expires)

    def renew(self, delivery_ids: Collection[str], owner: str, lease_seconds: float) -> set[str]:
        """Renew ``owner``'s leases on ``delivery_ids`` from now, in one statement.

        Returns the ids renewed; the others are no longer ``owner``'s (settled, or taken
        over after their lease ran out).
        """
        if not delivery_ids:
            return set()
        expires = self._db.now() + timedelta(seconds=lease_seconds)
        statement = (
            update(DeliveryRow)
            .where(
                DeliveryRow.delivery_id.in_(list(delivery_ids)),
                DeliveryRow.lease_owner == owner,
                DeliveryRow.state == DeliveryState.RUNNING,
            )
            .values(lease_expires_at=expires)
            .returning(DeliveryRow.delivery_id)
        )
        with self._db.transaction() as connection:
            return set(connection.scalars(statement))

    def complete(self, delivery_id: str, owner: str) -> bool:
        """Mark processed; False if ``owner`` no longer holds the claim."""
        return self._settle(
            delivery_id,
            owner,
            state=DeliveryState.DONE,
            lease_owner=None,
            lease_expires_at=None,
            finished_at=self._db.now(),
        )

    def retry(self, delivery_id: str, owner: str, error: str, delay_seconds: float) -> bool:
        """Put back for another attempt after ``delay_seconds``.

        Later deliveries of the same key keep waiting behind it, so order is kept.
        """
        at = self._db.now() + timedelta(seconds=delay_seconds)
        return self._put_back(delivery_id, owner, error, at)

    def postpone(self, delivery_id: str, owner: str, error: str, until: datetime) -> bool:
        """Put back until ``until`` without counting the attempt: the work was held back
        (GitHub's rate limits), it did not fail, so waiting never makes it give up."""
        at = max(until, self._db.now())
        return self._put_back(delivery_id, owner, error, at, attempts=DeliveryRow.attempts - 1)

    def _put_back(
        self, delivery_id: str, owner: str, error: str, at: datetime, **more: object
    ) -> bool:
        return self._settle(
            delivery_id,
            owner,
            state=DeliveryState.PENDING,
            lease_owner=None,
            lease_expires_at=None,
            available_at=at,
            last_error=error,
            **more,
        )

    def give_up(self, delivery_id: str, owner: str, error: str) -> bool:
        """Mark failed for good; the next delivery of its key may run."""
        return self._settle(
            delivery_id,
            owner,
            state=DeliveryState.FAILED,
            lease_owner=None,
            lease_expires_at=None,
            finished_at=self._db.now(),
            last_error=error,
        )

    def _settle(self, delivery_id: str, owner: str, **values: object) -> bool:
        with self._db.session() as session:
            changed = execute_dml(
                session,
                update(DeliveryRow)
                .where(
                    DeliveryRow.delivery_id == delivery_id,
                    DeliveryRow.lease_owner == owner,
                    DeliveryRow.state == DeliveryState.RUNNING,
                )
                .values(**values),
            )
        return changed == 1

    def get(self, delivery_id: str) -> Delivery | None:
        with self._db.session(write=False) as session:
            row = session.scalars(
                select(DeliveryRow).where(DeliveryRow.delivery_id == delivery_id)
            ).first()
            return None if row is None else _to_delivery(row)

    def pending_count(self) -> int:
        """Deliveries not yet done or failed (waiting or being processed)."""
        with self._db.session(write=False) as session:
            count = session.scalar(
                select(func.count())
                .select_from(DeliveryRow)
                .where(DeliveryRow.state.in_(_UNFINISHED))
            )
            return int(count or 0)

    def prune(self, finished_before: datetime) -> int:
        """Delete processed deliveries finished before ``finished_before``; how many.

        Failed ones are kept: they are the evidence of what could not be handled.
        """
        with self._db.session() as session:
            return execute_dml(
                session,
                delete(DeliveryRow).where(
                    DeliveryRow.state == DeliveryState.DONE,
                    DeliveryRow.finished_at < finished_before,
                ),
            )
