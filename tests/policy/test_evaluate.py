"""The engine's decisions: which groups are required and which reviews count."""

from __future__ import annotations

import pytest

from app.policy.evaluate import evaluate
from app.policy.model import Group, Member, Rule, RuleSet, Settings
from app.policy.result import Conclusion, ReviewVerdict
from app.policy.snapshot import ChangedFile, FileStatus, Override, PullSnapshot, Review, ReviewState

HEAD = "h" * 40
OLD = "o" * 40

RULES = RuleSet(
    settings=Settings(),
    groups={
        "platform-engineering": Group(
            name="Platform Engineering",
            members=[Member(github="alan"), Member(github="antonia"), Member(github="robert")],
        ),
        "architecture": Group(
            name="Architectural Team",
            approvals=2,
            members=[Member(github="ada")],
            github_team="org/architects",
        ),
    },
    rules=(
        Rule(
            id="ci-cd",
            title="CI/CD pipelines",
            group="platform-engineering",
            paths=[".github/workflows/**"],
        ),
        Rule(
            id="security-groups",
            title="Security groups",
            group="platform-engineering",
            paths=["*.tf"],
            changed_lines=[r"aws_security_group"],
        ),
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

SG_PATCH = '@@ -1,2 +1,3 @@\n variable "x" {}\n+resource "aws_security_group" "web" {\n }\n'
README_PATCH = "@@ -1 +1 @@\n-old\n+new\n"


def snap(*files: ChangedFile, reviews: tuple[Review, ...] = (), **kwargs: object) -> PullSnapshot:
    return PullSnapshot(files=files, author="dev", head_sha=HEAD, reviews=reviews, **kwargs)  # type: ignore[arg-type]


def approve(who: str, sha: str = HEAD, state: ReviewState = ReviewState.APPROVED) -> Review:
    return Review(reviewer=who, state=state, commit_sha=sha)


WORKFLOW = ChangedFile(".github/workflows/ci.yml", patch=README_PATCH)


@pytest.mark.parametrize(
    ("files", "expected_rules"),
    [
        pytest.param([WORKFLOW], ["ci-cd"], id="workflow-edit-needs-platform"),
        pytest.param(
            [ChangedFile("docs/a.md", patch=README_PATCH)], [], id="docs-only-needs-nothing"
        ),
        pytest.param(
            [ChangedFile("infra/sg.tf", patch=SG_PATCH)], ["security-groups"], id="sg-line-in-tf"
        ),
        pytest.param(
            [ChangedFile("infra/vars.tf", patch=README_PATCH)], [], id="tf-without-sg-lines"
        ),
        pytest.param(
            [ChangedFile("infra/big.tf", patch=None, patch_unavailable=True)],
            ["security-groups"],
            id="withheld-patch-counts-fail-closed",
        ),
        pytest.param(
            [
                ChangedFile(
                    "infra/moved.tf", status=FileStatus.RENAMED, previous_path="infra/old.tf"
                )
            ],
            [],
            id="pure-rename-changes-no-lines",
        ),
        pytest.param(
            [
                ChangedFile(
                    "ci/old.yml", status=FileStatus.RENAMED, previous_path=".github/workflows/x.yml"
                )
            ],
            ["ci-cd"],
            id="rename-out-of-governed-folder-matches-old-path",
        ),
        pytest.param(
            [
                ChangedFile(
                    ".github/workflows/gone.yml",
                    status=FileStatus.REMOVED,
                    patch="@@ -1 +0,0 @@\n-on: push\n",
                )
            ],
            ["ci-cd"],
            id="deleted-workflow-counts",
        ),
    ],
)
def test_rules_matched(files: list[ChangedFile], expected_rules: list[str]) -> None:
    result = evaluate(RULES, snap(*files))
    assert [m.rule_id for m in result.matches] == expected_rules
    assert result.required == bool(expected_rules)


def test_matched_line_is_reported_with_number() -> None:
    result = evaluate(RULES, snap(ChangedFile("infra/sg.tf", patch=SG_PATCH)))
    hit = result.matches[0].files[0].lines[0]
    assert (hit.line, hit.side) == (2, "added")
    assert "aws_security_group" in hit.text


@pytest.mark.parametrize(
    ("reviews", "conclusion", "verdicts"),
    [
        pytest.param((), Conclusion.ACTION_REQUIRED, [], id="no-review-waits"),
        pytest.param(
            (approve("alan"),),
            Conclusion.SUCCESS,
            [ReviewVerdict.COUNTED],
            id="member-approval-counts",
        ),
        pytest.param(
            (approve("ALAN"),), Conclusion.SUCCESS, [ReviewVerdict.COUNTED], id="login-case-ignored"
        ),
        pytest.param(
            (approve("mallory"),),
            Conclusion.ACTION_REQUIRED,
            [ReviewVerdict.NOT_MEMBER],
            id="non-member-does-not-count",
        ),
        pytest.param(
            (approve("dev"),),
            Conclusion.ACTION_REQUIRED,
            [ReviewVerdict.AUTHOR],
            id="author-cannot-approve",
        ),
        pytest.param(
            (approve("alan", state=ReviewState.CHANGES_REQUESTED),),
            Conclusion.FAILURE,
            [ReviewVerdict.BLOCKING],
            id="member-changes-requested-blocks",
        ),
        pytest.param(
            (approve("mallory", state=ReviewState.CHANGES_REQUESTED),),
            Conclusion.ACTION_REQUIRED,
            [],
            id="non-member-changes-requested-does-not-block",
        ),
        pytest.param(
            (approve("alan", state=ReviewState.CHANGES_REQUESTED), approve("alan")),
            Conclusion.SUCCESS,
            [ReviewVerdict.COUNTED],
            id="later-approval-replaces-changes",
        ),
        pytest.param(
            (approve("alan"), approve("alan", state=ReviewState.CHANGES_REQUESTED)),
            Conclusion.FAILURE,
            [ReviewVerdict.SUPERSEDED, ReviewVerdict.BLOCKING],
            id="later-changes-request-supersedes-approval",
        ),
        pytest.param(
            (approve("alan"), approve("alan", state=ReviewState.COMMENTED)),
            Conclusion.SUCCESS,
            [ReviewVerdict.COUNTED],
            id="comment-after-approval-keeps-it",
        ),
        pytest.param(
            (approve("alan"), approve("alan", state=ReviewState.DISMISSED)),
            Conclusion.ACTION_REQUIRED,
            [ReviewVerdict.SUPERSEDED],
            id="dismissed-approval-is-gone",
        ),
    ],
)
def test_review_semantics(
    reviews: tuple[Review, ...], conclusion: Conclusion, verdicts: list[ReviewVerdict]
) -> None:
    result = evaluate(RULES, snap(WORKFLOW, reviews=reviews))
    requirement = result.requirement("platform-engineering")
    assert requirement is not None
    assert result.conclusion is conclusion
    assert [r.verdict for r in requirement.reviews] == verdicts


@pytest.mark.parametrize(
    ("changed_since", "counted"),
    [
        pytest.param({OLD: frozenset({"docs/readme.md"})}, True, id="docs-push-keeps-approval"),
        pytest.param(
            {OLD: frozenset({".github/workflows/ci.yml"})}, False, id="governed-push-makes-stale"
        ),
        pytest.param(
            {OLD: frozenset({".github/workflows/new.yml"})},
            False,
            id="new-governed-file-makes-stale",
        ),
        pytest.param({OLD: None}, False, id="unknown-history-is-stale-fail-closed"),
        pytest.param({}, False, id="missing-history-is-stale-fail-closed"),
    ],
)
def test_staleness(changed_since: dict[str, frozenset[str] | None], counted: bool) -> None:
    result = evaluate(
        RULES, snap(WORKFLOW, reviews=(approve("alan", OLD),), changed_since=changed_since)
    )
    assert (result.conclusion is Conclusion.SUCCESS) is counted


def test_team_members_from_the_edge_count() -> None:
    dep = ChangedFile("package.json", patch='@@ -1 +1,2 @@\n {\n+  "left-pad": "^1.3.0",\n')
    reviews = (approve("ada"), approve("grace"))
    without = evaluate(RULES, snap(dep, reviews=reviews))
    with_team = evaluate(
        RULES, snap(dep, reviews=reviews, group_members={"architecture": frozenset({"grace"})})
    )
    assert without.conclusion is Conclusion.ACTION_REQUIRED
    assert with_team.conclusion is Conclusion.SUCCESS
    assert with_team.requirements[0].approvals_needed == 2


def test_truncated_file_list_requires_every_group_fail_closed() -> None:
    result = evaluate(RULES, snap(ChangedFile("docs/a.md"), files_truncated=True))
    assert {r.group for r in result.requirements} == {"platform-engineering", "architecture"}
    assert all(m.assumed for m in result.matches)
    assert result.problems[0].kind == "truncated"


@pytest.mark.parametrize(
    ("approve_it", "conclusion"), [(True, Conclusion.SUCCESS), (False, Conclusion.FAILURE)]
)
def test_final_decision_settles_a_disputed_group(approve_it: bool, conclusion: Conclusion) -> None:
    blocked = (approve("alan", state=ReviewState.CHANGES_REQUESTED),)
    decision = Override("platform-engineering", approve_it, "boss", "risk accepted")
    result = evaluate(RULES, snap(WORKFLOW, reviews=blocked, overrides=(decision,)))
    assert result.conclusion is conclusion
    assert result.requirements[0].override is not None
