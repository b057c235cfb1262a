"""Two replicas on one PostgreSQL: every delivery, ticket and message handled once."""

from __future__ import annotations

import concurrent.futures
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.container import Gatehouse, Runtime
from app.sandbox.clock import ManualClock
from app.sandbox.fake_github import payloads as hooks
from app.sandbox.server import ServerThread
from app.sandbox.world import AUTHOR, REPO, SECRET, Sandbox, SandboxOptions
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
