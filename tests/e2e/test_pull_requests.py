"""What a person sees on GitHub when gatehouse handles their pull request."""

from __future__ import annotations

from app.sandbox.fake_github import payloads as hooks
from app.sandbox.world import AUTHOR, OUTSIDER, REPO, Sandbox
from tests.e2e.changes import DOCS, DOCS_MORE, SECURITY_GROUP, WORKFLOW, WORKFLOW_EDIT

PLATFORM = "alan-sherman"


def test_workflow_change_blocks_and_asks_platform_engineering(sandbox: Sandbox) -> None:
    number = sandbox.open_pull("Add deploy workflow", [WORKFLOW])
    run = sandbox.check_run(number)
    assert (run.status, run.conclusion) == ("completed", "action_required")
    assert "ci-github-actions" in run.summary and ".github/workflows/deploy.yml" in run.summary
    assert "0 / 1" in run.summary
    assert run.details_url == f"{sandbox.url}/pulls/{REPO}/{number}"
    assert [a["identifier"] for a in run.actions] == ["rerun"]
    assert sandbox.github.requested_reviewers(REPO, number) == [PLATFORM]
    comments = sandbox.github.comments(REPO, number)
    assert len(comments) == 1 and "needs review" in comments[0].body


def test_security_group_lines_are_annotated(sandbox: Sandbox) -> None:
    number = sandbox.open_pull("Open HTTPS to the web tier", [SECURITY_GROUP])
    run = sandbox.check_run(number)
    assert run.conclusion == "action_required"
    lines = {a["start_line"] for a in run.annotations if a["path"] == "infra/network.tf"}
    assert 12 in lines  # the `resource "aws_security_group"` line
    assert "line 12" in run.summary
    sandbox.review(number, OUTSIDER, "COMMENTED")
    again = sandbox.check_run(number)
    assert len(again.annotations) == len(run.annotations), "annotations are not repeated on update"


def test_docs_only_change_passes_and_writes_nothing_else(sandbox: Sandbox) -> None:
    number = sandbox.open_pull("Fix a typo", [DOCS])
    run = sandbox.check_run(number)
    assert run.conclusion == "success"
    assert run.title == "No review required"
    assert sandbox.github.comments(REPO, number) == []
    assert sandbox.github.requested_reviewers(REPO, number) == []
    assert sandbox.jira.issues() == [] and sandbox.slack.messages() == []


def test_member_approval_turns_the_check_green(sandbox: Sandbox) -> None:
    number = sandbox.open_pull("Add deploy workflow", [WORKFLOW])
    sandbox.review(number, PLATFORM, "APPROVED")
    run = sandbox.check_run(number)
    assert run.conclusion == "success"
    assert f"@{PLATFORM} (approved): counted" in run.summary
    assert "every required review is in" in sandbox.github.comments(REPO, number)[0].body


def test_approval_by_a_non_member_does_not_count(sandbox: Sandbox) -> None:
    number = sandbox.open_pull("Add deploy workflow", [WORKFLOW])
    sandbox.review(number, OUTSIDER, "APPROVED")
    run = sandbox.check_run(number)
    assert run.conclusion == "action_required"
    assert "not a member of the group" in run.summary


def test_author_who_is_a_member_cannot_approve_and_is_never_asked(sandbox: Sandbox) -> None:
    number = sandbox.open_pull("Add deploy workflow", [WORKFLOW], author=PLATFORM)
    assert PLATFORM not in sandbox.github.requested_reviewers(REPO, number)
    sandbox.review(number, PLATFORM, "COMMENTED")
    assert sandbox.check_run(number).conclusion == "action_required"


def test_changes_requested_by_a_member_fails_the_check(sandbox: Sandbox) -> None:
    number = sandbox.open_pull("Add deploy workflow", [WORKFLOW])
    sandbox.review(number, PLATFORM, "CHANGES_REQUESTED")
    run = sandbox.check_run(number)
    assert run.conclusion == "failure"
    assert "/disagree" in run.summary


def test_push_to_a_governed_file_makes_the_approval_stale(sandbox: Sandbox) -> None:
    number = sandbox.open_pull("Add deploy workflow", [WORKFLOW])
    sandbox.review(number, PLATFORM, "APPROVED")
    sandbox.push(number, [WORKFLOW_EDIT])
    run = sandbox.check_run(number)
    assert run.conclusion == "action_required"
    assert "files governed by the group changed after this review" in run.summary


def test_push_to_docs_only_keeps_the_approval(sandbox: Sandbox) -> None:
    number = sandbox.open_pull("Add deploy workflow", [WORKFLOW])
    sandbox.review(number, PLATFORM, "APPROVED")
    sandbox.push(number, [DOCS_MORE])
    assert sandbox.check_run(number).conclusion == "success"


def test_reviewers_are_not_asked_again_on_push(sandbox: Sandbox) -> None:
    number = sandbox.open_pull("Add deploy workflow", [WORKFLOW])
    sandbox.push(number, [WORKFLOW_EDIT])
    assert sandbox.github.calls("pulls/request-reviewers") == 1


def test_duplicate_deliveries_change_nothing_twice(sandbox: Sandbox) -> None:
    pull = sandbox.github.open_pull(REPO, AUTHOR, "Add deploy workflow", [WORKFLOW])
    payload = hooks.pull_request(sandbox.github, REPO, pull.number, "opened")
    first = sandbox.send("pull_request", payload, delivery_id="delivery-1")
    again = sandbox.send("pull_request", payload, delivery_id="delivery-1")
    assert (first.status_code, again.status_code) == (202, 202)
    assert again.json()["status"] == "duplicate"
    sandbox.settle()
    redelivered = sandbox.send("pull_request", payload, delivery_id="delivery-2")
    assert redelivered.status_code == 202
    sandbox.settle()
    assert len(sandbox.github.check_runs(REPO, pull.head_sha)) == 1
    assert len(sandbox.github.comments(REPO, pull.number)) == 1
    assert sandbox.github.calls("pulls/request-reviewers") == 1
    assert len(sandbox.jira.issues()) == 1
    assert len(sandbox.slack.messages()) == 1


def test_rerun_action_and_rerequest_re_evaluate(sandbox: Sandbox) -> None:
    number = sandbox.open_pull("Add deploy workflow", [WORKFLOW])
    run = sandbox.check_run(number)
    sandbox.github.add_review(REPO, number, PLATFORM, "APPROVED")  # no webhook: missed event
    sandbox.send(
        "check_run",
        hooks.check_run(
            sandbox.github, REPO, run.id, "requested_action", requested_action_identifier="rerun"
        ),
    )
    sandbox.settle()
    assert sandbox.check_run(number).conclusion == "success"
    sandbox.send("check_run", hooks.check_run(sandbox.github, REPO, run.id, "rerequested"))
    sandbox.settle()
    assert len(sandbox.github.check_runs(REPO, run.head_sha)) == 1


def test_a_stale_event_delivered_late_does_not_undo_an_approval(sandbox: Sandbox) -> None:
    pull = sandbox.github.open_pull(REPO, AUTHOR, "Add deploy workflow", [WORKFLOW])
    opened = hooks.pull_request(sandbox.github, REPO, pull.number, "opened")
    sandbox.send("pull_request", opened)
    sandbox.settle()
    sandbox.push(pull.number, [DOCS_MORE])
    sandbox.review(pull.number, PLATFORM, "APPROVED")
    assert sandbox.check_run(pull.number).conclusion == "success"
    sandbox.send("pull_request", opened)  # GitHub redelivers the old event last
    sandbox.settle()
    assert sandbox.check_run(pull.number).conclusion == "success"


def test_draft_gets_the_check_and_reviewers_only_when_ready(sandbox: Sandbox) -> None:
    number = sandbox.open_pull("WIP: deploy workflow", [WORKFLOW], draft=True)
    run = sandbox.check_run(number)
    assert run.conclusion == "action_required"
    assert sandbox.github.requested_reviewers(REPO, number) == []
    assert sandbox.jira.issues() == [] and sandbox.slack.messages() == []
    sandbox.github.mark_ready(REPO, number)
    sandbox.send(
        "pull_request", hooks.pull_request(sandbox.github, REPO, number, "ready_for_review")
    )
    sandbox.settle()
    assert sandbox.github.requested_reviewers(REPO, number) == [PLATFORM]
    assert len(sandbox.jira.issues()) == 1 and len(sandbox.slack.messages()) == 1


def test_a_deleted_sticky_comment_is_posted_again(sandbox: Sandbox) -> None:
    number = sandbox.open_pull("Add deploy workflow", [WORKFLOW])
    [comment] = sandbox.github.comments(REPO, number)
    with sandbox.github.lock:
        del sandbox.github.repo(REPO).comments[comment.id]  # someone deleted it
    sandbox.review(number, PLATFORM, "APPROVED")
    comments = sandbox.github.comments(REPO, number)
    assert len(comments) == 1 and "every required review is in" in comments[0].body
    assert sandbox.check_run(number).conclusion == "success"


def test_a_refused_review_request_is_not_retried_on_every_event(sandbox: Sandbox) -> None:
    sandbox.github.set_permission(REPO, PLATFORM, "none")  # not a collaborator any more
    number = sandbox.open_pull("Add deploy workflow", [WORKFLOW])
    assert "GitHub refused the review request" in sandbox.check_run(number).summary
    sandbox.push(number, [DOCS_MORE])
    assert sandbox.github.calls("pulls/request-reviewers") == 1
    # GitHub's refusal is the one request the fake rejected, as this test intends
    assert len(sandbox.github.violations) == 1 and "collaborator" in sandbox.github.violations[0]
    sandbox.github.violations.clear()
