"""Jira tickets and Slack messages, exactly as the handbook asks: once each."""

from __future__ import annotations

import concurrent.futures
import shutil
from pathlib import Path

import httpx
import pytest

from app.sandbox.clock import ManualClock
from app.sandbox.fake_github import FileChange
from app.sandbox.fake_github import payloads as hooks
from app.sandbox.fake_jira import DEFAULT_API_TOKEN, DEFAULT_EMAIL
from app.sandbox.world import AUTHOR, REPO, Sandbox, SandboxOptions
from app.settings import SHIPPED_RULES
from tests.e2e.changes import DOCS, SECURITY_GROUP, WORKFLOW

ALAN, ANTONIA, ROBERT = "alan-sherman", "antonia-gaete", "robert-detjens"
ACCOUNT = {
    ALAN: "000000:00000000-0000-4000-8000-000000000001",
    ANTONIA: "000000:00000000-0000-4000-8000-000000000002",
    ROBERT: "000000:00000000-0000-4000-8000-000000000003",
}
HPA = FileChange(
    "deploy/charts/api/templates/hpa.yaml",
    patch="@@ -1,3 +1,3 @@\n kind: HorizontalPodAutoscaler\n spec:\n-  maxReplicas: 4\n+  maxReplicas: 8",
)
SLACK_ID = {ALAN: "U0PLATF001", ANTONIA: "U0PLATF002", ROBERT: "U0PLATF003"}


def existing_ticket(sandbox: Sandbox, summary: str = "Backup solution") -> str:
    answer = httpx.post(
        f"{sandbox.settings.jira_base_url}/rest/api/3/issue",
        auth=(DEFAULT_EMAIL, DEFAULT_API_TOKEN),
        json={
            "fields": {
                "project": {"key": "LFXV2"},
                "issuetype": {"name": "Task"},
                "summary": summary,
            }
        },
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["key"])


def test_ticket_is_created_assigned_linked_and_announced(sandbox: Sandbox) -> None:
    number = sandbox.open_pull("Add deploy workflow", [WORKFLOW])
    [issue] = sandbox.jira.issues()
    assert issue.assignee_id == ACCOUNT[ALAN]
    assert issue.labels == ["platform-engineering"]
    assert issue.description and issue.description["type"] == "doc"
    [remote] = sandbox.jira.remote_links(issue.key)
    assert remote.object["url"].endswith(f"/acme/web/pull/{number}")
    [message] = sandbox.slack.messages()
    assert message.channel == "C0LFXDEVOPS"
    assert f"<@{SLACK_ID[ALAN]}>" in message.text
    assert (
        f"I've created ticket <{sandbox.settings.jira_base_url}/browse/{issue.key}|{issue.key}>"
        in message.text
    )
    assert f"/acme/web/pull/{number}|" in message.text
    run = sandbox.check_run(number)
    assert issue.key in run.summary and "(created)" in run.summary
    assert issue.key in sandbox.github.comments(REPO, number)[0].body


@pytest.mark.parametrize("where", ["title", "branch", "body"])
def test_existing_key_is_linked_not_created(sandbox: Sandbox, where: str) -> None:
    key = existing_ticket(sandbox)
    kwargs = {
        "title": f"{key}: add deploy workflow" if where == "title" else "Add deploy workflow",
        "head_ref": f"feature/{key}-backup" if where == "branch" else "feature/backup",
        "body": f"Tracked in {key}." if where == "body" else "",
    }
    number = sandbox.open_pull(
        kwargs["title"], [WORKFLOW], head_ref=kwargs["head_ref"], body=kwargs["body"]
    )
    assert [i.key for i in sandbox.jira.issues()] == [key]
    assert len(sandbox.jira.remote_links(key)) == 1
    assert (
        f"{key}" in sandbox.check_run(number).summary
        and "(linked)" in sandbox.check_run(number).summary
    )
    sandbox.push(number, [DOCS])
    assert len(sandbox.jira.remote_links(key)) == 1, "the same link is never added twice"
    assert len(sandbox.slack.messages()) == 1


def test_unknown_key_is_reported_and_a_ticket_created(sandbox: Sandbox) -> None:
    number = sandbox.open_pull("LFXV2-999: add deploy workflow", [WORKFLOW])
    comment = sandbox.github.comments(REPO, number)[0].body
    assert "LFXV2-999 (in the title) does not exist in Jira" in comment
    assert [i.key for i in sandbox.jira.issues()] == ["LFXV2-1"]


def test_round_robin_across_the_three_members(sandbox: Sandbox) -> None:
    for index in range(4):
        sandbox.open_pull(f"Change {index}", [WORKFLOW], head_ref=f"feature/{index}")
    assignees = [
        i.assignee_id for i in sorted(sandbox.jira.issues(), key=lambda i: int(i.key.split("-")[1]))
    ]
    assert assignees == [ACCOUNT[ALAN], ACCOUNT[ANTONIA], ACCOUNT[ROBERT], ACCOUNT[ALAN]]
    requested = [sandbox.github.requested_reviewers(REPO, n) for n in range(1, 5)]
    assert requested == [[ALAN], [ANTONIA], [ROBERT], [ALAN]], (
        "the person asked is the ticket's assignee"
    )


def test_no_review_needed_creates_nothing(sandbox: Sandbox) -> None:
    sandbox.open_pull("Fix a typo", [DOCS])
    assert sandbox.jira.issues() == [] and sandbox.slack.messages() == []


def test_require_key_fails_until_the_title_names_a_key(sandbox: Sandbox) -> None:
    sandbox.github.set_content(
        REPO, ".github/gatehouse.yml", "settings:\n  jira: {require_key: true}\n"
    )
    key = existing_ticket(sandbox)
    number = sandbox.open_pull("Fix a typo", [DOCS])
    run = sandbox.check_run(number)
    assert run.conclusion == "failure"
    assert "must carry a valid Jira key" in run.summary
    assert sandbox.jira.issues()[0].key == key, "no ticket is created for ordinary work"
    changes = sandbox.github.edit_pull(REPO, number, title=f"{key}: fix a typo")
    sandbox.send(
        "pull_request", hooks.pull_request(sandbox.github, REPO, number, "edited", changes=changes)
    )
    sandbox.settle()
    assert sandbox.check_run(number).conclusion == "success"


def test_require_key_off_by_default(sandbox: Sandbox) -> None:
    number = sandbox.open_pull("Fix a typo", [DOCS])
    assert sandbox.check_run(number).conclusion == "success"


def test_jira_down_then_back_creates_one_ticket(sandbox: Sandbox, clock: ManualClock) -> None:
    sandbox.jira.fail_next("createIssue", 503, times=3)
    number = sandbox.open_pull("Add deploy workflow", [WORKFLOW])
    run = sandbox.check_run(number)
    assert run.conclusion == "action_required", "a failing Jira never changes the decision"
    assert "pending" in run.summary
    assert sandbox.jira.issues() == [] and sandbox.slack.messages() == []
    for _ in range(4):
        clock.advance(minutes=30)
        sandbox.settle()
    assert len(sandbox.jira.issues()) == 1
    assert len(sandbox.slack.messages()) == 1
    assert "(created)" in sandbox.check_run(number).summary


def test_jira_refusing_credentials_is_reported_without_secrets(sandbox: Sandbox) -> None:
    sandbox.jira.fail_next("createIssue", 401, times=1)
    number = sandbox.open_pull("Add deploy workflow", [WORKFLOW])
    summary = sandbox.check_run(number).summary
    assert "Jira refused gatehouse's credentials" in summary
    assert DEFAULT_API_TOKEN not in summary


def test_twenty_concurrent_duplicate_deliveries(sandbox: Sandbox) -> None:
    pull = sandbox.github.open_pull(REPO, AUTHOR, "Add deploy workflow", [SECURITY_GROUP])
    payload = hooks.pull_request(sandbox.github, REPO, pull.number, "opened")
    with concurrent.futures.ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(
            pool.map(lambda i: sandbox.send("pull_request", payload, f"dup-{i % 2}"), range(20))
        )
    assert all(a.status_code == 202 for a in answers)
    with concurrent.futures.ThreadPoolExecutor(max_workers=20) as pool:
        list(
            pool.map(lambda i: sandbox.send("pull_request", payload, f"redelivery-{i}"), range(20))
        )
    sandbox.settle()
    assert len(sandbox.jira.issues()) == 1
    assert len(sandbox.slack.messages()) == 1
    assert len(sandbox.github.comments(REPO, pull.number)) == 1
    assert len(sandbox.github.check_runs(REPO, pull.head_sha)) == 1


def test_title_cannot_inject_slack_mentions(sandbox: Sandbox) -> None:
    sandbox.open_pull("<!channel> <@U0EVIL> & friends", [WORKFLOW])
    [message] = sandbox.slack.messages()
    assert "<!channel>" not in message.text and "<@U0EVIL>" not in message.text
    assert "&lt;!channel&gt;" in message.text


def test_unknown_assignee_still_gets_a_ticket_unassigned(sandbox: Sandbox) -> None:
    with sandbox.jira.lock:
        sandbox.jira.store.users.pop(ACCOUNT[ALAN])
    sandbox.open_pull("Add deploy workflow", [WORKFLOW])
    [issue] = sandbox.jira.issues()
    assert issue.assignee_id is None
    assert len(sandbox.slack.messages()) == 1


def test_the_ticket_has_the_handbooks_work_type_for_what_matched(sandbox: Sandbox) -> None:
    sandbox.open_pull("Add deploy workflow", [WORKFLOW])
    sandbox.open_pull("Open port 443", [SECURITY_GROUP], head_ref="network")
    sandbox.open_pull("Scale the API", [HPA], head_ref="scale")
    kinds = [issue.issue_type.name for issue in sandbox.jira.issues()]
    assert kinds == ["CI/CD change", "Task", "Deployment update"]


def test_a_work_type_the_project_lacks_falls_back_to_the_default(
    tmp_path: Path, options: SandboxOptions
) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(SHIPPED_RULES, rules)
    governed = rules / "platform-engineering.yml"
    governed.write_text(governed.read_text().replace("CI/CD change", "Pipeline change"))
    options.rules_dir = rules
    (tmp_path / "world").mkdir()
    with Sandbox(tmp_path / "world", options) as world:
        world.open_pull("Add deploy workflow", [WORKFLOW])
        [issue] = world.jira.issues()
        assert issue.issue_type.name == "Task"
