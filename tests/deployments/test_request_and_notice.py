"""A ``deployment_protection_rule.requested`` delivery read, and what gatehouse says about a
waiting deployment on Slack and on GitHub."""

from __future__ import annotations

import json
from typing import Any

import pytest

from app.deployments.notice import (
    MAX_COMMENT,
    decision_comment,
    slack_text,
    unapproved_lines,
    waiting_comment,
)
from app.deployments.request import parse_request, run_id_of
from app.deployments.verdict import CommitFacts, PullFacts, Standing, judge, verdict_to_dict
from app.sandbox.shared_dir import shared_dir


def _example() -> dict[str, Any]:
    root = shared_dir()
    if root is None:
        pytest.skip("GitHub's example payloads are not present (../shared)")
    path = root / "github" / "webhooks" / "deployment_protection_rule.requested.json"
    return dict(json.loads(path.read_text()))


def test_githubs_example_names_the_run_environment_and_commit() -> None:
    request = parse_request(_example())
    assert request is not None
    assert (request.repository, request.environment, request.run_id) == (
        "Codertocat/Hello-World",
        "production",
        289782451,
    )
    assert (request.sha, request.deployment_id, request.installation_id) == (
        "f95f852bd8fca8fcc58a9a2d6c842781e32a215e",
        145988746,
        1,
    )
    assert request.creator == "Codertocat" and request.ref == "master"
    assert request.key == "Codertocat/Hello-World:production:deployment-145988746"


def test_without_a_deployment_the_top_level_sha_and_the_run_are_used() -> None:
    payload = {**_example(), "deployment": None, "sha": "c" * 40, "ref": "refs/heads/main"}
    request = parse_request(payload)
    assert request is not None and request.sha == "c" * 40
    assert request.key.endswith(":run-289782451")


@pytest.mark.parametrize(
    ("field", "inside"),
    [
        pytest.param("deployment_callback_url", None, id="no-run"),
        pytest.param("environment", "environment", id="no-environment"),
        pytest.param("sha", "sha", id="no-commit"),
    ],
)
def test_a_request_gatehouse_cannot_answer_is_none(field: str, inside: str | None) -> None:
    payload = _example()
    payload[field] = None
    if inside is not None:
        payload["deployment"] = {**payload["deployment"], inside: None}
    assert parse_request(payload) is None


def test_the_run_may_come_from_a_workflow_run_object() -> None:
    assert run_id_of({"workflow_run": {"id": 42}}) == 42
    assert run_id_of({}) is None


VERDICT = verdict_to_dict(
    judge(
        [
            CommitFacts("c" * 40, "eve", "Hotfix <!channel>"),
            CommitFacts("a" * 40, "dana", "Add workflow"),
        ],
        {"a" * 40: [PullFacts(7, "Deploy <workflow>", True, "a" * 40, "https://gh/pull/7")]},
        {7: Standing(True, False, "merged without the approvals (Platform Engineering 0/1)")},
    )
)


def test_the_slack_message_mentions_platform_engineering_and_lists_what_is_unapproved() -> None:
    text = slack_text(
        repository="acme/web",
        environment="production",
        sha="d" * 40,
        creator="dana",
        verdict=VERDICT,
        mentions="<@U1> <@U2>",
        page_url="https://gatehouse.example.com/deployments/3",
        number=3,
    )
    assert text.startswith("<@U1> <@U2> A deployment of acme/web to *production*")
    assert "direct push `ccccccc` by eve: Hotfix &lt;!channel&gt;" in text  # cannot ping
    assert "<https://gh/pull/7|#7 Deploy &lt;workflow&gt;>" in text
    assert "merged without the approvals" in text
    assert text.endswith("<https://gatehouse.example.com/deployments/3|deployment 3>")


def test_the_page_lines_are_plain_text() -> None:
    lines = unapproved_lines(VERDICT, slack=False)
    assert lines[0] == "direct push `ccccccc` by eve: Hotfix <!channel>"
    assert lines[1].startswith("#7 Deploy <workflow> — merged without the approvals")


def test_comments_on_github_say_who_decided_and_stay_short() -> None:
    assert "Waiting for Platform Engineering: 2 changes come" in waiting_comment(VERDICT, "u")
    assert decision_comment("approved", "gatehouse", "all approved", "u") == (
        "gatehouse approved this deployment: all approved."
    )
    by_person = decision_comment("rejected", "alan", "x" * 5000, "https://g/deployments/1")
    assert by_person.startswith("Rejected by @alan in gatehouse (https://g/deployments/1): x")
    assert len(by_person) == MAX_COMMENT
