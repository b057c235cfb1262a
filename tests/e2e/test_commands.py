"""Comment commands as PR authors, reviewers and managers use them."""

from __future__ import annotations

from app.sandbox.clock import ManualClock
from app.sandbox.fake_github import payloads as hooks
from app.sandbox.world import AUTHOR, OUTSIDER, REPO, Sandbox
from tests.e2e.changes import DOCS, WORKFLOW

ALAN = "alan-sherman"
MANAGER = "example-eng-manager"


def reactions(sandbox: Sandbox, comment: dict[str, object]) -> list[str]:
    return [r.content for r in sandbox.github.reactions(int(comment["id"]))]  # type: ignore[arg-type]


def replies(sandbox: Sandbox, number: int) -> list[str]:
    return [
        c.body
        for c in sandbox.github.comments(REPO, number)
        if "gatehouse:sticky" not in c.body and c.user == "gatehouse[bot]"
    ]


def test_recheck_re_evaluates_and_is_acknowledged(sandbox: Sandbox) -> None:
    number = sandbox.open_pull("Add deploy workflow", [WORKFLOW])
    sandbox.github.add_review(REPO, number, ALAN, "APPROVED")  # the review event was lost
    comment = sandbox.comment(number, AUTHOR, "/recheck")
    assert sandbox.check_run(number).conclusion == "success"
    assert reactions(sandbox, comment) == ["+1"]


def test_unknown_command_gets_usage_and_no_reaction(sandbox: Sandbox) -> None:
    number = sandbox.open_pull("Add deploy workflow", [WORKFLOW])
    comment = sandbox.comment(number, AUTHOR, "/expidite now")
    assert reactions(sandbox, comment) == []
    [reply] = replies(sandbox, number)
    assert "not a gatehouse command" in reply and "/expedite" in reply


def test_bot_comments_never_run_commands(sandbox: Sandbox) -> None:
    number = sandbox.open_pull("Add deploy workflow", [WORKFLOW])
    sandbox.comment(number, "other-app[bot]", "/expedite because", user_type="Bot")
    assert replies(sandbox, number) == []
    assert "expedited" not in sandbox.github.labels(REPO, number)


def test_redelivered_command_runs_once(sandbox: Sandbox) -> None:
    number = sandbox.open_pull("Add deploy workflow", [WORKFLOW])
    comment = sandbox.github.add_comment(REPO, number, AUTHOR, "/expedite prod is down")
    payload = hooks.issue_comment(sandbox.github, REPO, number, comment)
    sandbox.send("issue_comment", payload)
    sandbox.send("issue_comment", payload)
    sandbox.settle()
    assert len(replies(sandbox, number)) == 1
    assert len([m for m in sandbox.slack.messages() if "Expedited" in m.text]) == 1


def test_expedite_refused_for_someone_without_write_access(sandbox: Sandbox) -> None:
    number = sandbox.open_pull("Add deploy workflow", [WORKFLOW])
    comment = sandbox.comment(number, OUTSIDER, "/expedite please")
    assert reactions(sandbox, comment) == []
    assert "Only the author and people with write access" in replies(sandbox, number)[0]
    assert sandbox.github.labels(REPO, number) == []


def test_expedite_needs_a_reason(sandbox: Sandbox) -> None:
    number = sandbox.open_pull("Add deploy workflow", [WORKFLOW])
    sandbox.comment(number, AUTHOR, "/expedite")
    assert "reason is required" in replies(sandbox, number)[0]


def test_expedite_life_cycle_through_post_implementation_review(
    sandbox: Sandbox, clock: ManualClock
) -> None:
    number = sandbox.open_pull("Hotfix the deploy workflow", [WORKFLOW])
    comment = sandbox.comment(number, AUTHOR, "/expedite production deploys are failing")
    assert reactions(sandbox, comment) == ["+1"]
    assert sandbox.github.labels(REPO, number) == ["expedited"]
    run = sandbox.check_run(number)
    assert "Expedited" in run.summary
    expedite_message = [
        m for m in sandbox.slack.messages() if "Expedited review requested" in m.text
    ]
    assert len(expedite_message) == 1
    for slack_id in ("U0PLATF001", "U0PLATF002", "U0PLATF003"):
        assert f"<@{slack_id}>" in expedite_message[0].text
    assert "production deploys are failing" in expedite_message[0].text
    ticket = sandbox.jira.issues()[0]
    assert "expedited" in ticket.labels
    sandbox.review(number, ALAN, "APPROVED")
    sandbox.merge(number)
    pir = [i for i in sandbox.jira.issues() if i.summary.startswith("Post-implementation review")]
    assert len(pir) == 1 and pir[0].duedate is not None
    assert "Post-implementation review" in sandbox.github.comments(REPO, number)[0].body
    clock.advance(hours=25)
    sandbox.settle()
    assert any("is overdue" in m.text for m in sandbox.slack.messages())
    sandbox.jira.set_status(pir[0].key, "Done")
    clock.advance(hours=25)
    sandbox.settle()
    kinds = [r.kind for r in sandbox.service.audit.export(None)]
    assert "pir-done" in kinds


def test_disagreement_escalates_when_the_joint_review_runs_out(
    sandbox: Sandbox, clock: ManualClock
) -> None:
    number = sandbox.open_pull("Add deploy workflow", [WORKFLOW])
    sandbox.review(number, ALAN, "CHANGES_REQUESTED")
    refused = sandbox.comment(number, OUTSIDER, "/disagree not my PR but still")
    assert reactions(sandbox, refused) == []
    comment = sandbox.comment(number, AUTHOR, "/disagree the workflow only runs on tags")
    assert reactions(sandbox, comment) == ["+1"]
    reply = replies(sandbox, number)[-1]
    assert f"@{ALAN}" in reply and "document your technical rationale" in reply
    assert any(
        "<@U0PLATF001>" in m.text and "disagrees" in m.text for m in sandbox.slack.messages()
    )
    sandbox.comment(number, ALAN, "It also runs on workflow_dispatch, which is the risk.")
    clock.advance(hours=25)
    sandbox.settle()
    assert any(
        "<@U0ENGMG001>" in m.text and "not resolved" in m.text for m in sandbox.slack.messages()
    )
    assert "escalated to engineering management" in sandbox.check_run(number).summary
    kinds = [r.kind for r in sandbox.service.audit.export(None)]
    assert {"disagreement", "rationale", "escalation"} <= set(kinds)


def test_decision_approve_satisfies_the_disputed_group(sandbox: Sandbox) -> None:
    number = sandbox.open_pull("Add deploy workflow", [WORKFLOW])
    sandbox.review(number, ALAN, "CHANGES_REQUESTED")
    early = sandbox.comment(number, MANAGER, "/decision approve nothing to decide yet")
    assert reactions(sandbox, early) == []
    sandbox.comment(number, AUTHOR, "/disagree it is safe")
    not_manager = sandbox.comment(number, AUTHOR, "/decision approve I decide")
    assert reactions(sandbox, not_manager) == []
    assert "Only engineering management" in replies(sandbox, number)[-1]
    decision = sandbox.comment(
        number, MANAGER, "/decision approve the risk is accepted for this release"
    )
    assert reactions(sandbox, decision) == ["+1"]
    run = sandbox.check_run(number)
    assert run.conclusion == "success"
    assert "final decision by @example-eng-manager: approved" in run.summary
    ticket = sandbox.jira.issues()[0]
    assert any("Final decision" in str(c.body) for c in sandbox.jira.comments(ticket.key))


def test_decision_reject_keeps_it_blocked(sandbox: Sandbox) -> None:
    number = sandbox.open_pull("Add deploy workflow", [WORKFLOW])
    sandbox.review(number, ALAN, "CHANGES_REQUESTED")
    sandbox.comment(number, AUTHOR, "/disagree it is safe")
    sandbox.comment(number, MANAGER, "/decision reject fix the trigger first")
    assert sandbox.check_run(number).conclusion == "failure"
    assert "rejected" in sandbox.check_run(number).summary


def test_arch_review_puts_the_pull_request_on_the_agenda(sandbox: Sandbox) -> None:
    from app.agenda import build_agenda

    number = sandbox.open_pull("Fix a typo", [DOCS])
    comment = sandbox.comment(number, AUTHOR, "/arch-review")
    assert reactions(sandbox, comment) == ["+1"]
    assert "Added to the agenda" in replies(sandbox, number)[0]
    ruleset = sandbox.service.rules.organisation().compiled.ruleset  # type: ignore[union-attr]
    agenda = build_agenda(sandbox.service.records, ruleset, sandbox.service.runtime.now())
    assert [(i.number, i.reason) for i in agenda.items] == [(number, f"/arch-review by @{AUTHOR}")]
    sandbox.review(number, "example-architect-one", "APPROVED")
    agenda = build_agenda(sandbox.service.records, ruleset, sandbox.service.runtime.now())
    assert agenda.items == [], "a PR decided by the Architectural Team leaves the queue"


def test_command_on_a_closed_pull_request_says_so(sandbox: Sandbox) -> None:
    number = sandbox.open_pull("Add deploy workflow", [WORKFLOW])
    sandbox.merge(number)
    sandbox.comment(number, AUTHOR, "/expedite too late")
    assert "merged" in replies(sandbox, number)[-1]


def test_edited_comment_does_not_run_again(sandbox: Sandbox) -> None:
    number = sandbox.open_pull("Add deploy workflow", [WORKFLOW])
    comment = sandbox.github.add_comment(REPO, number, AUTHOR, "/expedite now")
    edited = hooks.issue_comment(sandbox.github, REPO, number, comment, action="edited")
    answer = sandbox.send("issue_comment", edited)
    sandbox.settle()
    assert answer.json()["status"] == "ignored"
    assert sandbox.github.labels(REPO, number) == []


def test_agenda_is_posted_to_slack_before_the_call(sandbox: Sandbox, clock: ManualClock) -> None:
    number = sandbox.open_pull("Fix a typo", [DOCS])
    sandbox.comment(number, AUTHOR, "/arch-review")
    clock.advance(days=2, hours=6, minutes=5)  # Wednesday 15:05 PST, the call is at 16:00
    sandbox.settle()
    posts = [m for m in sandbox.slack.messages() if "Agenda of the architecture review" in m.text]
    assert len(posts) == 1
    assert f"acme/web#{number}" in posts[0].text


def test_audit_export_lists_what_happened(sandbox: Sandbox, capsys: object) -> None:
    import json
    import os

    from app.cli import main

    number = sandbox.open_pull("Add deploy workflow", [WORKFLOW])
    sandbox.comment(number, AUTHOR, "/expedite outage")
    os.environ["GATEHOUSE_DATABASE_URL"] = sandbox.settings.database_url
    try:
        assert main(["audit", "export", "--format", "jsonl"]) == 0
    finally:
        del os.environ["GATEHOUSE_DATABASE_URL"]
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]  # type: ignore[attr-defined]
    kinds = [entry["kind"] for entry in lines]
    assert {"evaluation", "ticket-created", "expedite", "command"} <= set(kinds)
    assert all(
        entry["repository"] == REPO and entry["number"] == number
        for entry in lines
        if entry["kind"] != "agenda-posted"
    )
