"""Deployments gatehouse reviews: one row per request, decided once, and the last
approved one of an environment."""

from __future__ import annotations

from dataclasses import replace

import pytest

from app.store import Database
from app.store.deployments import APPROVED, REJECTED, DeploymentStore, NewDeployment
from tests.dbutil import ManualClock

REQUEST = NewDeployment(
    key="acme/web:production:deployment-1",
    repository="acme/web",
    environment="production",
    sha="a" * 40,
    run_id=11,
    deployment_id=1,
    installation_id=7,
    protected=True,
    detail={"ref": "main"},
)


def test_a_request_opens_one_waiting_row_found_again_by_its_key(database: Database) -> None:
    store = DeploymentStore(database)
    first = store.open(REQUEST)
    again = store.open(replace(REQUEST, sha="b" * 40))
    assert first == again and first.waiting and first.sha == "a" * 40
    assert store.waiting() == [first]
    assert store.get(first.id) == first and store.get(first.id + 1) is None


def test_a_deployment_is_decided_once(database: Database) -> None:
    store = DeploymentStore(database)
    row = store.open(REQUEST)
    assert store.settle(row.id, APPROVED, "alan-sherman", "checked")
    assert not store.settle(row.id, REJECTED, "antonia-gaete", "too late")
    decided = store.get(row.id)
    assert decided is not None
    assert (decided.state, decided.decided_by, decided.rationale) == (
        APPROVED,
        "alan-sherman",
        "checked",
    )
    store.note(row.id, {"changed": True})  # a decided deployment keeps what it was decided on
    assert store.get(row.id) == decided
    assert store.waiting() == [] and store.recent_decisions() == [decided]
    with pytest.raises(ValueError, match="approved or rejected"):
        store.settle(row.id, "waiting", "x", "y")


def test_the_last_approved_deployment_is_the_latest_decided_of_its_environment(
    database: Database, clock: ManualClock
) -> None:
    store = DeploymentStore(database)
    older = store.open(REQUEST)
    newer = store.open(replace(REQUEST, key="k2", sha="b" * 40, deployment_id=2))
    rejected = store.open(replace(REQUEST, key="k3", sha="c" * 40, deployment_id=3))
    elsewhere = store.open(replace(REQUEST, key="k4", environment="staging", sha="d" * 40))
    unprotected = store.open(replace(REQUEST, key="k5", protected=False, sha="e" * 40))
    assert store.last_approved("acme/web", "production") is None
    store.settle(newer.id, APPROVED, "gatehouse", "clear")
    clock.advance(60)
    store.settle(older.id, APPROVED, "alan-sherman", "checked")  # deployed last
    clock.advance(60)
    for row in (rejected, elsewhere, unprotected):
        store.settle(row.id, REJECTED if row is rejected else APPROVED, "gatehouse", "x")
    last = store.last_approved("acme/web", "Production")
    assert last is not None and last.sha == "a" * 40
    assert store.last_approved("acme/other", "production") is None
