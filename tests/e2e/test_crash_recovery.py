"""A process killed mid-delivery leaves no check hanging: the restarted service finishes it.

These tests run ``gatehouse serve`` as real processes and kill them with SIGKILL, so time
here is the wall clock of those processes (the sandbox's fakes read the same clock).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from app.container import Runtime
from app.sandbox.fake_github import payloads as hooks
from app.sandbox.service_process import ServiceProcess, wait_until
from app.sandbox.world import AUTHOR, REPO, SECRET, Sandbox, SandboxOptions
from app.store import Database, DeliveryStore
from tests.dbutil import database_url
from tests.e2e.changes import WORKFLOW, WORKFLOW_EDIT

RECOVERY_SECONDS = 10.0
SECONDARY_LIMIT = "You have exceeded a secondary rate limit"


@pytest.fixture(
    params=[
        pytest.param(("sqlite", 1), id="sqlite"),
        pytest.param(("postgresql", 2), id="postgresql-2-replicas", marks=pytest.mark.postgres),
    ]
)
def deployment(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, int]]:
    """A database URL and how many replicas serve it."""
    backend, replicas = request.param
    with database_url(backend, tmp_path) as url:
        yield url, replicas


def test_a_delivery_cut_off_by_sigkill_is_finished_within_10s_of_the_restart(
    tmp_path: Path, deployment: tuple[str, int]
) -> None:
    url, replicas = deployment
    options = SandboxOptions(database_url=url, runtime=Runtime(), service=False)
    with Sandbox(tmp_path, options) as sandbox, ExitStack() as stack:
        services = [
            stack.enter_context(ServiceProcess(sandbox.settings, tmp_path, f"replica-{index}"))
            for index in range(replicas)
        ]
        for service in services:
            service.start()
        pull = sandbox.github.open_pull(REPO, AUTHOR, "Add deploy workflow", [WORKFLOW])
        opened = hooks.pull_request(sandbox.github, REPO, pull.number, "opened")
        answer = hooks.deliver(f"{services[0].url}/webhook", SECRET, "pull_request", opened)
        assert answer.status_code == 202
        wait_until(lambda: len(sandbox.slack.messages()) == 1, 30, "the ticket's message")
        [issue] = sandbox.jira.issues()

        # A push; GitHub asks for a minute's pause just as the new head's check is created:
        # the delivery is acknowledged, claimed and half done when the process is killed.
        head = sandbox.github.push(REPO, pull.number, [WORKFLOW_EDIT])
        sandbox.github.fail_next("checks/create", 403, retry_after=60, message=SECONDARY_LIMIT)
        pushed = hooks.pull_request(sandbox.github, REPO, pull.number, "synchronize")
        answer = hooks.deliver(
            f"{services[0].url}/webhook", SECRET, "pull_request", pushed, "delivery-2"
        )
        assert answer.status_code == 202
        wait_until(lambda: sandbox.github.calls("checks/create") == 2, 30, "the paused check")
        assert sandbox.github.check_runs(REPO, head) == []

        holder = _holder(services, url, "delivery-2")
        holder.kill()
        back = holder.start()
        wait_until(
            lambda: bool(sandbox.github.check_runs(REPO, head)),
            RECOVERY_SECONDS,
            f"the check after the restart\n{holder.log()}",
        )
        recovered_in = time.monotonic() - back

        assert recovered_in < RECOVERY_SECONDS
        [run] = sandbox.github.check_runs(REPO, head)
        assert run.conclusion == "action_required"
        assert issue.key in (run.summary or "")
        assert [i.key for i in sandbox.jira.issues()] == [issue.key], "one ticket, reused"
        assert len(sandbox.slack.messages()) == 1
        for service in services:
            service.stop()
        assert sandbox.violations() == []


def _holder(services: list[ServiceProcess], url: str, delivery_id: str) -> ServiceProcess:
    """The replica whose process holds the claim on ``delivery_id``."""
    db = Database(url)
    try:
        delivery = DeliveryStore(db).get(delivery_id)
    finally:
        db.dispose()
    assert delivery is not None and delivery.lease_owner is not None
    [holder] = [s for s in services if f":{s.pid}:" in delivery.lease_owner]
    return holder
