"""Verification (SPEC section 8): once a change Platform Engineering approved merges, its
ticket moves to verification and the approver is asked to verify it once deployed, with a
clock, until a member says ``/verified``."""

from __future__ import annotations

from typing import Any

from app.sandbox.clock import ManualClock
from app.sandbox.fake_github import FileChange
from app.sandbox.fake_github import payloads as hooks
from app.sandbox.fake_jira import WorkflowTransition
from app.sandbox.world import AUTHOR, OUTSIDER, REPO, Sandbox
from tests.e2e.changes import WORKFLOW
from tests.e2e.test_commands import reactions, replies

ALAN = "alan-sherman"
ANTONIA = "antonia-gaete"
ROBERT = "robert-detjens"
ANTONIA_SLACK = "<@U0PLATF002>"
NEW_DEPENDENCY = FileChange(  # a new technology for the Architectural Team, nothing else
    "package.json",
    patch=(
        '@@ -1,6 +1,7 @@\n {\n   "name": "web",\n   "dependencies": {\n'
        '+    "left-pad": "^1.3.0",\n     "react": "^18.2.0"\n   }\n }\n'
    ),
)


def merged_workflow_change(sandbox: Sandbox, approver: str = ANTONIA, author: str = AUTHOR) -> int:
    number = sandbox.open_pull("Add deploy workflow", [WORKFLOW], author=author)
    sandbox.review(number, approver, "APPROVED")
    assert sandbox.check_run(number).conclusion == "success"
    sandbox.merge(number)
    return number


def ticket(sandbox: Sandbox) -> Any:
    [issue] = sandbox.jira.issues()
    return issue


def asks(sandbox: Sandbox) -> list[str]:
    return [m.text for m in sandbox.slack.messages() if "Please verify" in m.text]


def sticky(sandbox: Sandbox, number: int) -> str:
    [body] = [c.body for c in sandbox.github.comments(REPO, number) if "gatehouse:sticky" in c.body]
    return body


def audited(sandbox: Sandbox, kind: str) -> list[dict[str, Any]]:
    return [r.detail for r in sandbox.service.audit.export(None) if r.kind == kind]


def verification_timers(sandbox: Sandbox) -> list[str]:
    return [t.key for t in sandbox.service.timers.pending() if t.kind.startswith("verification")]


def test_merge_moves_the_ticket_to_verification_and_asks_the_approver(sandbox: Sandbox) -> None:
    number = merged_workflow_change(sandbox)
    assert ticket(sandbox).status == "In Verification"
    assert len(sandbox.jira.calls("doTransition")) == 1
    [ask] = asks(sandbox)
    assert ANTONIA_SLACK in ask, "the member whose approval counted is asked"
    assert f"acme/web#{number}" in ask and ticket(sandbox).key in ask
    body = sticky(sandbox, number)
    assert "**Verification**" in body and f"@{ANTONIA}: please verify" in body
    assert "Due: 2026-12-01 17:00 PST (in 2 business days)" in body
    assert "is in In Verification" in body
    [requested] = audited(sandbox, "verification-requested")
    assert requested["verifier"] == ANTONIA and requested["why"] == "approved"
    assert len(verification_timers(sandbox)) == 2


def test_the_verifier_is_reminded_then_told_it_is_overdue(
    sandbox: Sandbox, clock: ManualClock
) -> None:
    merged_workflow_change(sandbox)
    clock.advance(days=1, hours=6, minutes=5)  # Tuesday 15:05 PST: due at 17:00
    sandbox.settle()
    [reminder] = [m.text for m in sandbox.slack.messages() if "reminder: please verify" in m.text]
    assert ANTONIA_SLACK in reminder
    clock.advance(days=1)
    sandbox.settle()
    [overdue] = [m.text for m in sandbox.slack.messages() if "is overdue" in m.text]
    assert ANTONIA_SLACK in overdue and "2026-12-01 17:00 PST" in overdue
    assert len(audited(sandbox, "verification-reminder")) == 1
    assert len(audited(sandbox, "verification-overdue")) == 1


def test_verified_by_a_member_closes_it_moves_the_ticket_to_done_and_stops_the_clock(
    sandbox: Sandbox, clock: ManualClock
) -> None:
    number = merged_workflow_change(sandbox)
    comment = sandbox.comment(number, ALAN, "/verified deployed to production, checked the run")
    assert reactions(sandbox, comment) == ["+1"]
    assert ticket(sandbox).status == "Done"
    assert verification_timers(sandbox) == []
    [entry] = audited(sandbox, "verification")
    assert (
        entry["outcome"] == "verified"
        and entry["note"] == "deployed to production, checked the run"
    )
    assert f"Verified by @{ALAN}" in sticky(sandbox, number)
    assert "is in Done" in sticky(sandbox, number)
    clock.advance(days=3)
    sandbox.settle()
    assert [m for m in sandbox.slack.messages() if "overdue" in m.text] == []


def test_verified_by_the_author_or_an_outsider_is_refused_and_changes_nothing(
    sandbox: Sandbox,
) -> None:
    number = merged_workflow_change(sandbox, approver=ALAN, author=ROBERT)
    for who in (ROBERT, OUTSIDER):
        comment = sandbox.comment(number, who, "/verified")
        assert reactions(sandbox, comment) == []
        assert "Only Platform Engineering" in replies(sandbox, number)[-1]
    assert ticket(sandbox).status == "In Verification"
    assert len(verification_timers(sandbox)) == 2
    assert audited(sandbox, "verification") == []


def test_verification_failed_tells_the_author_and_keeps_it_open(sandbox: Sandbox) -> None:
    number = merged_workflow_change(sandbox)
    missing = sandbox.comment(number, ANTONIA, "/verification-failed")
    assert "the note is required" in replies(sandbox, number)[-1]
    assert reactions(sandbox, missing) == []
    comment = sandbox.comment(number, ANTONIA, "/verification-failed the job still deploys on push")
    assert reactions(sandbox, comment) == ["+1"]
    reply = replies(sandbox, number)[-1]
    assert f"@{AUTHOR}, the verification of this change failed" in reply
    assert "the job still deploys on push" in reply
    assert any(
        f"@{AUTHOR}" in m.text and "failed" in m.text and "deploys on push" in m.text
        for m in sandbox.slack.messages()
    )
    assert ticket(sandbox).status == "In Verification"
    assert len(verification_timers(sandbox)) == 2
    assert "deploys on push" in sticky(sandbox, number)
    [entry] = audited(sandbox, "verification")
    assert entry == {
        "outcome": "failed",
        "note": "the job still deploys on push",
        "ticket": "LFXV2-1",
    }
    sandbox.comment(number, ANTONIA, "/verified fixed in the follow-up")
    assert ticket(sandbox).status == "Done"
    assert [e["outcome"] for e in audited(sandbox, "verification")] == ["failed", "verified"]


def test_redelivered_events_act_once(sandbox: Sandbox) -> None:
    number = sandbox.open_pull("Add deploy workflow", [WORKFLOW])
    sandbox.review(number, ANTONIA, "APPROVED")
    sandbox.github.close_pull(REPO, number, merged=True)
    closed = hooks.pull_request(sandbox.github, REPO, number, "closed")
    for delivery in ("closed-1", "closed-1", "closed-2"):
        sandbox.send("pull_request", closed, delivery_id=delivery)
    sandbox.settle()
    comment = sandbox.github.add_comment(REPO, number, ALAN, "/verified all good")
    said = hooks.issue_comment(sandbox.github, REPO, number, comment)
    for delivery in ("comment-1", "comment-1", "comment-2"):
        sandbox.send("issue_comment", said, delivery_id=delivery)
    sandbox.settle()
    assert [r.json_body for r in sandbox.jira.calls("doTransition")] == [
        {"transition": {"id": "21"}},
        {"transition": {"id": "41"}},
    ]
    assert len(asks(sandbox)) == 1
    assert len(audited(sandbox, "verification-requested")) == 1
    assert len(audited(sandbox, "verification")) == 1
    assert len(audited(sandbox, "jira-transition")) == 2
    assert len(replies(sandbox, number)) == 0


def test_a_change_that_needed_only_architecture_has_no_verification(sandbox: Sandbox) -> None:
    number = sandbox.open_pull("Add left-pad", [NEW_DEPENDENCY])
    sandbox.review(number, "example-architect-one", "APPROVED")
    sandbox.merge(number)
    assert sandbox.jira.calls("getTransitions") == []
    assert asks(sandbox) == []
    assert "verification" not in sandbox.service.records.load(REPO, number)
    sandbox.comment(number, ALAN, "/verified")
    assert "No verification is pending" in replies(sandbox, number)[-1]


def test_verified_before_the_merge_says_there_is_nothing_to_verify_yet(sandbox: Sandbox) -> None:
    number = sandbox.open_pull("Add deploy workflow", [WORKFLOW])
    comment = sandbox.comment(number, ALAN, "/verified")
    assert reactions(sandbox, comment) == []
    assert "Nothing to verify yet" in replies(sandbox, number)[-1]


def test_a_workflow_without_the_transition_leaves_the_ticket_and_says_so(
    sandbox: Sandbox,
) -> None:
    sandbox.jira.set_workflow([WorkflowTransition("2", "Close", "Done", ("To Do",))])
    number = merged_workflow_change(sandbox)
    assert ticket(sandbox).status == "To Do"
    assert sandbox.jira.calls("doTransition") == []
    [noted] = audited(sandbox, "jira-transition")
    assert noted["outcome"] == "not-offered" and noted["offered"] == ["Close (-> Done)"]
    assert "offers no “In Verification” transition from To Do" in sticky(sandbox, number)
    assert len(asks(sandbox)) == 1, "the verifier is asked all the same"
    sandbox.comment(number, ALAN, "/verified")
    assert ticket(sandbox).status == "Done", "the done transition matches the target status"
