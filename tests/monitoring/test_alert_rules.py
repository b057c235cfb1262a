"""The alert rules are a valid Prometheus rule file, each alert explains itself, and each
fires on the situation it names and stays quiet on the ordinary ones near it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tests.monitoring import promql
from tests.monitoring.alert_cases import CASES, AlertCase
from tests.monitoring.exposition import Exposition
from tests.monitoring.shipped import (
    README,
    RULES,
    alert_rules,
    load_rules,
    needs_promtool,
    promtool,
)

RULE_KEYS = {"alert", "expr", "for", "labels", "annotations"}
SEVERITIES = {"critical", "warning", "info"}
DURATION = re.compile(r"(\d+[smhdwy])+")
SLA_METRIC = "gatehouse_sla_notices_total"


def readme_anchors() -> set[str]:
    """GitHub's anchors for the README's headings."""
    headings = re.findall(r"^#+\s+(.+?)\s*$", README.read_text(), flags=re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-") for heading in headings}


def test_the_file_is_a_list_of_named_groups_of_rules() -> None:
    loaded = load_rules()
    assert set(loaded) == {"groups"}
    names = [group["name"] for group in loaded["groups"]]
    assert len(names) == len(set(names)), "group names are unique"
    assert all(set(group) == {"name", "rules"} and group["rules"] for group in loaded["groups"])


@pytest.mark.parametrize("rule", list(alert_rules()), ids=lambda rule: str(rule["alert"]))
def test_each_alert_has_a_severity_a_summary_a_description_and_a_runbook(
    rule: dict[str, object],
) -> None:
    assert set(rule) == RULE_KEYS
    assert re.fullmatch(r"Gatehouse[A-Z][A-Za-z]+", str(rule["alert"]))
    assert DURATION.fullmatch(str(rule["for"]))
    labels, annotations = rule["labels"], rule["annotations"]
    assert isinstance(labels, dict) and labels.get("severity") in SEVERITIES
    assert isinstance(annotations, dict)
    assert set(annotations) == {"summary", "description", "runbook"}
    assert all(isinstance(text, str) and text.strip() for text in annotations.values())
    page, _, anchor = annotations["runbook"].partition("#")
    assert page == "README.md" and anchor in readme_anchors(), annotations["runbook"]


def test_alert_names_are_unique() -> None:
    names = [rule["alert"] for rule in alert_rules()]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("rule", list(alert_rules()), ids=lambda rule: str(rule["alert"]))
def test_every_expression_has_balanced_brackets(rule: dict[str, str]) -> None:
    assert promql.brackets_balanced(rule["expr"])


def test_sla_breaches_are_counted_per_group(exposed: Exposition) -> None:
    """The SLA alert reads breach notices that the service really counts."""
    assert "breach" in exposed.values.get((SLA_METRIC, "kind"), set())
    assert "platform-engineering" in exposed.values.get((SLA_METRIC, "group"), set())


def test_every_alert_has_a_case_that_fires_it() -> None:
    fired = {case.alert for case in CASES if case.fires}
    assert {rule["alert"] for rule in alert_rules()} <= fired


@needs_promtool
def test_promtool_accepts_the_rule_file() -> None:
    checked = promtool("check", "rules", RULES, cwd=RULES.parent)
    assert checked.returncode == 0, checked.stdout + checked.stderr


@needs_promtool
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_alert(case: AlertCase, tmp_path: Path) -> None:
    # The annotations are templates checked above; the cases compare labels only.
    stripped = load_rules()
    for group in stripped["groups"]:
        for rule in group["rules"]:
            rule.pop("annotations")
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump(stripped))
    (tmp_path / "test.yaml").write_text(yaml.safe_dump(case.promtool_test("rules.yaml")))
    tested = promtool("test", "rules", "test.yaml", cwd=tmp_path)
    assert tested.returncode == 0, tested.stdout + tested.stderr
