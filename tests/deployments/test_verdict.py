"""Which commits a deployment brings without an approved pull request, and why: the pure
verdict on plain data, and what gatehouse's record of a pull request says of it."""

from __future__ import annotations

from typing import Any

import pytest

from app.deployments.verdict import (
    NEVER_EVALUATED,
    CommitFacts,
    Kind,
    PullFacts,
    Standing,
    judge,
    standing_from_record,
    verdict_to_dict,
)

A = CommitFacts("a" * 40, "dana", "Add the deploy workflow")
B = CommitFacts("b" * 40, "dana", "Merge pull request #7")
C = CommitFacts("c" * 40, "eve", "Hotfix straight to main")
SEVEN = PullFacts(7, "Deploy workflow", merged=True, head_sha="a" * 40)
EIGHT = PullFacts(8, "Open port 443", merged=True, head_sha="8" * 40)
OPEN = PullFacts(9, "Work in progress", merged=False, head_sha="9" * 40)
APPROVED = Standing(True, True, "approved by Platform Engineering", "a" * 40)
UNAPPROVED = Standing(True, False, "merged without the approvals (Platform Engineering 0/1)")

CASES = [
    pytest.param([A, B], {A.sha: [SEVEN], B.sha: [SEVEN]}, {7: APPROVED}, [], id="approved-pr"),
    pytest.param([], {}, {}, [], id="no-change-at-all"),
    pytest.param([C], {}, {}, [(Kind.DIRECT_PUSH, None, 1)], id="direct-push"),
    pytest.param(
        [C], {C.sha: [OPEN]}, {}, [(Kind.DIRECT_PUSH, None, 1)], id="pushed-while-its-pr-is-open"
    ),
    pytest.param(
        [A, B],
        {A.sha: [SEVEN], B.sha: [SEVEN]},
        {7: UNAPPROVED},
        [(Kind.UNAPPROVED_PULL, 7, 2)],
        id="pr-merged-without-approvals-listed-once",
    ),
    pytest.param(
        [A], {A.sha: [SEVEN]}, {}, [(Kind.UNEVALUATED_PULL, 7, 1)], id="pr-never-evaluated"
    ),
    pytest.param(
        [A],
        {A.sha: [SEVEN]},
        {7: Standing(True, True, "approved by Platform Engineering", "f" * 40)},
        [(Kind.UNAPPROVED_PULL, 7, 1)],
        id="fail-closed-approval-of-another-head-than-merged",
    ),
    pytest.param(
        [A],
        {A.sha: [EIGHT, SEVEN]},
        {7: APPROVED, 8: UNAPPROVED},
        [],
        id="one-approved-pr-of-several-is-enough",
    ),
    pytest.param(
        [A, C],
        {A.sha: [SEVEN], C.sha: []},
        {7: APPROVED},
        [(Kind.DIRECT_PUSH, None, 1)],
        id="only-the-direct-push-of-a-mix",
    ),
]


@pytest.mark.parametrize(("commits", "pulls", "standings", "expected"), CASES)
def test_the_verdict_names_what_came_without_an_approved_pull_request(
    commits: list[CommitFacts],
    pulls: dict[str, list[PullFacts]],
    standings: dict[int, Standing],
    expected: list[tuple[Kind, int | None, int]],
) -> None:
    verdict = judge(commits, pulls, standings)
    found = [
        (item.kind, item.pull.number if item.pull else None, len(item.commits))
        for item in verdict.unapproved
    ]
    assert found == expected
    assert verdict.clear is (expected == [])
    assert verdict.commits == len(commits)


def test_fail_closed_unreadable_history_needs_a_person_even_when_the_rest_is_approved() -> None:
    verdict = judge([A], {A.sha: [SEVEN]}, {7: APPROVED}, unknown="only 1 of 400 commits read")
    assert not verdict.clear
    [item] = verdict.unapproved
    assert (item.kind, item.why) == (Kind.UNKNOWN_HISTORY, "only 1 of 400 commits read")


def test_approved_pull_requests_are_listed_with_how_they_were_approved() -> None:
    verdict = judge([A, B], {A.sha: [SEVEN], B.sha: [SEVEN]}, {7: APPROVED})
    [approved] = verdict.approved
    assert (approved.pull.number, approved.how, approved.commits) == (7, APPROVED.how, 2)
    data = verdict_to_dict(verdict)
    assert data["clear"] is True and data["approved"][0]["pull"]["title"] == "Deploy workflow"


def test_a_direct_push_is_reported_by_sha_and_author() -> None:
    data = verdict_to_dict(judge([C], {}, {}))
    [item] = data["unapproved"]
    assert item["kind"] == "direct-push" and item["pull"] is None
    assert item["commits"] == [
        {"sha": C.sha, "author": "eve", "message": C.message, "html_url": ""}
    ]


def _group(group: str, conclusion: str, approved_by: list[str], override: str | None = None) -> Any:
    return {
        "group": group,
        "name": {"platform-engineering": "Platform Engineering"}.get(group, group),
        "conclusion": conclusion,
        "approved_by": approved_by,
        "approvals_needed": 1,
        "override": override,
    }


RECORDS = [
    pytest.param({}, False, False, "never evaluated", id="no-record"),
    pytest.param(
        {"evaluation": {"conclusion": "success", "groups": []}, "head_sha": "h"},
        True,
        True,
        "nothing required",
        id="nothing-required",
    ),
    pytest.param(
        {
            "evaluation": {
                "conclusion": "success",
                "groups": [_group("platform-engineering", "success", ["alan"])],
            }
        },
        True,
        True,
        "approved by Platform Engineering",
        id="approved",
    ),
    pytest.param(
        {
            "evaluation": {
                "conclusion": "success",
                "groups": [_group("platform-engineering", "success", [], "final decision")],
            }
        },
        True,
        True,
        "decided by /decision approve",
        id="decided-and-evaluated",
    ),
    pytest.param(
        {
            "evaluation": {
                "conclusion": "failure",
                "groups": [_group("platform-engineering", "failure", [])],
                "problems": [],
            },
            "overrides": [{"group": "platform-engineering", "approve": True}],
        },
        True,
        True,
        "decided by /decision approve",
        id="decided-before-the-next-evaluation",
    ),
    pytest.param(
        {
            "evaluation": {
                "conclusion": "failure",
                "groups": [_group("platform-engineering", "failure", [])],
            },
            "overrides": [{"group": "platform-engineering", "approve": False}],
        },
        True,
        False,
        "merged without the approvals (Platform Engineering 0/1)",
        id="decided-reject",
    ),
    pytest.param(
        {
            "evaluation": {
                "conclusion": "action_required",
                "groups": [_group("platform-engineering", "action_required", [])],
            }
        },
        True,
        False,
        "merged without the approvals (Platform Engineering 0/1)",
        id="merged-waiting-for-review",
    ),
    pytest.param(
        {"evaluation": {"conclusion": "failure", "groups": [], "problems": [{"fatal": True}]}},
        True,
        False,
        "merged while gatehouse's check said failure",
        id="fail-closed-broken-rules",
    ),
]


@pytest.mark.parametrize(("doc", "evaluated", "approved", "how"), RECORDS)
def test_the_record_of_a_pull_request_says_whether_its_requirements_were_met(
    doc: dict[str, Any], evaluated: bool, approved: bool, how: str
) -> None:
    standing = standing_from_record(doc)
    assert (standing.evaluated, standing.approved) == (evaluated, approved)
    assert how in standing.how


def test_never_evaluated_is_not_approved() -> None:
    assert not NEVER_EVALUATED.approved and not NEVER_EVALUATED.evaluated
