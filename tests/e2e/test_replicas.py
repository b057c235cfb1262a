"""Two replicas on one PostgreSQL: every delivery, ticket and message handled once."""

from __future__ import annotations

import concurrent.futures
import functools
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from app.container import Gatehouse, Runtime
from app.sandbox.clock import ManualClock
from app.sandbox.fake_github import payloads as hooks
from app.sandbox.server import ServerThread
from app.sandbox.service_process import wait_until
from app.sandbox.world import AUTHOR, REPO, SECRET, Sandbox, SandboxOptions
from app.store import Delivery, DeliveryState
from app.web.app import create_app
from tests.dbutil import postgres_schema
from tests.e2e.changes import WORKFLOW

pytestmark = pytest.mark.postgres


@pytest.fixture
def shared(tmp_path: Path, clock: ManualClock) -> Iterator[tuple[Sandbox, Gatehouse, str]]:
    with postgres_schema() as url:
        options = SandboxOptions(
            database_url=url, runtime=Runtime(now=clock.now, retry_backoff=(0.05, 0.2))
        )
        with Sandbox(tmp_path, options) as sandbox:
            second = Gatehouse(sandbox.settings, Runtime(now=clock.now, retry_backoff=(0.05, 0.2)))
            server = ServerThread(create_app(second)).start()
            try:
                yield sandbox, second, server.url
            finally:
                server.stop()
            assert sandbox.violations() == []


def test_the_same_events_sent_to_two_replicas_act_once(
    shared: tuple[Sandbox, Gatehouse, str],
) -> None:
    sandbox, second, second_url = shared
    pull = sandbox.github.open_pull(REPO, AUTHOR, "Add deploy workflow", [WORKFLOW])
    payload = hooks.pull_request(sandbox.github, REPO, pull.number, "opened")

    def send(index: int) -> int:
        url = sandbox.url if index % 2 else second_url
        return hooks.deliver(
            f"{url}/webhook", SECRET, "pull_request", payload, f"delivery-{index}"
        ).status_code

    with concurrent.futures.ThreadPoolExecutor(max_workers=10) as pool:
        assert set(pool.map(send, range(10))) == {202}
    sandbox.settle()
    second.worker.drain(timeout=30)
    assert len(sandbox.jira.issues()) == 1
    assert len(sandbox.slack.messages()) == 1
    assert len(sandbox.github.comments(REPO, pull.number)) == 1
    assert len(sandbox.github.check_runs(REPO, pull.head_sha)) == 1
    assert sandbox.check_run(pull.number).conclusion == "action_required"


class SlowGitHub:
    """GitHub's Retry-After, waited out on the shared clock one second at a time.

    After each second, once the waiting replica's heartbeat has renewed its lease, the
    other replica tries to claim the delivery; every attempt is recorded.
    """

    def __init__(self, clock: ManualClock, delivery_id: str) -> None:
        self.clock = clock
        self.delivery_id = delivery_id
        self.replicas: list[Gatehouse] = []
        self.takeovers: list[Delivery | None] = []
        self.waited = 0.0

    def sleep(self, seconds: float) -> None:
        first = self.replicas[0]
        lease = first.settings.lease_seconds
        for _ in range(int(seconds)):
            renewed_until = self.clock.advance(seconds=1) + timedelta(seconds=lease)
            wait_until(
                functools.partial(self._renewed, renewed_until),
                10,
                "the waiting replica's heartbeat",
            )
            [other] = [r for r in self.replicas if r.worker.owner != self._held().lease_owner]
            self.takeovers.append(other.deliveries.claim(other.worker.owner, lease))
            self.waited += 1

    def _renewed(self, until: datetime) -> bool:
        return self._held().lease_expires_at == until

    def _held(self) -> Delivery:
        delivery = self.replicas[0].deliveries.get(self.delivery_id)
        assert delivery is not None
        return delivery


def test_a_live_replica_slowed_down_by_github_keeps_its_delivery(
    tmp_path: Path, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GATEHOUSE_HEARTBEAT_SECONDS", "0.05")
    slow = SlowGitHub(clock, "delivery-slow")

    def runtime() -> Runtime:
        return Runtime(now=clock.now, sleep=slow.sleep, retry_backoff=(0.05, 0.2))

    with postgres_schema() as url:
        options = SandboxOptions(database_url=url, runtime=runtime())
        with Sandbox(tmp_path, options) as sandbox:
            second = Gatehouse(sandbox.settings, runtime())
            server = ServerThread(create_app(second)).start()
            slow.replicas = [sandbox.service, second]
            try:
                pull = sandbox.github.open_pull(REPO, AUTHOR, "Add deploy workflow", [WORKFLOW])
                lease = sandbox.settings.lease_seconds
                sandbox.github.fail_next(
                    "checks/create",
                    403,
                    retry_after=int(3 * lease),
                    message="You have exceeded a secondary rate limit",
                )
                payload = hooks.pull_request(sandbox.github, REPO, pull.number, "opened")
                sandbox.send("pull_request", payload, "delivery-slow")
                sandbox.settle()
                second.worker.drain(timeout=30)
            finally:
                server.stop()
            assert slow.waited >= 3 * lease
            assert slow.takeovers and set(slow.takeovers) == {None}
            delivery = sandbox.service.deliveries.get("delivery-slow")
            assert delivery is not None
            assert (delivery.state, delivery.attempts) == (DeliveryState.DONE, 1)
            assert len(sandbox.github.check_runs(REPO, pull.head_sha)) == 1
            assert sandbox.check_run(pull.number).conclusion == "action_required"
            assert sandbox.violations() == []
