"""Deployments through the real service: gatehouse as a custom deployment protection rule
against the fake GitHub, Slack, and the deployment pages signed in through GitHub's OAuth
flow."""

from __future__ import annotations

import re

import httpx
import pytest

from app.sandbox.fake_github import FileChange
from app.sandbox.fake_github import payloads as hooks
from app.sandbox.fake_github.deployments import Deployment, GateReview
from app.sandbox.world import AUTHOR, OUTSIDER, REPO, Sandbox
from app.store.audit import AuditRecord
from tests.e2e.changes import DOCS, DOCS_MORE, WORKFLOW
from tests.e2e.visitors import anonymous, csrf_token, sign_in

PLATFORM = "alan-sherman"
OTHER_PLATFORM = "antonia-gaete"
STRANGER = "eve-elsewhere"  # a GitHub user who can read nothing of acme's
EVENT = "deployment_protection_rule"


def start(sandbox: Sandbox, environment: str = "production") -> tuple[Deployment, dict]:
    deployment = sandbox.github.start_deployment(REPO, environment, creator=AUTHOR)
    return deployment, hooks.deployment_protection_rule(sandbox.github, REPO, deployment.id)


def deploy(
    sandbox: Sandbox, environment: str = "production", delivery_id: str | None = None
) -> Deployment:
    deployment, payload = start(sandbox, environment)
    assert sandbox.send(EVENT, payload, delivery_id).status_code == 202
    sandbox.settle()
    return deployment


def decisions(sandbox: Sandbox, deployment: Deployment) -> list[GateReview]:
    """The reviews that approved or rejected the deployment (status notes left out)."""
    reviews = sandbox.github.gate_reviews(REPO, deployment.run_id)
    return [review for review in reviews if review.state is not None]


def audit(sandbox: Sandbox) -> list[AuditRecord]:
    return [r for r in sandbox.service.audit.export() if r.kind == "deployment-decision"]


def page_id(sandbox: Sandbox, deployment: Deployment) -> int:
    rows = [
        *sandbox.service.deployment_store.waiting(),
        *sandbox.service.deployment_store.recent_decisions(),
    ]
    (row,) = [r for r in rows if r.deployment_id == deployment.id]
    return row.id


def waiting_direct_push(sandbox: Sandbox) -> tuple[str, Deployment, int]:
    """A docs change pushed straight to main and deployed: it waits for Platform
    Engineering. Returns the commit's sha, the deployment and its page's id."""
    pushed = sandbox.github.push_direct(REPO, AUTHOR, [DOCS_MORE])
    waiting = deploy(sandbox)
    return pushed, waiting, page_id(sandbox, waiting)


def approved_pull(sandbox: Sandbox, title: str, files: list[FileChange]) -> int:
    number = sandbox.open_pull(title, files, head_ref=f"feature/{title.lower().replace(' ', '-')}")
    if sandbox.check_run(number).conclusion != "success":
        sandbox.review(number, PLATFORM, "APPROVED")
    assert sandbox.check_run(number).conclusion == "success"
    sandbox.merge(number)
    return number


@pytest.fixture
def baseline(sandbox: Sandbox) -> Deployment:
    """production's first deployment, approved at once: a docs change through a PR."""
    approved_pull(sandbox, "Docs tweak", [DOCS])
    first = deploy(sandbox)
    assert [r.state for r in decisions(sandbox, first)] == ["approved"]
    return first


def decide(
    sandbox: Sandbox, client: httpx.Client, number: int, decision: str, rationale: str
) -> httpx.Response:
    page = client.get(f"/deployments/{number}")
    assert page.status_code == 200, page.text
    data = {"csrf_token": csrf_token(page.text), "decision": decision, "rationale": rationale}
    return client.post(f"/deployments/{number}", data=data)


def test_changes_through_approved_pull_requests_are_approved_at_once(
    sandbox: Sandbox, baseline: Deployment
) -> None:
    workflow = approved_pull(sandbox, "Deploy workflow", [WORKFLOW])
    docs = approved_pull(sandbox, "More docs", [DOCS_MORE])
    second = deploy(sandbox)
    [review] = decisions(sandbox, second)
    assert (review.state, review.environment) == ("approved", "production")
    assert f"#{workflow}" in review.comment and f"#{docs}" in review.comment
    assert sandbox.github.gate_reviews(REPO, second.run_id) == [review]  # no waiting note
    entries = audit(sandbox)
    assert [e.actor for e in entries] == ["gatehouse", "gatehouse"]
    assert entries[-1].detail == {
        "environment": "production",
        "sha": second.sha,
        "decision": "approved",
        "rationale": entries[-1].detail["rationale"],
        "deployment_id": second.id,
        "run_id": second.run_id,
    }
    assert "every change came through an approved pull request" in entries[-1].detail["rationale"]
    assert not [m for m in sandbox.slack.messages() if "/deployments/" in m.text]


def test_a_direct_push_waits_for_platform_engineering_who_approve_on_the_page(
    sandbox: Sandbox, baseline: Deployment
) -> None:
    pushed = sandbox.github.push_direct(REPO, AUTHOR, [DOCS_MORE], message="Hotfix the FAQ")
    waiting = deploy(sandbox)
    assert decisions(sandbox, waiting) == []  # never rejected by gatehouse itself
    [note] = sandbox.github.gate_reviews(REPO, waiting.run_id)
    assert note.state is None and "Waiting for Platform Engineering" in note.comment
    number = page_id(sandbox, waiting)
    [message] = [m for m in sandbox.slack.messages() if "/deployments/" in m.text]
    assert f"{sandbox.settings.public_url}/deployments/{number}" in message.text
    assert pushed[:7] in message.text and AUTHOR in message.text
    assert "<@U0PLATF001>" in message.text and "<@U0PLATF003>" in message.text

    member = sign_in(sandbox, PLATFORM, next_page=f"/deployments/{number}")
    page = member.get(f"/deployments/{number}")
    assert page.status_code == 200
    assert pushed[:7] in page.text and "Hotfix the FAQ" in page.text
    assert "Approve deployment" in page.text and "Reject deployment" in page.text
    listing = member.get("/deployments")
    assert listing.status_code == 200 and f"/deployments/{number}" in listing.text

    missing_reason = decide(sandbox, member, number, "approve", "   ")
    assert missing_reason.status_code == 303 and decisions(sandbox, waiting) == []
    answer = decide(sandbox, member, number, "approve", "hotfix checked with the author")
    assert answer.status_code == 303
    [review] = decisions(sandbox, waiting)
    assert review.state == "approved" and "hotfix checked with the author" in review.comment
    assert f"@{PLATFORM}" in review.comment
    # A second click, by the same member or another, changes nothing.
    decide(sandbox, member, number, "approve", "again")
    other = sign_in(sandbox, OTHER_PLATFORM, next_page="/deployments")
    page = other.get(f"/deployments/{number}")
    assert "Approve deployment" not in page.text and "hotfix checked with the author" in page.text
    token = csrf_token(page.text)
    data = {"csrf_token": token, "decision": "reject", "rationale": "too late"}
    assert other.post(f"/deployments/{number}", data=data).status_code == 303
    assert len(decisions(sandbox, waiting)) == 1
    [entry] = [e for e in audit(sandbox) if e.actor == PLATFORM]
    assert entry.detail["decision"] == "approved"
    assert entry.detail["rationale"] == "hotfix checked with the author"
    assert (entry.detail["sha"], entry.detail["run_id"]) == (waiting.sha, waiting.run_id)
    assert len(audit(sandbox)) == 2  # the baseline's and this one

    # The next deployment judges only what came after the approved one.
    later = approved_pull(sandbox, "Even more docs", [DOCS])
    third = deploy(sandbox)
    [review] = decisions(sandbox, third)
    assert review.state == "approved" and f"#{later}" in review.comment
    row = sandbox.service.deployment_store.get(page_id(sandbox, third))
    assert row is not None and row.detail["base_sha"] == waiting.sha


def test_platform_engineering_may_reject_with_a_reason(
    sandbox: Sandbox, baseline: Deployment
) -> None:
    _, waiting, number = waiting_direct_push(sandbox)
    member = sign_in(sandbox, PLATFORM, next_page=f"/deployments/{number}")
    assert decide(sandbox, member, number, "reject", "push it through a PR").status_code == 303
    [review] = decisions(sandbox, waiting)
    assert review.state == "rejected" and "push it through a PR" in review.comment
    [entry] = [e for e in audit(sandbox) if e.actor == PLATFORM]
    assert (entry.detail["decision"], entry.repository) == ("rejected", REPO)
    shown = member.get(f"/deployments/{number}").text
    assert "Rejected" in shown and "push it through a PR" in shown
    # A rejected deployment is not where the next one counts from.
    again = deploy(sandbox)
    assert decisions(sandbox, again) == []
    row = sandbox.service.deployment_store.get(page_id(sandbox, again))
    assert row is not None and row.detail["base_sha"] == baseline.sha


def test_only_platform_engineering_may_decide_and_only_members_may_look(
    sandbox: Sandbox, baseline: Deployment
) -> None:
    sandbox.github.add_user(STRANGER)
    pushed, waiting, number = waiting_direct_push(sandbox)
    page = f"/deployments/{number}"

    visitor = anonymous(sandbox)
    for path in (page, "/deployments"):
        answer = visitor.get(path)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/auth/login")
        assert pushed[:7] not in answer.text
    posted = visitor.post(page, data={"decision": "approve", "rationale": "x"})
    assert posted.status_code == 303

    author = sign_in(sandbox, AUTHOR, next_page=page)
    shown = author.get(page)
    assert shown.status_code == 200 and pushed[:7] in shown.text
    assert "Approve deployment" not in shown.text
    data = {"csrf_token": csrf_token(shown.text), "decision": "approve", "rationale": "mine"}
    refused = author.post(page, data=data)
    assert refused.status_code == 403 and "Platform Engineering" in refused.text
    forged = sign_in(sandbox, PLATFORM, next_page=page)
    no_token = forged.post(page, data={"decision": "approve", "rationale": "forged"})
    assert no_token.status_code == 403

    for login in (OUTSIDER, STRANGER):
        outsider = sign_in(sandbox, login, next_page="/deployments")
        for path in (page, "/deployments"):
            answer = outsider.get(path)
            assert answer.status_code == 404 and pushed[:7] not in answer.text
    assert decisions(sandbox, waiting) == []
    assert not [e for e in audit(sandbox) if e.actor != "gatehouse"]


@pytest.mark.parametrize("waits", [False, True], ids=["approved-at-once", "waiting"])
def test_a_redelivered_request_acts_once(
    sandbox: Sandbox, baseline: Deployment, waits: bool
) -> None:
    if waits:
        sandbox.github.push_direct(REPO, AUTHOR, [DOCS_MORE])
    else:
        approved_pull(sandbox, "More docs", [DOCS_MORE])
    deployment, payload = start(sandbox)
    assert sandbox.send(EVENT, payload, "delivery-1").status_code == 202
    assert sandbox.send(EVENT, payload, "delivery-1").status_code == 202  # duplicate id
    sandbox.settle()
    assert sandbox.send(EVENT, payload, "delivery-2").status_code == 202  # a new id
    sandbox.settle()
    reviews = sandbox.github.gate_reviews(REPO, deployment.run_id)
    messages = [m for m in sandbox.slack.messages() if "/deployments/" in m.text]
    if waits:
        assert [r.state for r in reviews] == [None] and len(messages) == 1
    else:
        assert [r.state for r in reviews] == ["approved"] and messages == []
    assert len(audit(sandbox)) == (1 if waits else 2)


def test_an_environment_gatehouse_does_not_protect_is_approved_at_once(
    sandbox: Sandbox,
) -> None:
    sandbox.github.push_direct(REPO, AUTHOR, [DOCS])
    staging = deploy(sandbox, "staging")
    [review] = decisions(sandbox, staging)
    assert (
        review.state == "approved" and "does not protect the staging environment" in review.comment
    )
    [entry] = audit(sandbox)
    assert (entry.actor, entry.detail["environment"]) == ("gatehouse", "staging")
    # ...and an approval there is no baseline for production: its first deployment is judged.
    production = deploy(sandbox)
    assert decisions(sandbox, production) == []


def test_pull_requests_merged_without_approvals_or_unseen_wait(
    sandbox: Sandbox, baseline: Deployment
) -> None:
    unapproved = sandbox.open_pull("Deploy workflow", [WORKFLOW], head_ref="ci/deploy")
    assert sandbox.check_run(unapproved).conclusion == "action_required"
    sandbox.merge(unapproved)
    unseen = sandbox.github.open_pull(REPO, AUTHOR, "Quiet change", [DOCS_MORE], head_ref="quiet")
    sandbox.github.close_pull(REPO, unseen.number, merged=True)
    waiting = deploy(sandbox)
    assert decisions(sandbox, waiting) == []
    [message] = [m for m in sandbox.slack.messages() if "/deployments/" in m.text]
    assert f"#{unapproved} Deploy workflow" in message.text
    assert "merged without the approvals" in message.text
    assert f"#{unseen.number} Quiet change" in message.text and "never evaluated" in message.text
    number = page_id(sandbox, waiting)
    shown = sign_in(sandbox, PLATFORM, next_page="/deployments").get(f"/deployments/{number}")
    assert re.search(rf">#{unapproved}</a>\s*Deploy workflow", shown.text)


def test_platform_engineering_may_decide_from_the_list_of_waiting_deployments(
    sandbox: Sandbox, baseline: Deployment
) -> None:
    _, waiting, number = waiting_direct_push(sandbox)
    author = sign_in(sandbox, AUTHOR, next_page="/deployments")
    assert 'value="approve"' not in author.get("/deployments").text
    member = sign_in(sandbox, PLATFORM, next_page="/deployments")
    listing = member.get("/deployments").text
    assert f'action="/deployments/{number}"' in listing and 'value="approve"' in listing
    data = {"csrf_token": csrf_token(listing), "decision": "approve", "rationale": "looked at it"}
    assert member.post(f"/deployments/{number}", data=data).status_code == 303
    [review] = decisions(sandbox, waiting)
    assert review.state == "approved" and "looked at it" in review.comment
    assert f"/deployments/{number}" in member.get("/deployments").text  # now under decisions
