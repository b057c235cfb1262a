"""The decision log through the real service: ``gatehouse decisions`` and ``/decisions``."""

from __future__ import annotations

import json

import pytest

from app.cli import main
from app.sandbox.world import AUTHOR, OUTSIDER, REPO, Sandbox
from tests.e2e.changes import WORKFLOW
from tests.e2e.test_arch_decision import ARCHITECT, NEW_DEPENDENCY
from tests.e2e.visitors import anonymous, sign_in

STRANGER = "eve-elsewhere"  # a GitHub user who can read nothing of acme's
SHA = "c" * 40


@pytest.fixture
def decided(sandbox: Sandbox) -> int:
    """A pull request the architecture call approved, an expedite, and a deployment."""
    number = sandbox.open_pull("Add left-pad", [NEW_DEPENDENCY])
    sandbox.comment(number, ARCHITECT, "/arch-decision approve fits the front-end stack")
    expedited = sandbox.open_pull("Hotfix the deploy workflow", [WORKFLOW])
    sandbox.comment(expedited, AUTHOR, "/expedite deploys are failing")
    sandbox.service.audit.append(
        "deployment-decision",
        repository=REPO,
        number=None,
        actor="alan-sherman",
        summary="production deployment approved",
        detail={
            "environment": "production",
            "sha": SHA,
            "decision": "approved",
            "rationale": "every change reviewed",
        },
    )
    return number


def test_gatehouse_decisions_lists_the_architecture_decision(
    sandbox: Sandbox,
    decided: int,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("GATEHOUSE_DATABASE_URL", sandbox.settings.database_url)
    capsys.readouterr()
    assert main(["decisions", "--format", "json"]) == 0
    decisions = json.loads(capsys.readouterr().out)["decisions"]
    assert [d["kind"] for d in decisions] == ["architecture", "expedite", "deployment"]
    arch = decisions[0]
    assert {k: arch[k] for k in ("repository", "pull_request", "decision", "by")} == {
        "repository": REPO,
        "pull_request": decided,
        "decision": "approved",
        "by": ARCHITECT,
    }
    assert arch["rationale"] == "fits the front-end stack"
    assert arch["at"].endswith("+00:00")
    assert decisions[1]["decision"] == "pending"
    assert (decisions[2]["environment"], decisions[2]["sha"]) == ("production", SHA)


def test_the_page_shows_the_log_to_a_member(sandbox: Sandbox, decided: int) -> None:
    member = sign_in(sandbox, ARCHITECT, next_page="/decisions")
    page = member.get("/decisions")
    assert page.status_code == 200
    assert "fits the front-end stack" in page.text
    assert f'href="/pulls/{REPO}/{decided}"' in page.text
    assert "deploys are failing" in page.text
    assert "every change reviewed" in page.text and SHA[:12] in page.text
    assert '<a href="/decisions">Decisions</a>' in page.text
    only = member.get("/decisions", params={"kind": "architecture"})
    assert "fits the front-end stack" in only.text and "every change reviewed" not in only.text
    later = member.get("/decisions", params={"since": "2999-01-01"})
    assert "fits the front-end stack" not in later.text
    details = member.get(f"/pulls/{REPO}/{decided}")
    assert '<a href="/decisions?repo=acme/web">' in details.text
    assert "review call: <strong>approve</strong>" in details.text


def test_an_anonymous_visitor_is_sent_to_sign_in(sandbox: Sandbox, decided: int) -> None:
    answer = anonymous(sandbox).get("/decisions")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/auth/login?next=%2Fdecisions"
    assert "fits the front-end stack" not in answer.text


def test_readers_see_pull_requests_and_only_members_see_deployments(
    sandbox: Sandbox, decided: int
) -> None:
    sandbox.github.add_user(STRANGER)
    stranger = sign_in(sandbox, STRANGER, next_page="/decisions").get("/decisions")
    assert stranger.status_code == 200
    assert "fits the front-end stack" not in stranger.text
    assert REPO not in stranger.text
    reader = sign_in(sandbox, OUTSIDER, next_page="/decisions").get("/decisions")
    assert "fits the front-end stack" in reader.text, "mallory can read acme/web"
    assert "every change reviewed" not in reader.text, "but is not a member of acme"
