"""The pages through the real service: sign-in with GitHub's OAuth web flow against the
fake, and what an anonymous visitor, an outsider, a reader and a member each see."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from app.container import Runtime
from app.sandbox.clock import ManualClock
from app.sandbox.world import AUTHOR, OUTSIDER, REPO, Sandbox, SandboxOptions
from app.settings import SHIPPED_RULES
from tests.e2e.changes import DOCS, SECURITY_GROUP, WORKFLOW
from tests.e2e.visitors import anonymous, csrf_token, first_form, sign_in

PLATFORM = "alan-sherman"
STRANGER = "eve-elsewhere"  # a GitHub user who can read nothing of acme's
MEMBER_WITHOUT_CACHE = "robert-detjens"  # asked about nothing yet: GitHub must answer


@pytest.fixture
def pulls(sandbox: Sandbox) -> dict[str, int]:
    sandbox.github.add_user(STRANGER)
    workflow = sandbox.open_pull("Add deploy workflow", [WORKFLOW])
    network = sandbox.open_pull("Open port 443 to the VPC", [SECURITY_GROUP])
    docs = sandbox.open_pull("Docs tweak", [DOCS])
    sandbox.comment(network, AUTHOR, "/expedite production is down")
    return {"workflow": workflow, "network": network, "docs": docs}


def _private_words(sandbox: Sandbox, number: int) -> list[str]:
    """What must never reach someone who cannot read the repository."""
    pull = sandbox.github.pull(REPO, number)
    return [pull.title, ".github/workflows/deploy.yml", "ci-github-actions", AUTHOR]


def test_an_anonymous_visitor_is_sent_to_sign_in_and_sees_nothing(
    sandbox: Sandbox, pulls: dict[str, int]
) -> None:
    visitor = anonymous(sandbox)
    for path in (
        f"/pulls/{REPO}/{pulls['workflow']}",
        f"/pulls/{REPO}/{pulls['workflow']}?format=json",
        f"/pulls/{REPO}/999",
        "/queue",
        "/me",
    ):
        answer = visitor.get(path)
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith("/auth/login?next=")
        for word in _private_words(sandbox, pulls["workflow"]):
            assert word not in answer.text
    home = visitor.get("/")
    assert home.status_code == 200 and "Sign in with GitHub" in home.text
    assert "Add deploy workflow" not in home.text
    # Posting a form without a session changes nothing.
    assert visitor.post("/me/away", data={"first_day": "2027-01-04"}).status_code == 303


def test_sign_in_returns_to_the_page_asked_for_with_a_safe_cookie(
    sandbox: Sandbox, pulls: dict[str, int]
) -> None:
    page = f"/pulls/{REPO}/{pulls['workflow']}"
    member = sign_in(sandbox, PLATFORM, next_page=page)
    cookie = member.cookies.jar
    (session,) = [c for c in cookie if c.name == "gatehouse_session"]
    assert session.has_nonstandard_attr("HttpOnly")
    assert session.get_nonstandard_attr("SameSite", "").lower() == "lax"
    assert not session.secure  # the sandbox's public URL is plain http
    shown = member.get(page)
    assert shown.status_code == 200
    assert "Add deploy workflow" in shown.text and "ci-github-actions" in shown.text


def test_a_member_sees_evidence_reviews_ticket_clocks_and_history(
    sandbox: Sandbox, pulls: dict[str, int]
) -> None:
    number = pulls["workflow"]
    sandbox.review(number, OUTSIDER, "APPROVED")  # not a Platform Engineering member
    sandbox.review(number, PLATFORM, "APPROVED")
    member = sign_in(sandbox, PLATFORM)
    page = member.get(f"/pulls/{REPO}/{number}").text
    assert ".github/workflows/deploy.yml" in page and "Platform Engineering" in page
    assert "not counted: not a member of the group" in page
    assert re.search(r"@alan-sherman</td>\s*<td>approved", page)
    ticket = sandbox.jira.issues()[0].key
    assert ticket in page
    assert "evaluation" in page and "ticket-created" in page  # the audit history
    assert "approved" in page
    as_json = member.get(f"/pulls/{REPO}/{number}?format=json").json()
    assert as_json["evaluation"]["conclusion"] == "success"


def test_an_outsider_gets_the_same_404_as_for_a_pull_request_that_does_not_exist(
    sandbox: Sandbox, pulls: dict[str, int]
) -> None:
    stranger = sign_in(sandbox, STRANGER)
    real = stranger.get(f"/pulls/{REPO}/{pulls['workflow']}")
    missing = stranger.get(f"/pulls/{REPO}/999")
    other_repo = stranger.get("/pulls/acme/secret-plans/1")
    assert real.status_code == missing.status_code == other_repo.status_code == 404
    assert real.text == missing.text
    for word in _private_words(sandbox, pulls["workflow"]):
        assert word not in real.text
    assert stranger.get("/queue").status_code == 404
    assert stranger.get(f"/pulls/{REPO}/{pulls['workflow']}?format=json").status_code == 404


def test_a_reader_outside_the_organisation_sees_the_pull_request_but_not_the_queue(
    sandbox: Sandbox, pulls: dict[str, int]
) -> None:
    reader = sign_in(sandbox, OUTSIDER)  # read access to acme/web, not an acme member
    assert reader.get(f"/pulls/{REPO}/{pulls['workflow']}").status_code == 200
    queue = reader.get("/queue")
    assert queue.status_code == 404
    assert "Add deploy workflow" not in queue.text


def test_the_queue_lists_open_requests_per_group_expedited_first_and_filters(
    sandbox: Sandbox, clock: ManualClock, pulls: dict[str, int]
) -> None:
    member = sign_in(sandbox, PLATFORM)
    page = member.get("/queue").text
    platform = page[page.index("<h2>Platform Engineering") : page.index("<h2>Architectural")]
    expedited = platform.index("Open port 443 to the VPC")
    standard = platform.index("Add deploy workflow")
    assert expedited < standard, "the expedited request comes first"
    assert "expedited" in platform[:standard]
    assert "@alan-sherman" in platform or "@antonia-gaete" in platform
    assert "Docs tweak" not in page  # needs nobody
    assert "overdue" not in platform
    clock.advance(days=10)
    member = sign_in(sandbox, PLATFORM)  # the first session ended after eight hours
    later = member.get("/queue").text
    assert "overdue" in later
    only_arch = member.get("/queue", params={"group": "architecture"}).text
    assert "Add deploy workflow" not in only_arch
    other_repo = member.get("/queue", params={"repo": "acme/other"}).text
    assert "Add deploy workflow" not in other_repo and "Nothing is waiting" in other_repo


def test_me_lists_my_requests_and_keeps_away_periods_behind_csrf(
    sandbox: Sandbox, pulls: dict[str, int]
) -> None:
    asked = sandbox.github.requested_reviewers(REPO, pulls["workflow"])[0]
    member = sign_in(sandbox, asked, next_page="/me")
    page = member.get("/me").text
    assert "Add deploy workflow" in page and "Platform Engineering" in page
    token = csrf_token(page)
    refused = member.post("/me/away", data={"first_day": "2027-12-21", "last_day": "2028-01-04"})
    assert refused.status_code == 403
    forged = member.post(
        "/me/away",
        data={"csrf_token": token, "first_day": "2027-12-21", "last_day": "2028-01-04"},
        headers={"Origin": "https://evil.example"},
    )
    assert forged.status_code == 403
    assert "2027-12-21" not in member.get("/me").text
    added = member.post(
        "/me/away",
        data={"csrf_token": token, "first_day": "2027-12-21", "last_day": "2028-01-04"},
        headers={"Origin": sandbox.url},
    )
    assert added.status_code == 303
    page = member.get("/me").text
    assert "2027-12-21 to 2028-01-04" in page
    backwards = member.post(
        "/me/away", data={"csrf_token": token, "first_day": "2028-01-04", "last_day": "2027-12-21"}
    )
    assert backwards.status_code == 303
    assert "last day comes before the first" in member.get("/me").text
    action, fields = first_form(page[page.index("2027-12-21 to 2028-01-04") :], sandbox.url + "/me")
    assert member.post(action, data=fields).status_code == 303
    assert "2027-12-21 to 2028-01-04" not in member.get("/me").text
    kinds = [r.kind for r in sandbox.service.audit.export()]
    assert "away" in kinds and "away-removed" in kinds


def test_sign_in_refuses_a_foreign_state_and_a_reused_code(sandbox: Sandbox) -> None:
    victim = anonymous(sandbox)
    victim.get("/auth/login")
    attacker = anonymous(sandbox)
    start = attacker.get("/auth/login").headers["location"]
    page = httpx.get(start)
    action, fields = first_form(page.text, start)
    fields["login"] = "eve-elsewhere"
    sandbox.github.add_user("eve-elsewhere")
    callback = httpx.post(action, data=fields).headers["location"]
    # The attacker's callback link opened in the victim's browser: its state is not theirs.
    planted = victim.get(callback)
    assert planted.status_code == 400
    assert not any(c.name == "gatehouse_session" and "login" in c.value for c in victim.cookies.jar)
    assert victim.get("/queue").status_code == 303
    # In the attacker's own browser the code works once, not twice.
    assert attacker.get(callback).status_code == 303
    attacker.cookies.clear()
    assert attacker.get(callback).status_code == 400


def test_a_tampered_cookie_is_anonymous_and_sign_out_ends_the_session(
    sandbox: Sandbox, pulls: dict[str, int]
) -> None:
    member = sign_in(sandbox, PLATFORM)
    value = member.cookies["gatehouse_session"]
    forged = anonymous(sandbox)
    forged.cookies.set("gatehouse_session", value[:-3] + "AAA")
    assert forged.get("/queue").status_code == 303
    token = csrf_token(member.get("/queue").text)
    assert member.post("/auth/logout", data={"csrf_token": token}).status_code == 303
    assert member.get("/queue").status_code == 303


def test_a_session_ends_eight_hours_later_on_the_services_clock(
    sandbox: Sandbox, clock: ManualClock, pulls: dict[str, int]
) -> None:
    member = sign_in(sandbox, PLATFORM)
    clock.advance(hours=7, minutes=59)
    assert member.get("/queue").status_code == 200
    clock.advance(minutes=2)
    assert member.get("/queue").status_code == 303


def test_without_sign_in_configured_no_page_shows_a_pull_request(tmp_path: Path) -> None:
    options = SandboxOptions(
        rules_dir=SHIPPED_RULES,
        runtime=Runtime(now=ManualClock().now),
        settings={
            "GITHUB_CLIENT_ID": None,
            "GITHUB_CLIENT_SECRET": None,
            "GATEHOUSE_SESSION_SECRET": None,
        },
    )
    with Sandbox(tmp_path, options) as sandbox:
        number = sandbox.open_pull("Add deploy workflow", [WORKFLOW])
        visitor = anonymous(sandbox)
        answer = visitor.get(f"/pulls/{REPO}/{number}")
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/auth/login?next=")
        shown = visitor.get(answer.headers["location"])
        assert shown.status_code == 404 and "Sign-in is not configured" in shown.text
        for text in (answer.text, shown.text):
            assert "Add deploy workflow" not in text


def test_a_member_away_on_me_is_skipped_by_assignment_until_the_period_ends(
    sandbox: Sandbox, clock: ManualClock
) -> None:
    today = clock.now().astimezone(ZoneInfo("America/Los_Angeles")).date()
    member = sign_in(sandbox, PLATFORM, next_page="/me")
    token = csrf_token(member.get("/me").text)
    member.post(
        "/me/away",
        data={
            "csrf_token": token,
            "first_day": today.isoformat(),
            "last_day": (today + timedelta(days=1)).isoformat(),
        },
    )
    asked = set()
    for n in range(3):
        number = sandbox.open_pull(f"Workflow {n}", [WORKFLOW], head_ref=f"wf-{n}")
        asked.update(sandbox.github.requested_reviewers(REPO, number))
    assert PLATFORM not in asked and len(asked) == 2, asked
    clock.advance(days=3)
    later = set()
    for n in range(3):
        number = sandbox.open_pull(f"Later {n}", [WORKFLOW], head_ref=f"later-{n}")
        later.update(sandbox.github.requested_reviewers(REPO, number))
    assert PLATFORM in later


def test_when_github_cannot_say_who_may_read_the_page_shows_nothing(
    sandbox: Sandbox, pulls: dict[str, int]
) -> None:
    member = sign_in(sandbox, MEMBER_WITHOUT_CACHE, next_page="/queue")
    sandbox.github.fail_next("repos/get-collaborator-permission-level", 502, times=8)
    answer = member.get(f"/pulls/{REPO}/{pulls['workflow']}")
    assert answer.status_code == 503 and "GitHub did not answer" in answer.text
    for word in _private_words(sandbox, pulls["workflow"]):
        assert word not in answer.text
