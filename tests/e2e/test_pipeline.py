"""The check comes first: it never waits for Jira, Slack, comments or review requests, and
GitHub's limits hold back only the work that can catch up later."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from pathlib import Path

import httpx

from app.container import Runtime
from app.sandbox.clock import ManualClock
from app.sandbox.fake_github import FileChange, SecondaryLimit
from app.sandbox.fake_github import payloads as hooks
from app.sandbox.service_process import wait_until
from app.sandbox.world import REPO, Sandbox, SandboxOptions


def workflow(index: int) -> FileChange:
    return FileChange(
        f".github/workflows/deploy-{index}.yml",
        status="added",
        patch="@@ -0,0 +1,3 @@\n+name: deploy\n+on: push\n+jobs: {}",
    )


def bot_comments(sandbox: Sandbox, number: int) -> list[str]:
    return [c.body for c in sandbox.github.comments(REPO, number) if c.user_type == "Bot"]


def test_the_check_is_published_while_jira_has_not_answered(
    tmp_path: Path, clock: ManualClock
) -> None:
    jira_answers = threading.Event()
    options = SandboxOptions(
        runtime=Runtime(now=clock.now, sleep=lambda _: None, retry_backoff=(0.05, 0.2)),
        gates={"jira": jira_answers},
    )
    with Sandbox(tmp_path, options) as sandbox:
        number = sandbox.open_pull("Add a deploy workflow", [workflow(1)], send=False)
        sandbox.send("pull_request", hooks.pull_request(sandbox.github, REPO, number, "opened"))

        wait_until(lambda: sandbox.check_run(number) is not None, 20, "the check run")
        run = sandbox.check_run(number)
        assert (run.status, run.conclusion) == ("completed", "action_required")
        assert "Platform Engineering" in (run.summary or "")
        assert sandbox.jira.issues() == [] and sandbox.slack.messages() == []

        jira_answers.set()
        sandbox.settle()
        [issue] = sandbox.jira.issues()
        head = sandbox.github.pull(REPO, number).head_sha
        [run] = sandbox.github.check_runs(REPO, head)
        assert issue.key in (run.summary or ""), "the ticket reaches the check afterwards"
        assert run.conclusion == "action_required"
        [comment] = bot_comments(sandbox, number)
        assert issue.key in comment
        assert len(sandbox.slack.messages()) == 1
        assert sandbox.violations() == []


def burst(sandbox: Sandbox, count: int) -> list[int]:
    """``count`` pull requests that need Platform Engineering, delivered at once."""
    numbers = [
        sandbox.open_pull(f"Deploy workflow {i}", [workflow(i)], send=False) for i in range(count)
    ]
    for number in numbers:
        sandbox.send("pull_request", hooks.pull_request(sandbox.github, REPO, number, "opened"))
    return numbers


def catch_up(sandbox: Sandbox, clock: ManualClock, numbers: list[int]) -> None:
    """Let sandbox time pass, half a minute a step, until every pull request has its
    sticky comment (the last effect of the follow-up)."""
    deadline = time.monotonic() + 90
    while not all(bot_comments(sandbox, n) for n in numbers):
        assert time.monotonic() < deadline, "the follow-ups did not catch up"
        clock.advance(seconds=30)
        sandbox.service.worker.notify()
        sandbox.service.scheduler.run_due()
        time.sleep(0.2)
    sandbox.service.worker.drain(timeout=20)


def assert_every_effect_once(sandbox: Sandbox, numbers: list[int]) -> None:
    for number in numbers:
        head = sandbox.github.pull(REPO, number).head_sha
        [run] = sandbox.github.check_runs(REPO, head)
        assert run.conclusion == "action_required"
        assert len(bot_comments(sandbox, number)) == 1
        assert len(sandbox.github.requested_reviewers(REPO, number)) == 1
    assert len(sandbox.jira.issues()) == len(numbers)
    assert len({issue.summary for issue in sandbox.jira.issues()}) == len(numbers)
    assert len(sandbox.slack.messages()) == len(numbers)
    assert sandbox.violations() == []


def paced_options(clock: ManualClock, in_flight: int = 8) -> SandboxOptions:
    """Writes paced at six a minute; a wait lets that much sandbox time pass."""

    def sleep(seconds: float) -> None:
        clock.advance(seconds=seconds)

    return SandboxOptions(
        runtime=Runtime(now=clock.now, sleep=sleep, retry_backoff=(0.05, 0.2)),
        settings={
            "GATEHOUSE_GITHUB_WRITES_PER_MINUTE": 6,
            "GATEHOUSE_INSTALLATION_CONCURRENCY": in_flight,
        },
    )


def test_paced_writes_give_every_check_first_and_stay_under_githubs_limit(
    tmp_path: Path, clock: ManualClock
) -> None:
    with Sandbox(tmp_path, paced_options(clock)) as sandbox:
        sandbox.github.secondary_limit = SecondaryLimit(writes=10, window_seconds=60)
        numbers = burst(sandbox, 6)
        sandbox.settle()

        for number in numbers:
            run = sandbox.check_run(number)
            assert run is not None and run.conclusion == "action_required", number
        behind = [n for n in numbers if not bot_comments(sandbox, n)]
        assert behind, "the checks spent the minute's writes: comments wait their turn"

        catch_up(sandbox, clock, numbers)
        assert_every_effect_once(sandbox, numbers)
        refused = [r for r in sandbox.github.requests if r.status == 403]
        assert refused == [], "gatehouse paced its writes under GitHub's limit"

        metrics = httpx.get(f"{sandbox.url}/metrics").text
        assert 'gatehouse_github_installation_rate_limit_remaining{installation="1"}' in metrics
        held = [
            line
            for line in metrics.splitlines()
            if line.startswith("gatehouse_github_throttled_total{") and 'outcome="refused"' in line
        ]
        assert held, "the catch-up work held back shows on /metrics"
        assert "gatehouse_follow_ups_in_flight 0.0" in metrics


def test_refused_by_githubs_secondary_limit_nothing_is_sent_until_it_allows(
    tmp_path: Path, clock: ManualClock
) -> None:
    # One request in flight at a time: when GitHub refuses one, no other is on its way.
    with Sandbox(tmp_path, paced_options(clock, in_flight=1)) as sandbox:
        # Stricter than the pacing (the burst's checks alone go over it); each refusal
        # asks for a minute's pause.
        limit = SecondaryLimit(writes=4, window_seconds=60, retry_after=60)
        sandbox.github.secondary_limit = limit
        numbers = burst(sandbox, 6)
        catch_up(sandbox, clock, numbers)

        assert_every_effect_once(sandbox, numbers)
        writes = [r for r in sandbox.github.requests if r.method in ("POST", "PATCH")]
        refusals = [r for r in writes if r.status == 403]
        assert refusals, "the burst went over GitHub's limit"
        for refusal in refusals:
            paused = [
                r
                for r in writes
                if refusal.at < r.at < refusal.at + timedelta(seconds=limit.retry_after or 0)
                and r.operation_id != "apps/create-installation-access-token"
            ]
            assert paused == [], f"sent during the pause that began {refusal.at}"
