"""Rules that read what a change does: detect kinds, advisory rules, evidence, fail closed."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.policy.evaluate import evaluate
from app.policy.loader import RulesError, load_rules_dir
from app.policy.model import RuleSet
from app.policy.snapshot import ChangedFile, PullSnapshot
from app.render.check_run import render_check_run
from app.render.comment import render_comment
from app.render.context import PullContext
from app.render.data import evaluation_to_dict
from tests.policy.detectors.patches import changed_file

GROUPS = """groups:
  architecture:
    name: Architectural Team
    members:
      - {github: ada, name: Ada}
"""
RULES = """rules:
  - id: new-dependency
    title: A new dependency
    group: architecture
    detect: [dependency.added]
    exclude_paths: ["**/testdata/**"]
    jira: false
  - id: major-upgrade
    title: A major upgrade
    group: architecture
    detect: [dependency.major]
    advisory: true
    jira: true
  - id: subjects
    title: Messaging contracts
    group: architecture
    detect: ["messaging.*"]
    jira: false
"""
GO_MOD = "module x\n\ngo 1.23\n\nrequire (\n\tgithub.com/a/b v1.2.0\n\tgithub.com/c/d v1.0.0\n)\n"


@pytest.fixture(scope="module")
def ruleset(tmp_path_factory: pytest.TempPathFactory) -> RuleSet:
    directory = tmp_path_factory.mktemp("rules")
    (directory / "groups.yml").write_text(GROUPS)
    (directory / "rules.yml").write_text(RULES)
    return load_rules_dir(directory)


def judge(ruleset: RuleSet, *files: ChangedFile):  # type: ignore[no-untyped-def]
    return evaluate(ruleset, PullSnapshot(files=files, repository="o/r", number=1))


def test_a_bump_requires_nothing_and_says_why(ruleset: RuleSet) -> None:
    result = judge(ruleset, changed_file("go.mod", GO_MOD, GO_MOD.replace("v1.2.0", "v1.3.0")))
    assert not result.required and not result.suggestions
    assert [n.text for n in result.notes] == ["go.mod: 1 version bump, no new Go module"]


def test_a_new_dependency_requires_the_group_with_evidence(ruleset: RuleSet) -> None:
    after = GO_MOD.replace(
        "\tgithub.com/c/d", "\tgithub.com/nats-io/nats.go v1.37.0\n\tgithub.com/c/d"
    )
    result = judge(ruleset, changed_file("go.mod", GO_MOD, after))
    assert [r.group for r in result.requirements] == ["architecture"]
    (found,) = result.matches[0].files[0].findings
    assert found.message == "new Go module github.com/nats-io/nats.go v1.37.0"
    assert (found.line, found.side) == (7, "added")
    data = evaluation_to_dict(result)
    assert data["rules"][0]["files"][0]["findings"][0]["kind"] == "dependency.added"


def test_advisory_rules_suggest_and_never_block(ruleset: RuleSet) -> None:
    after = GO_MOD.replace("github.com/a/b v1.2.0", "github.com/a/b v2.0.0+incompatible")
    result = judge(ruleset, changed_file("go.mod", GO_MOD, after))
    assert not result.required and not result.needs_jira
    assert [s.group for s in result.suggestions] == ["architecture"]
    data = evaluation_to_dict(result)
    assert data["groups"] == [] and data["suggested"][0]["rules"] == ["major-upgrade"]
    summary = render_check_run(result, PullContext()).summary
    assert "Suggested (advisory, does not block): Architectural Team" in summary
    assert "github.com/a/b" in render_comment(result, PullContext())


def test_a_required_group_is_not_also_suggested(ruleset: RuleSet) -> None:
    after = GO_MOD.replace("github.com/a/b v1.2.0", "github.com/a/b v2.0.0").replace(
        "\tgithub.com/c/d", "\tgithub.com/e/f v0.1.0\n\tgithub.com/c/d"
    )
    result = judge(ruleset, changed_file("go.mod", GO_MOD, after))
    assert [r.group for r in result.requirements] == ["architecture"]
    assert result.suggestions == () and [m.rule_id for m in result.advisories] == ["major-upgrade"]


def test_unreadable_manifest_counts_fail_closed(ruleset: RuleSet) -> None:
    broken = ChangedFile(path="package.json", patch_unavailable=True)
    result = judge(ruleset, broken)
    assert [r.group for r in result.requirements] == ["architecture"]
    (found,) = result.matches[0].files[0].findings
    assert found.kind == "dependency.unreadable" and "counted" in found.message


def test_excluded_paths_are_not_read(ruleset: RuleSet) -> None:
    after = GO_MOD.replace("\tgithub.com/c/d", "\tgithub.com/e/f v0.1.0\n\tgithub.com/c/d")
    assert not judge(ruleset, changed_file("testdata/go.mod", GO_MOD, after)).required


def test_a_subject_moved_between_files_is_not_news(ruleset: RuleSet) -> None:
    before_main = 'package main\n\nconst OrdersSubject = "orders.created"\n'
    after_consts = 'package constants\n\nconst OrdersSubject = "orders.created"\n'
    moved = judge(
        ruleset,
        changed_file("main.go", before_main, "package main\n"),
        changed_file("constants.go", "", after_consts),
    )
    assert not moved.required
    added = judge(ruleset, changed_file("constants.go", "", after_consts))
    assert [m.rule_id for m in added.matches] == ["subjects"]


def test_annotations_mark_the_evidence_lines(ruleset: RuleSet) -> None:
    after = GO_MOD.replace("\tgithub.com/c/d", "\tgithub.com/e/f v0.1.0\n\tgithub.com/c/d")
    annotations = render_check_run(
        judge(ruleset, changed_file("go.mod", GO_MOD, after)), PullContext()
    ).annotations
    assert [(a["path"], a["start_line"]) for a in annotations] == [("go.mod", 7)]
    assert annotations[0]["message"].startswith("new Go module github.com/e/f v0.1.0")


@pytest.mark.parametrize(
    ("detect", "message"),
    [
        ("[dependency.addded]", "'dependency.addded' matches no finding kind"),
        ("[dependency]", "'dependency' is not a finding kind"),
    ],
)
def test_unknown_kinds_are_errors_with_file_and_line(
    tmp_path: Path, detect: str, message: str
) -> None:
    (tmp_path / "groups.yml").write_text(GROUPS)
    (tmp_path / "rules.yml").write_text(
        "rules:\n  - id: x\n    title: X\n    group: architecture\n    detect: " + detect + "\n"
    )
    with pytest.raises(RulesError) as caught:
        load_rules_dir(tmp_path)
    (issue,) = caught.value.issues
    assert str(issue).startswith(f"{tmp_path / 'rules.yml'}:5")
    assert message in str(issue)
