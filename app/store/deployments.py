"""Deployments gatehouse reviews as a custom deployment protection rule.

One row per deployment request (found again by its key, so a redelivery changes nothing),
moved once from ``waiting`` to ``approved`` or ``rejected``: :meth:`DeploymentStore.settle`
succeeds for exactly one caller however many race. The last approved deployment of an
environment is where the next one's changes are counted from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update

from app.store.database import Database, execute_dml, insert_ignore
from app.store.schema import DeploymentRow

WAITING = "waiting"
APPROVED = "approved"
REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class Deployment:
    id: int
    key: str
    repository: str
    environment: str
    sha: str
    run_id: int
    deployment_id: int | None
    installation_id: int | None
    protected: bool
    state: str
    detail: dict[str, Any]
    created_at: datetime
    decided_at: datetime | None
    decided_by: str | None
    rationale: str | None

    @property
    def waiting(self) -> bool:
        return self.state == WAITING


def _to_deployment(row: DeploymentRow) -> Deployment:
    return Deployment(
        id=row.id,
        key=row.key,
        repository=row.repository,
        environment=row.environment,
        sha=row.sha,
        run_id=row.run_id,
        deployment_id=row.deployment_id,
        installation_id=row.installation_id,
        protected=row.protected,
        state=row.state,
        detail=dict(row.detail),
        created_at=row.created_at,
        decided_at=row.decided_at,
        decided_by=row.decided_by,
        rationale=row.rationale,
    )


@dataclass(frozen=True, slots=True)
class NewDeployment:
    """A deployment request as GitHub sent it."""

    key: str
    repository: str
    environment: str
    sha: str
    run_id: int
    deployment_id: int | None
    installation_id: int | None
    protected: bool
    detail: dict[str, Any]


class DeploymentStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    def open(self, new: NewDeployment) -> Deployment:
        """The row for ``new.key``: created waiting, or the one stored before."""
        with self._db.session() as session:
            insert_ignore(
                session,
                DeploymentRow,
                {
                    "key": new.key,
                    "repository": new.repository,
                    "environment": new.environment,
                    "sha": new.sha,
                    "run_id": new.run_id,
                    "deployment_id": new.deployment_id,
                    "installation_id": new.installation_id,
                    "protected": new.protected,
                    "state": WAITING,
                    "detail": new.detail,
                    "created_at": self._db.now(),
                },
            )
        found = self.by_key(new.key)
        assert found is not None
        return found

    def get(self, deployment: int) -> Deployment | None:
        with self._db.session(write=False) as session:
            row = session.get(DeploymentRow, deployment)
            return None if row is None else _to_deployment(row)

    def by_key(self, key: str) -> Deployment | None:
        with self._db.session(write=False) as session:
            row = session.scalars(select(DeploymentRow).where(DeploymentRow.key == key)).first()
            return None if row is None else _to_deployment(row)

    def note(self, deployment: int, detail: dict[str, Any]) -> None:
        """Keep what a waiting deployment brings (a decided one stays as it was decided)."""
        with self._db.session() as session:
            execute_dml(
                session,
                update(DeploymentRow)
                .where(DeploymentRow.id == deployment, DeploymentRow.state == WAITING)
                .values(detail=detail),
            )

    def settle(self, deployment: int, state: str, by: str, rationale: str) -> bool:
        """Move a waiting deployment to ``state``; False when it was decided already."""
        if state not in (APPROVED, REJECTED):
            raise ValueError(f"a deployment is approved or rejected, not {state!r}")
        with self._db.session() as session:
            changed = execute_dml(
                session,
                update(DeploymentRow)
                .where(DeploymentRow.id == deployment, DeploymentRow.state == WAITING)
                .values(state=state, decided_by=by, rationale=rationale, decided_at=self._db.now()),
            )
        return changed == 1

    def last_approved(self, repository: str, environment: str) -> Deployment | None:
        """The protected deployment to ``environment`` approved last (by decision time)."""
        query = (
            select(DeploymentRow)
            .where(
                DeploymentRow.repository == repository,
                func.lower(DeploymentRow.environment) == environment.lower(),
                DeploymentRow.protected.is_(True),
                DeploymentRow.state == APPROVED,
            )
            .order_by(DeploymentRow.decided_at.desc(), DeploymentRow.id.desc())
            .limit(1)
        )
        with self._db.session(write=False) as session:
            row = session.scalars(query).first()
            return None if row is None else _to_deployment(row)

    def waiting(self) -> list[Deployment]:
        """Every deployment waiting for a decision, oldest first."""
        query = (
            select(DeploymentRow)
            .where(DeploymentRow.state == WAITING)
            .order_by(DeploymentRow.created_at, DeploymentRow.id)
        )
        with self._db.session(write=False) as session:
            return [_to_deployment(row) for row in session.scalars(query)]

    def recent_decisions(self, limit: int = 50) -> list[Deployment]:
        """The latest decided deployments, newest first."""
        query = (
            select(DeploymentRow)
            .where(DeploymentRow.state != WAITING)
            .order_by(DeploymentRow.decided_at.desc(), DeploymentRow.id.desc())
            .limit(limit)
        )
        with self._db.session(write=False) as session:
            return [_to_deployment(row) for row in session.scalars(query)]
