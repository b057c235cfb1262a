"""Which deliveries gatehouse acts on, checked against GitHub's own example payloads."""

from __future__ import annotations

import json

import pytest

from app.events.routing import classify
from app.sandbox.shared_dir import shared_dir

EXPECTED = {
    "pull_request.opened": "pull_request",
    "pull_request.synchronize": "pull_request",
    "pull_request.reopened": "pull_request",
    "pull_request.ready_for_review": "pull_request",
    "pull_request.closed": "pull_request",
    "pull_request.edited": "pull_request",
    "pull_request_review.submitted": "pull_request_review",
    "pull_request_review.dismissed": "pull_request_review",
    "check_run.rerequested": "check_run",
    "check_run.requested_action": "check_run",
    "check_suite.rerequested": "check_suite",
    "merge_group.checks_requested": "merge_group",
    "deployment_protection_rule.requested": "deployment_protection_rule",
}


def _examples() -> list[str]:
    root = shared_dir()
    if root is None:
        return []
    return sorted(p.stem for p in (root / "github" / "webhooks").glob("*.json"))


@pytest.mark.parametrize("name", _examples() or ["(absent)"])
def test_github_examples_are_routed(name: str) -> None:
    root = shared_dir()
    if root is None:
        pytest.skip("GitHub's example payloads are not present (../shared)")
    payload = json.loads((root / "github" / "webhooks" / f"{name}.json").read_text())
    event = name.split(".")[0]
    route = classify(event, payload)
    if name in EXPECTED:
        assert route is not None and route.event == EXPECTED[name]
        assert route.repository == payload["repository"]["full_name"]
        assert route.ordering_key.startswith(route.repository)
    else:
        # installation events need nothing; the issue_comment example is on a plain issue
        assert route is None


@pytest.mark.parametrize(
    ("event", "payload"),
    [
        pytest.param(
            "issue_comment",
            {
                "action": "edited",
                "repository": {"full_name": "a/b"},
                "issue": {"number": 1, "pull_request": {}},
            },
            id="edited-comment",
        ),
        pytest.param(
            "pull_request",
            {
                "action": "labeled",
                "repository": {"full_name": "a/b"},
                "pull_request": {"number": 1},
            },
            id="unhandled-action",
        ),
        pytest.param("push", {"repository": {"full_name": "a/b"}}, id="unhandled-event"),
        pytest.param("pull_request", {"action": "opened"}, id="no-repository"),
    ],
)
def test_ignored_deliveries(event: str, payload: dict[str, object]) -> None:
    assert classify(event, payload) is None


def test_merge_queue_ref_names_the_pull_request() -> None:
    payload = {
        "action": "checks_requested",
        "repository": {"full_name": "a/b"},
        "merge_group": {
            "head_sha": "f" * 40,
            "head_ref": "refs/heads/gh-readonly-queue/main/pr-42-" + "e" * 40,
        },
    }
    route = classify("merge_group", payload)
    assert route is not None and route.numbers == (42,)
