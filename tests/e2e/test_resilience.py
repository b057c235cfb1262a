"""Never lose a delivery, never pass a check gatehouse could not decide."""

from __future__ import annotations

import httpx

from app.sandbox.clock import ManualClock
from app.sandbox.fake_github import FileChange
from app.sandbox.fake_github import payloads as hooks
from app.sandbox.world import AUTHOR, REPO, Sandbox
from tests.e2e.changes import DOCS, WORKFLOW


def _open_without_event(sandbox: Sandbox, files: list[FileChange]) -> int:
    return sandbox.github.open_pull(REPO, AUTHOR, "Change", files).number


def test_delivery_recorded_before_a_crash_is_processed_after_restart(sandbox: Sandbox) -> None:
    sandbox.restart(process=False)
    number = _open_without_event(sandbox, [WORKFLOW])
    answer = sandbox.send(
        "pull_request", hooks.pull_request(sandbox.github, REPO, number, "opened")
    )
    assert answer.status_code == 202
    assert sandbox.check_run(number) is None
    sandbox.restart()
    sandbox.settle()
    assert sandbox.check_run(number).conclusion == "action_required"


def test_delivery_of_a_process_killed_mid_work_is_taken_over(
    sandbox: Sandbox, clock: ManualClock
) -> None:
    sandbox.restart(process=False)
    number = _open_without_event(sandbox, [WORKFLOW])
    sandbox.send("pull_request", hooks.pull_request(sandbox.github, REPO, number, "opened"))
    lease = sandbox.settings.lease_seconds
    claimed = sandbox.service.deliveries.claim("killed-process", lease_seconds=lease)
    assert claimed is not None
    sandbox.restart()
    clock.advance(seconds=lease)
    sandbox.settle()
    assert sandbox.check_run(number).conclusion == "action_required"


def test_github_5xx_is_retried_transparently(sandbox: Sandbox, sleeps: list[float]) -> None:
    sandbox.github.fail_next("pulls/list-files", 502, times=2)
    number = sandbox.open_pull("Add deploy workflow", [WORKFLOW])
    assert sandbox.check_run(number).conclusion == "action_required"
    assert len(sleeps) == 2


def test_secondary_rate_limit_honours_retry_after(sandbox: Sandbox, sleeps: list[float]) -> None:
    sandbox.github.fail_next(
        "checks/create", 403, retry_after=7, message="You have exceeded a secondary rate limit"
    )
    number = sandbox.open_pull("Add deploy workflow", [WORKFLOW])
    assert sandbox.check_run(number).conclusion == "action_required"
    assert 7.0 in sleeps


def test_undecidable_pull_request_fails_closed_then_recovers(
    sandbox: Sandbox, clock: ManualClock
) -> None:
    sandbox.github.fail_next("pulls/list-files", 500, times=4)
    number = _open_without_event(sandbox, [WORKFLOW])
    sandbox.send("pull_request", hooks.pull_request(sandbox.github, REPO, number, "opened"))
    sandbox.service.worker.drain(timeout=10)
    run = sandbox.check_run(number)
    assert (run.status, run.conclusion) == ("completed", "failure")
    assert "could not evaluate" in run.title
    clock.advance(seconds=5)  # the delivery's retry falls due
    sandbox.settle(timeout=30)
    assert sandbox.check_run(number).conclusion == "action_required"


def test_broken_repository_rules_fail_the_check_naming_the_file(sandbox: Sandbox) -> None:
    sandbox.github.set_content(REPO, ".github/gatehouse.yml", "rules:\n  - id: x\n    titel: y\n")
    number = sandbox.open_pull("Fix a typo", [DOCS])
    run = sandbox.check_run(number)
    assert run.conclusion == "failure"
    assert ".github/gatehouse.yml:3: unknown key 'titel'" in run.summary


def test_repository_rules_add_a_requirement(sandbox: Sandbox) -> None:
    sandbox.github.set_content(
        REPO,
        ".github/gatehouse.yml",
        "rules:\n  - id: guide\n    title: The deployment guide\n    group: platform-engineering\n"
        "    paths: [docs/guide.md]\n",
    )
    number = sandbox.open_pull("Rewrite the guide", [DOCS])
    run = sandbox.check_run(number)
    assert run.conclusion == "action_required"
    assert "guide" in run.summary


def test_more_than_3000_files_requires_every_group(sandbox: Sandbox) -> None:
    files = [
        FileChange(f"docs/page-{i}.md", status="added", patch="@@ -0,0 +1 @@\n+x")
        for i in range(3005)
    ]
    number = sandbox.open_pull("Generated docs", files)
    run = sandbox.check_run(number)
    assert run.conclusion == "action_required"
    assert "at most 3,000 changed files" in run.summary
    assert "Architectural Team" in run.summary and "Platform Engineering" in run.summary


def test_merge_group_check_is_decided_from_its_pull_request(sandbox: Sandbox) -> None:
    number = sandbox.open_pull("Add deploy workflow", [WORKFLOW])
    blocked = hooks.merge_group(sandbox.github, REPO, None, "main", number)
    sandbox.send("merge_group", blocked)
    sandbox.settle()
    sha = blocked["merge_group"]["head_sha"]
    assert [r.conclusion for r in sandbox.github.check_runs(REPO, sha)] == ["failure"]
    sandbox.review(number, "alan-sherman", "APPROVED")
    queued = hooks.merge_group(sandbox.github, REPO, None, "main", number)
    sandbox.send("merge_group", queued)
    sandbox.settle()
    runs = sandbox.github.check_runs(REPO, queued["merge_group"]["head_sha"])
    assert [r.conclusion for r in runs] == ["success"]


def test_webhook_refuses_bad_input(sandbox: Sandbox) -> None:
    url = f"{sandbox.url}/webhook"
    unsigned = httpx.post(url, content=b"{}", headers={"X-GitHub-Event": "pull_request"})
    assert unsigned.status_code == 401
    bad = httpx.post(
        url,
        content=b"{}",
        headers={"X-GitHub-Event": "pull_request", "X-Hub-Signature-256": "sha256=" + "0" * 64},
    )
    assert bad.status_code == 401
    body = b"{not json"
    malformed = httpx.post(
        url,
        content=body,
        headers={
            "X-GitHub-Event": "pull_request",
            "X-Hub-Signature-256": hooks.sign("sandbox-webhook-secret", body),
        },
    )
    assert malformed.status_code == 400
    ignored = sandbox.send("star", {"action": "created", "repository": {"full_name": REPO}})
    assert ignored.status_code == 200 and ignored.json()["status"] == "ignored"
    huge = httpx.post(
        url, content=b"x" * (25 * 1024 * 1024 + 1), headers={"X-GitHub-Event": "push"}
    )
    assert huge.status_code == 413


def test_health_readiness_and_metrics(sandbox: Sandbox) -> None:
    sandbox.open_pull("Add deploy workflow", [WORKFLOW])
    assert httpx.get(f"{sandbox.url}/healthz").status_code == 200
    ready = httpx.get(f"{sandbox.url}/readyz")
    assert ready.status_code == 200 and ready.json()["rules"] == "ok"
    metrics = httpx.get(f"{sandbox.url}/metrics").text
    assert 'gatehouse_deliveries_total{event="pull_request",outcome="accepted"} 1.0' in metrics
    assert 'gatehouse_github_calls_total{operation="checks/create",status="ok"}' in metrics
    assert "gatehouse_github_rate_limit_remaining" in metrics
