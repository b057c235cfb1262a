"""The shipped ``rules/`` encode the handbook, proven on a table of realistic changes.

Every diff in ``fixtures/changes/`` was produced by git in a scratch repository;
``fixtures/changes/expected.yml`` says which rules and which reviewing groups each one must
require, and why. About a third of them are changes that must require nothing.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.policy.diff import split_unified_diff
from app.policy.evaluate import evaluate
from app.policy.loader import load_rules_dir
from app.policy.model import RuleSet
from app.policy.snapshot import ChangedFile, PullSnapshot

ROOT = Path(__file__).resolve().parents[2]
RULES_DIR = ROOT / "rules"
CHANGES_DIR = ROOT / "fixtures" / "changes"
REVIEWING_GROUPS = {"platform-engineering", "architecture"}


def _expectations() -> list[dict[str, Any]]:
    entries = yaml.safe_load((CHANGES_DIR / "expected.yml").read_text(encoding="utf-8"))
    assert isinstance(entries, list)
    return entries


EXPECTED = _expectations()


@cache
def shipped_rules() -> RuleSet:
    return load_rules_dir(RULES_DIR)


def test_shipped_rules_load_without_errors() -> None:
    ruleset = shipped_rules()
    assert set(ruleset.groups) == {*REVIEWING_GROUPS, "engineering-management"}
    assert {rule.group for rule in ruleset.rules} == REVIEWING_GROUPS


def test_shipped_settings_are_the_handbooks() -> None:
    settings = shipped_rules().settings
    assert settings.check_name == "gatehouse"
    assert (settings.jira.project, settings.jira.issue_type) == ("LFXV2", "Task")
    assert settings.jira.labels == ["platform-engineering"]
    assert settings.jira.require_key is False
    assert settings.slack.channel == "#lfx-devops"
    sla = settings.sla
    assert (sla.timezone, sla.workday, sla.holidays) == (
        "America/Los_Angeles",
        ("09:00", "17:00"),
        "US",
    )
    assert sla.workdays == ["mon", "tue", "wed", "thu", "fri"]
    assert sla.standard.business_days == 2
    assert sla.expedited.business_hours == 4
    assert sla.post_implementation_review.hours == 24
    assert sla.joint_review.hours == 24
    review = settings.architecture_review
    assert (review.weekday, review.time, review.duration_minutes) == ("wed", "16:00", 60)


def test_default_platform_engineering_members_are_the_handbooks() -> None:
    group = shipped_rules().groups["platform-engineering"]
    assert group.name == "Platform Engineering"
    assert [m.name for m in group.members] == ["Alan Sherman", "Antonia Gaete", "Robert Detjens"]
    assert all(m.slack_user_id and m.jira_account_id for m in group.members)


def test_platform_rules_open_tickets_and_architecture_rules_go_to_the_call() -> None:
    wrong = [
        rule.id
        for rule in shipped_rules().rules
        if rule.jira != (rule.group == "platform-engineering")
    ]
    assert wrong == []


def test_every_shipped_rule_is_proven_by_a_fixture() -> None:
    exercised = {
        rule_id for entry in EXPECTED for rule_id in [*entry["rules"], *entry.get("advisory", [])]
    }
    unproven = [rule.id for rule in shipped_rules().rules if rule.id not in exercised]
    assert unproven == []


def test_fixture_table_lists_every_diff_once() -> None:
    listed = [entry["diff"] for entry in EXPECTED]
    on_disk = sorted(path.name for path in CHANGES_DIR.glob("*.diff"))
    assert sorted(listed) == on_disk
    assert len(set(listed)) == len(listed)
    assert len(listed) >= 60
    assert sum(1 for entry in EXPECTED if not entry["rules"]) >= 20


def test_crlf_fixture_still_has_windows_line_endings() -> None:
    """A checkout that normalises line endings would silently drop this case."""
    crlf = sorted(CHANGES_DIR.glob("*crlf*.diff"))
    assert crlf
    assert all(b"\r\n" in path.read_bytes() for path in crlf)


@pytest.mark.parametrize("entry", EXPECTED, ids=[e["diff"].removesuffix(".diff") for e in EXPECTED])
def test_fixture_expectation_is_consistent(entry: dict[str, Any]) -> None:
    by_id = {rule.id: rule for rule in shipped_rules().rules}
    assert entry["rules"] == sorted(entry["rules"])
    assert all(rule_id in by_id for rule_id in entry["rules"])
    assert all(by_id[rule_id].advisory for rule_id in entry.get("advisory", []))
    assert not any(by_id[rule_id].advisory for rule_id in entry["rules"])
    assert entry["groups"] == sorted({by_id[rule_id].group for rule_id in entry["rules"]})
    assert entry["note"].strip()


@pytest.mark.parametrize("entry", EXPECTED, ids=[e["diff"].removesuffix(".diff") for e in EXPECTED])
def test_change_requires_exactly_the_expected_reviews(entry: dict[str, Any]) -> None:
    text = (CHANGES_DIR / entry["diff"]).read_bytes().decode("utf-8")
    files = split_unified_diff(text)
    evaluation = evaluate(shipped_rules(), PullSnapshot(files=files))
    matched = sorted(match.rule_id for match in evaluation.matches)
    why = {
        match.rule_id: [(f.path, f.reason, [hit.text for hit in f.lines][:3]) for f in match.files]
        for match in evaluation.matches
    }
    assert matched == entry["rules"], f"{entry['note']}\nmatched: {why}"
    assert sorted(req.group for req in evaluation.requirements) == entry["groups"]
    advisory = sorted(match.rule_id for match in evaluation.advisories)
    assert advisory == entry.get("advisory", []), entry["note"]


LOCK_FILES = [
    "package-lock.json",
    "web/npm-shrinkwrap.json",
    "pnpm-lock.yaml",
    "yarn.lock",
    "poetry.lock",
    "go.sum",
    "Cargo.lock",
    "Gemfile.lock",
    "composer.lock",
]


@pytest.mark.parametrize("path", LOCK_FILES)
def test_lock_file_refresh_with_withheld_patch_requires_nothing(path: str) -> None:
    """GitHub withholds the patch of a huge lock-file diff; line rules must not assume it."""
    withheld = ChangedFile(path=path, patch=None, patch_unavailable=True)
    evaluation = evaluate(shipped_rules(), PullSnapshot(files=(withheld,)))
    assert [match.rule_id for match in evaluation.matches] == []
