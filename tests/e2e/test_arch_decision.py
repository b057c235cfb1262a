"""``/arch-decision``: the Architectural Team records the weekly call's outcome on a PR."""

from __future__ import annotations

from app.sandbox.clock import ManualClock
from app.sandbox.fake_github import FileChange
from app.sandbox.fake_github import payloads as hooks
from app.sandbox.world import AUTHOR, OUTSIDER, REPO, Sandbox
from tests.e2e.changes import DOCS, WORKFLOW
from tests.e2e.test_commands import reactions, replies

ARCHITECT = "example-architect-one"
OTHER_ARCHITECT = "example-architect-two"
NEW_DEPENDENCY = FileChange(
    "package.json",
    patch=(
        '@@ -1,6 +1,7 @@\n {\n   "name": "web",\n   "dependencies": {\n'
        '+    "left-pad": "^1.3.0",\n     "react": "^18.2.0"\n   }\n }\n'
    ),
)


def decisions_recorded(sandbox: Sandbox) -> list[dict[str, object]]:
    return [r.detail for r in sandbox.service.audit.export() if r.kind == "arch-decision"]


def test_approve_counts_as_the_members_approval_and_passes_the_check(sandbox: Sandbox) -> None:
    number = sandbox.open_pull("Add left-pad", [NEW_DEPENDENCY])
    assert sandbox.check_run(number).conclusion == "action_required"
    comment = sandbox.comment(
        number, ARCHITECT, "/arch-decision approve small, well-known library; fits the stack"
    )
    assert reactions(sandbox, comment) == ["+1"]
    run = sandbox.check_run(number)
    assert run.conclusion == "success"
    assert f"review call: approve by @{ARCHITECT}" in run.summary
    assert f"counted as @{ARCHITECT}'s approval" in run.summary
    [reply] = replies(sandbox, number)
    assert "Architecture review outcome recorded: **approve**" in reply
    assert "fits the stack" in reply
    sticky = [c.body for c in sandbox.github.comments(REPO, number) if "gatehouse:sticky" in c.body]
    assert f"review call: approve by @{ARCHITECT}" in sticky[0]
    assert decisions_recorded(sandbox) == [
        {"decision": "approve", "rationale": "small, well-known library; fits the stack"}
    ]


def test_changes_blocks_until_a_later_decision_replaces_it(
    sandbox: Sandbox, clock: ManualClock
) -> None:
    number = sandbox.open_pull("Add left-pad", [NEW_DEPENDENCY])
    sandbox.comment(number, ARCHITECT, "/arch-decision changes use the standard library instead")
    run = sandbox.check_run(number)
    assert run.conclusion == "failure"
    assert "Changes requested by Architectural Team" in run.title
    clock.advance(minutes=5)
    sandbox.comment(number, OTHER_ARCHITECT, "/arch-decision approve agreed after the call")
    assert sandbox.check_run(number).conclusion == "success"
    assert "It replaces the earlier outcome (changes requested" in replies(sandbox, number)[-1]
    assert [d["decision"] for d in decisions_recorded(sandbox)] == ["changes", "approve"]


def test_reject_fails_the_check_and_survives_a_push(sandbox: Sandbox) -> None:
    number = sandbox.open_pull("Add left-pad", [NEW_DEPENDENCY])
    sandbox.comment(number, ARCHITECT, "/arch-decision reject we do not take micro-packages")
    run = sandbox.check_run(number)
    assert run.conclusion == "failure"
    assert run.title == "Rejected at the review call by Architectural Team"
    assert "we do not take micro-packages" in run.summary
    sandbox.push(number, [DOCS])
    run = sandbox.check_run(number)
    assert run.conclusion == "failure", "a push keeps the call's outcome"
    assert "rejected (review call: reject" in run.summary


def test_approve_on_a_push_is_kept_while_a_later_review_takes_its_place(
    sandbox: Sandbox, clock: ManualClock
) -> None:
    number = sandbox.open_pull("Add left-pad", [NEW_DEPENDENCY])
    sandbox.comment(number, ARCHITECT, "/arch-decision approve fine")
    sandbox.push(number, [NEW_DEPENDENCY, DOCS])
    assert sandbox.check_run(number).conclusion == "success"
    clock.advance(minutes=5)
    sandbox.review(number, ARCHITECT, "CHANGES_REQUESTED")
    assert sandbox.check_run(number).conclusion == "failure"


def test_someone_outside_the_architectural_team_is_refused_with_no_effect(
    sandbox: Sandbox,
) -> None:
    number = sandbox.open_pull("Add left-pad", [NEW_DEPENDENCY])
    for login in (OUTSIDER, AUTHOR, "alan-sherman"):
        comment = sandbox.comment(number, login, "/arch-decision approve looks fine to me")
        assert reactions(sandbox, comment) == []
        assert "Only the Architectural Team" in replies(sandbox, number)[-1]
        assert f"@{ARCHITECT}" in replies(sandbox, number)[-1]
    assert sandbox.check_run(number).conclusion == "action_required"
    assert decisions_recorded(sandbox) == []
    assert "call_decisions" not in sandbox.service.records.load(REPO, number)


def test_malformed_decision_gets_usage(sandbox: Sandbox) -> None:
    number = sandbox.open_pull("Add left-pad", [NEW_DEPENDENCY])
    no_verdict = sandbox.comment(number, ARCHITECT, "/arch-decision maybe later")
    assert reactions(sandbox, no_verdict) == []
    assert "say `approve`, `changes` or `reject` first" in replies(sandbox, number)[-1]
    assert "Usage: `/arch-decision approve|changes|reject RATIONALE" in replies(sandbox, number)[-1]
    sandbox.comment(number, ARCHITECT, "/arch-decision approve")
    assert "the rationale is required" in replies(sandbox, number)[-1]
    assert decisions_recorded(sandbox) == []


def test_a_redelivered_decision_is_recorded_once(sandbox: Sandbox) -> None:
    number = sandbox.open_pull("Deploy workflow and left-pad", [WORKFLOW, NEW_DEPENDENCY])
    [ticket] = sandbox.jira.issues()
    comment = sandbox.github.add_comment(REPO, number, ARCHITECT, "/arch-decision approve ok")
    payload = hooks.issue_comment(sandbox.github, REPO, number, comment)
    sandbox.send("issue_comment", payload, delivery_id="arch-decision-1")
    sandbox.send("issue_comment", payload, delivery_id="arch-decision-1")
    sandbox.send("issue_comment", payload, delivery_id="arch-decision-2")
    sandbox.settle()
    assert len(decisions_recorded(sandbox)) == 1
    jira_notes = [
        c for c in sandbox.jira.comments(ticket.key) if "Architecture review outcome" in str(c.body)
    ]
    assert len(jira_notes) == 1 and "approve" in str(jira_notes[0].body)
    assert len(replies(sandbox, number)) == 1
    assert reactions(sandbox, comment) == ["+1"]
