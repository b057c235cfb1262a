"""The webhook routes a delivery from a few decoded fields; the route must be the one the
whole payload gives, and a body that is not a JSON object must still be refused."""

from __future__ import annotations

import json
from typing import Any

import pytest

from app.events.envelope import MalformedBody, routing_fields
from app.events.routing import classify
from app.sandbox.shared_dir import shared_dir

BULK = {"body": "x" * 5000, "labels": [{"name": "infra", "color": "ededed"}] * 20}
REPO = {"full_name": "acme/web", "id": 7, "owner": {"login": "acme"}, "topics": ["a"] * 50}
PULL_REFS = [{"number": 12, "head": {"sha": "a" * 40}}, {"number": 3, "base": {"ref": "main"}}]

PAYLOADS: list[tuple[str, dict[str, Any]]] = [
    ("pull_request", {"action": "opened", "number": 5, "repository": REPO,
                      "installation": {"id": 99, "node_id": "x"},
                      "pull_request": {"number": 5, "head": {"sha": "b" * 40}, **BULK}}),
    ("pull_request", {"action": "synchronize", "repository": REPO,
                      "pull_request": {"head_sha": "c" * 40, **BULK}}),
    ("pull_request", {"action": "labeled", "repository": REPO, "pull_request": {"number": 5}}),
    ("pull_request_review", {"action": "submitted", "repository": REPO,
                             "review": {"state": "approved", **BULK},
                             "pull_request": {"number": 8, **BULK}}),
    ("issue_comment", {"action": "created", "repository": REPO,
                       "issue": {"number": 4, "pull_request": {"url": "u"}, **BULK},
                       "comment": {"body": "/expedite"}}),
    ("issue_comment", {"action": "created", "repository": REPO,
                       "issue": {"number": 4, **BULK}}),
    ("check_run", {"action": "rerequested", "repository": REPO, "installation": {"id": 1},
                   "check_run": {"name": "gatehouse", "head_sha": "d" * 40,
                                 "pull_requests": PULL_REFS, **BULK}}),
    ("check_run", {"action": "requested_action", "repository": REPO,
                   "check_run": {"head_sha": "e" * 40, "pull_requests": [],
                                 "check_suite": {"pull_requests": PULL_REFS[:1]}}}),
    ("check_run", {"action": "rerequested", "repository": REPO,
                   "check_run": {"head_sha": "f" * 40, "pull_requests": []}}),
    ("check_suite", {"action": "rerequested", "repository": REPO,
                     "check_suite": {"head_sha": "1" * 40, "pull_requests": PULL_REFS}}),
    ("merge_group", {"action": "checks_requested", "repository": REPO,
                     "merge_group": {"head_sha": "2" * 40,
                                     "head_ref": "refs/heads/gh-readonly-queue/main/pr-42-"
                                     + "3" * 40}}),
    ("deployment_protection_rule", {"action": "requested", "environment": "Production",
                                    "repository": REPO, "deployment": {"id": 1, **BULK}}),
    ("pull_request", {"action": "opened", "repository": REPO, "pull_request": []}),
    ("push", {"ref": "refs/heads/main", "repository": REPO}),
]  # fmt: skip


def _same_route(event: str, body: bytes) -> None:
    assert classify(event, routing_fields(body)) == classify(event, json.loads(body))


@pytest.mark.parametrize(("event", "payload"), PAYLOADS, ids=[e for e, _ in PAYLOADS])
def test_the_decoded_fields_route_a_delivery_as_its_whole_payload_does(
    event: str, payload: dict[str, Any]
) -> None:
    _same_route(event, json.dumps(payload).encode())


def test_only_what_routing_reads_is_decoded() -> None:
    _, payload = PAYLOADS[0]
    fields = routing_fields(json.dumps(payload).encode())
    assert fields == {
        "action": "opened",
        "repository": {"full_name": "acme/web"},
        "installation": {"id": 99},
        "pull_request": {"number": 5},
    }


def test_github_example_payloads_route_the_same() -> None:
    root = shared_dir()
    if root is None:
        pytest.skip("GitHub's example payloads are not present (../shared)")
    examples = sorted((root / "github" / "webhooks").glob("*.json"))
    assert examples
    for example in examples:
        _same_route(example.stem.split(".")[0], example.read_bytes())


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"action": "opened"', "not-json"),
        (b'{"action": "opened", "body": "caf\xe9"}', "not-json"),  # Latin-1, not UTF-8
        (b"[1, 2]", "not-object"),
        (b'"opened"', "not-object"),
        (b"", "not-json"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_refused(body: bytes, reason: str) -> None:
    with pytest.raises(MalformedBody) as refused:
        routing_fields(body)
    assert refused.value.reason == reason
