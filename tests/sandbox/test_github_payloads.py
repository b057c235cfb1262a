"""Webhook deliveries built from the fake GitHub's state: consistent with it, shaped like
GitHub's, signed and posted the way GitHub posts them."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI, Request, Response

from app.sandbox.fake_github import CheckRun, FileChange, GitHubState, deliver, payloads, sign
from app.sandbox.server import serving
from tests.sandbox.github_site import REPO, KeyPair, Site, open_site, populate


@pytest.fixture(scope="module")
def keys() -> KeyPair:
    return KeyPair.generate()


@pytest.fixture
def state(keys: KeyPair) -> GitHubState:
    world = GitHubState(html_base="https://github.example.com", api_url="https://api.example.com")
    populate(world, keys)
    return world


@pytest.fixture
def site(keys: KeyPair) -> Iterator[Site]:
    with open_site(keys) as opened:
        yield opened
        opened.finish()


def builders(state: GitHubState) -> dict[str, Callable[[], dict[str, Any]]]:
    review = state.add_review(REPO, 1, "bob", "APPROVED")
    comment = state.add_comment(REPO, 1, "alice", "/expedite prod is down")
    head = state.pull(REPO, 1).head_sha
    app_id = next(iter(state.apps))
    run = CheckRun(77, "gatehouse", head, app_id, started_at=state.now())
    state.repo(REPO).check_runs[77] = run
    return {
        "pull_request.opened": lambda: payloads.pull_request(state, REPO, 1, "opened"),
        "pull_request_review.submitted": lambda: payloads.pull_request_review(
            state, REPO, 1, review
        ),
        "issue_comment.created": lambda: payloads.issue_comment(state, REPO, 1, comment),
        "check_run.rerequested": lambda: payloads.check_run(state, REPO, 77, "rerequested"),
        "check_suite.rerequested": lambda: payloads.check_suite(state, REPO, head),
        "merge_group.checks_requested": lambda: payloads.merge_group(state, REPO, None, "main", 1),
    }


EVENTS = [
    "pull_request.opened",
    "pull_request_review.submitted",
    "issue_comment.created",
    "check_run.rerequested",
    "check_suite.rerequested",
    "merge_group.checks_requested",
]


@pytest.mark.parametrize("event", EVENTS)
def test_every_repository_event_names_installation_repository_and_sender(
    state: GitHubState, event: str
) -> None:
    payload = builders(state)[event]()
    assert payload["action"] == event.split(".")[1]
    assert payload["installation"]["id"] == 1
    assert payload["repository"]["full_name"] == REPO
    assert payload["repository"]["html_url"] == "https://github.example.com/acme/web"
    assert payload["sender"]["login"]
    assert payload["organization"]["login"] == "acme"


def test_a_synchronize_event_carries_the_previous_and_the_new_head(state: GitHubState) -> None:
    before = state.pull(REPO, 1).head_sha
    after = state.push(REPO, 1, [FileChange("app.py", "added", "@@ -0,0 +1 @@\n+x")])
    payload = payloads.pull_request(state, REPO, 1, "synchronize")
    assert (payload["before"], payload["after"]) == (before, after)
    assert payload["pull_request"]["head"]["sha"] == after
    assert payload["pull_request"]["commits"] == 2
    assert payload["number"] == 1


def test_an_edited_event_carries_what_changed(state: GitHubState) -> None:
    changes = state.edit_pull(REPO, 1, title="Add CI for WEB-12")
    payload = payloads.pull_request(state, REPO, 1, "edited", changes=changes)
    assert payload["changes"] == {"title": {"from": "Add CI"}}
    assert payload["pull_request"]["title"] == "Add CI for WEB-12"


def test_a_closed_event_tells_merged_from_abandoned(state: GitHubState) -> None:
    state.close_pull(REPO, 1, merged=True)
    payload = payloads.pull_request(state, REPO, 1, "closed")
    assert (payload["pull_request"]["state"], payload["pull_request"]["merged"]) == (
        "closed",
        True,
    )


def test_a_review_event_uses_lower_case_states(state: GitHubState) -> None:
    review = state.add_review(REPO, 1, "carol", "CHANGES_REQUESTED", body="Split it")
    payload = payloads.pull_request_review(state, REPO, 1, review)
    assert payload["review"]["state"] == "changes_requested"
    assert payload["review"]["commit_id"] == state.pull(REPO, 1).head_sha
    assert payload["sender"]["login"] == "carol"
    assert payload["pull_request"]["number"] == 1


def test_a_comment_event_marks_the_issue_as_a_pull_request(state: GitHubState) -> None:
    comment = state.add_comment(REPO, 1, "renovate[bot]", "/recheck", user_type="Bot")
    payload = payloads.issue_comment(state, REPO, 1, comment["id"])
    assert payload["issue"]["number"] == 1
    assert payload["issue"]["pull_request"]["html_url"].endswith("/acme/web/pull/1")
    assert payload["comment"]["body"] == "/recheck"
    assert (payload["comment"]["user"]["type"], payload["sender"]["login"]) == (
        "Bot",
        "renovate[bot]",
    )


def test_a_requested_action_names_the_button_pressed(site: Site) -> None:
    head = site.state.pull(REPO, 1).head_sha
    run = site.client().get_repo(REPO).create_check_run("gatehouse", head, status="queued")
    payload = payloads.check_run(
        site.state, REPO, run.id, "requested_action", "rerun", sender="bob"
    )
    assert payload["requested_action"] == {"identifier": "rerun"}
    assert (payload["check_run"]["id"], payload["check_run"]["head_sha"]) == (run.id, head)
    assert payload["check_run"]["check_suite"]["head_sha"] == head
    assert [p["number"] for p in payload["check_run"]["pull_requests"]] == [1]
    assert payload["sender"]["login"] == "bob"


def test_a_merge_group_commit_can_carry_a_check_run(site: Site) -> None:
    payload = payloads.merge_group(site.state, REPO, None, "main", 1)
    group = payload["merge_group"]
    base = site.state.repo(REPO).branches["main"]
    assert group["head_ref"] == f"refs/heads/gh-readonly-queue/main/pr-1-{base}"
    assert (group["base_ref"], group["base_sha"]) == ("refs/heads/main", base)
    run = (
        site.client()
        .get_repo(REPO)
        .create_check_run(
            "gatehouse",
            group["head_sha"],
            conclusion="success",
            output={"title": "t", "summary": "s"},
        )
    )
    assert run.head_sha == group["head_sha"]


def test_an_installation_event_lists_its_repositories(state: GitHubState) -> None:
    payload = payloads.installation(state, 1)
    assert payload["installation"]["id"] == 1
    assert payload["installation"]["app_slug"] == "gatehouse"
    assert [r["full_name"] for r in payload["repositories"]] == [REPO]
    assert payload["sender"]["login"] == "acme"


def test_signatures_match_githubs_documented_example() -> None:
    assert sign("It's a Secret to Everybody", b"Hello, World!") == (
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    )


def test_a_delivery_is_posted_with_githubs_headers_and_a_valid_signature(
    state: GitHubState,
) -> None:
    received: list[tuple[dict[str, str], bytes]] = []
    receiver = FastAPI()

    @receiver.post("/webhook")
    async def webhook(request: Request) -> Response:
        received.append((dict(request.headers), await request.body()))
        return Response(status_code=202)

    payload = payloads.pull_request(state, REPO, 1, "opened")
    with serving(receiver) as server:
        answer = deliver(f"{server.url}/webhook", "s3cret", "pull_request", payload, "d-1")
        second = deliver(f"{server.url}/webhook", "s3cret", "pull_request", payload)
    assert (answer.status_code, second.status_code) == (202, 202)
    headers, body = received[0]
    expected = hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert headers["x-hub-signature-256"] == f"sha256={expected}"
    assert (headers["x-github-event"], headers["x-github-delivery"]) == ("pull_request", "d-1")
    assert headers["content-type"] == "application/json"
    assert headers["user-agent"].startswith("GitHub-Hookshot/")
    assert uuid.UUID(received[1][0]["x-github-delivery"])
