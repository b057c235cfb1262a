"""One scrape of the real service, after a pull request went through the sandbox."""

from __future__ import annotations

import time

import httpx
import pytest

from app.container import Runtime
from app.sandbox.clock import ManualClock
from app.sandbox.fake_github import payloads as hooks
from app.sandbox.world import AUTHOR, REPO, Sandbox, SandboxOptions
from tests.e2e.changes import WORKFLOW
from tests.monitoring.exposition import Exposition

SECONDARY_LIMIT = "You have exceeded a secondary rate limit"


@pytest.fixture(scope="session")
def metrics_text(tmp_path_factory: pytest.TempPathFactory) -> str:
    """``GET /metrics`` once a pull request needing a ticket went through, meeting on its
    way a bad signature, GitHub 500s that fail one attempt, and a secondary rate limit,
    and then waited a week for its review (an SLA reminder and a breach)."""
    clock, sleeps = ManualClock(), list[float]()
    options = SandboxOptions(
        runtime=Runtime(now=clock.now, sleep=sleeps.append, retry_backoff=(0.05, 0.2))
    )
    with Sandbox(tmp_path_factory.mktemp("sandbox"), options) as sandbox:
        unsigned = httpx.post(
            f"{sandbox.url}/webhook", content=b"{}", headers={"X-GitHub-Event": "ping"}
        )
        assert unsigned.status_code == 401
        sandbox.github.fail_next("checks/create", 403, retry_after=7, message=SECONDARY_LIMIT)
        sandbox.github.fail_next("pulls/list-files", 500, times=4)
        number = sandbox.github.open_pull(REPO, AUTHOR, "Add deploy workflow", [WORKFLOW]).number
        sandbox.send("pull_request", hooks.pull_request(sandbox.github, REPO, number, "opened"))
        _wait_for(sandbox, 'outcome="error"')
        clock.advance(seconds=5)  # the failed attempt's retry falls due
        sandbox.settle()
        assert sandbox.check_run(number).conclusion == "action_required"
        clock.advance(days=7)  # nobody reviews: the SLA reminder and the breach notice go out
        sandbox.settle()
        text = httpx.get(f"{sandbox.url}/metrics").text
        assert sandbox.violations() == []
    return text


def _wait_for(sandbox: Sandbox, fragment: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while fragment not in httpx.get(f"{sandbox.url}/metrics").text:
        assert time.monotonic() < deadline, f"{fragment} never showed on /metrics"
        time.sleep(0.02)


@pytest.fixture(scope="session")
def exposed(metrics_text: str) -> Exposition:
    return Exposition.parse(metrics_text)
