"""The check run stays within GitHub's limits and says what it left out."""

from __future__ import annotations

from app.policy.evaluate import evaluate
from app.policy.model import Group, Member, Rule, RuleSet, Settings
from app.policy.snapshot import ChangedFile, PullSnapshot
from app.render.check_run import MAX_ANNOTATIONS, SUMMARY_LIMIT, render_check_run, truncate
from app.render.context import PullContext

RULES = RuleSet(
    settings=Settings(),
    groups={
        "platform-engineering": Group(name="Platform Engineering", members=[Member(github="a")])
    },
    rules=tuple(
        Rule(
            id=f"rule-{i}",
            title="T" * 200,
            group="platform-engineering",
            paths=["**"],
            changed_lines=["x"],
        )
        for i in range(60)
    ),
)


def test_huge_pull_request_summary_is_truncated_with_a_count() -> None:
    patch = "@@ -0,0 +1,40 @@\n" + "".join(f"+x{i} {'y' * 150}\n" for i in range(40))
    files = tuple(ChangedFile(f"dir/file-{i}-{'z' * 80}.tf", patch=patch) for i in range(100))
    output = render_check_run(evaluate(RULES, PullSnapshot(files=files)), PullContext())
    assert len(output.summary) <= SUMMARY_LIMIT
    assert "truncated" in output.summary
    assert len(output.annotations) == MAX_ANNOTATIONS


def test_truncate_keeps_short_text() -> None:
    assert truncate("short", 100) == "short"
    cut = truncate("line\n" * 1000, 500)
    assert len(cut) <= 500 and "more lines are on the details page" in cut
