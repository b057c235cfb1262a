"""A review call's recorded outcome (``/arch-decision``) as the engine weighs it."""

from __future__ import annotations

import pytest

from app.policy.evaluate import evaluate
from app.policy.model import Group, Member, Rule, RuleSet, Settings
from app.policy.result import Conclusion, ReviewVerdict
from app.policy.snapshot import (
    CallDecision,
    ChangedFile,
    Override,
    PullSnapshot,
    Review,
    ReviewState,
)

HEAD = "h" * 40
OLD = "o" * 40
DECIDED_AT = "2026-11-25T16:30:00+00:00"
EARLIER = "2026-11-25T10:00:00+00:00"
LATER = "2026-11-26T09:00:00+00:00"

RULES = RuleSet(
    settings=Settings(),
    groups={
        "platform-engineering": Group(name="Platform Engineering", members=[Member(github="alan")]),
        "architecture": Group(
            name="Architectural Team",
            members=[Member(github="ada"), Member(github="grace"), Member(github="dev")],
        ),
    },
    rules=(
        Rule(id="ci-cd", title="CI/CD", group="platform-engineering", paths=[".github/**"]),
        Rule(
            id="new-dependency",
            title="New dependency",
            group="architecture",
            paths=["package.json"],
            changed_lines=[r'^\s*"[^"]+":\s*"[\^~]?\d'],
            jira=False,
        ),
    ),
)
DEPENDENCY = ChangedFile("package.json", patch='@@ -1 +1,2 @@\n {\n+  "left-pad": "^1.3.0",\n')
DOCS = ChangedFile("docs/a.md", patch="@@ -1 +1 @@\n-old\n+new\n")


def call(verdict: str, by: str = "ada", at: str = DECIDED_AT) -> CallDecision:
    return CallDecision("architecture", verdict, by, f"{verdict} because", at)


def review(who: str, state: ReviewState, at: str, sha: str = HEAD) -> Review:
    return Review(reviewer=who, state=state, commit_sha=sha, submitted_at=at)


def decide(
    *decisions: CallDecision,
    files: tuple[ChangedFile, ...] = (DEPENDENCY,),
    reviews: tuple[Review, ...] = (),
    **kwargs: object,
) -> Conclusion:
    snapshot = PullSnapshot(
        files=files,
        author="dev",
        head_sha=HEAD,
        reviews=reviews,
        call_decisions=decisions,
        changed_since={OLD: frozenset({"package.json"})},
        **kwargs,  # type: ignore[arg-type]
    )
    return evaluate(RULES, snapshot).conclusion


@pytest.mark.parametrize(
    ("decisions", "reviews", "expected"),
    [
        pytest.param((), (), Conclusion.ACTION_REQUIRED, id="no-outcome-waits"),
        pytest.param((call("approve"),), (), Conclusion.SUCCESS, id="approve-counts"),
        pytest.param((call("changes"),), (), Conclusion.FAILURE, id="changes-blocks"),
        pytest.param((call("reject"),), (), Conclusion.FAILURE, id="reject-fails"),
        pytest.param(
            (call("changes"), call("approve", by="grace")),
            (),
            Conclusion.SUCCESS,
            id="latest-outcome-wins",
        ),
        pytest.param(
            (call("approve"),),
            (review("ada", ReviewState.CHANGES_REQUESTED, EARLIER),),
            Conclusion.SUCCESS,
            id="approve-replaces-the-members-earlier-requested-change",
        ),
        pytest.param(
            (call("approve"),),
            (review("ada", ReviewState.CHANGES_REQUESTED, LATER),),
            Conclusion.FAILURE,
            id="a-later-review-by-the-member-takes-its-place",
        ),
        pytest.param(
            (call("approve"),),
            (review("grace", ReviewState.CHANGES_REQUESTED, EARLIER),),
            Conclusion.FAILURE,
            id="another-members-requested-change-still-blocks",
        ),
        pytest.param(
            (call("changes"),),
            (review("ada", ReviewState.APPROVED, EARLIER),),
            Conclusion.FAILURE,
            id="changes-replaces-the-members-earlier-approval",
        ),
        pytest.param(
            (call("changes"),),
            (review("ada", ReviewState.APPROVED, LATER),),
            Conclusion.SUCCESS,
            id="the-members-later-approval-lifts-changes",
        ),
        pytest.param(
            (call("reject"),),
            (review("ada", ReviewState.APPROVED, LATER),),
            Conclusion.FAILURE,
            id="reject-stands-until-another-outcome",
        ),
        pytest.param(
            (call("approve", by="mallory"),),
            (),
            Conclusion.ACTION_REQUIRED,
            id="a-non-member-outcome-counts-for-nothing",
        ),
        pytest.param(
            (call("approve", by="dev"),),
            (),
            Conclusion.ACTION_REQUIRED,
            id="the-author-cannot-approve-their-own-change",
        ),
        pytest.param(
            (call("approve", at=""),),
            (review("ada", ReviewState.CHANGES_REQUESTED, LATER),),
            Conclusion.SUCCESS,
            id="unknown-time-keeps-the-outcome",
        ),
    ],
)
def test_outcomes(
    decisions: tuple[CallDecision, ...], reviews: tuple[Review, ...], expected: Conclusion
) -> None:
    assert decide(*decisions, reviews=reviews) is expected


def test_approve_never_goes_stale_on_a_push() -> None:
    stale = (review("ada", ReviewState.APPROVED, EARLIER, sha=OLD),)
    assert decide(reviews=stale) is Conclusion.ACTION_REQUIRED
    assert decide(call("approve", by="grace"), reviews=stale) is Conclusion.SUCCESS


def test_a_rejection_requires_the_group_even_when_no_rule_matched() -> None:
    assert decide(files=(DOCS,)) is Conclusion.SUCCESS
    assert decide(call("approve"), files=(DOCS,)) is Conclusion.SUCCESS
    assert decide(call("changes"), files=(DOCS,)) is Conclusion.FAILURE
    assert decide(call("reject"), files=(DOCS,)) is Conclusion.FAILURE


def test_engineering_management_has_the_final_word() -> None:
    override = Override("architecture", True, "boss", "accepted")
    assert decide(call("reject"), overrides=(override,)) is Conclusion.SUCCESS


def test_the_result_says_how_the_outcome_weighed() -> None:
    snapshot = PullSnapshot(
        files=(DEPENDENCY,),
        author="dev",
        head_sha=HEAD,
        reviews=(review("ada", ReviewState.CHANGES_REQUESTED, EARLIER),),
        call_decisions=(call("reject"),),
    )
    [requirement] = evaluate(RULES, snapshot).requirements
    outcome = requirement.call_outcome
    assert outcome is not None and outcome.rejected
    assert outcome.rationale == "reject because" and outcome.decided_by == "ada"
    assert requirement.blocked_by == ("ada",)
    assert [r.verdict for r in requirement.reviews] == [ReviewVerdict.SUPERSEDED]


def test_a_replaced_outcome_is_shown_as_not_standing() -> None:
    snapshot = PullSnapshot(
        files=(DEPENDENCY,),
        author="dev",
        head_sha=HEAD,
        reviews=(review("ada", ReviewState.APPROVED, LATER),),
        call_decisions=(call("changes"),),
    )
    [requirement] = evaluate(RULES, snapshot).requirements
    assert requirement.call_outcome is not None
    assert not requirement.call_outcome.standing
    assert requirement.call_outcome.reason == "replaced by @ada's later review"
    assert requirement.approved_by == ("ada",)
