"""The Grafana dashboard imports as it is: one data-source variable, panels that do not
collide, and queries Prometheus accepts and that follow the job and instance pickers."""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.monitoring import promql
from tests.monitoring.exposition import Exposition
from tests.monitoring.shipped import (
    Query,
    all_panels,
    dashboard_queries,
    dashboard_targets,
    load_dashboard,
    needs_promtool,
    promtool,
)

DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
FILTERS = ('job=~"$job"', 'instance=~"$instance"')
LABEL_VALUES = re.compile(r"label_values\((?P<selector>.+),\s*(?P<label>\w+)\)")


def variables() -> dict[str, dict[str, Any]]:
    return {variable["name"]: variable for variable in load_dashboard()["templating"]["list"]}


def test_the_dashboard_is_a_current_grafana_dashboard() -> None:
    dashboard = load_dashboard()
    assert 36 <= dashboard["schemaVersion"] <= 41
    assert dashboard["uid"] and dashboard["title"]
    assert "id" not in dashboard or dashboard["id"] is None, "an export for import has no id"


def test_the_data_source_is_a_prometheus_variable() -> None:
    datasource = variables()["datasource"]
    assert (datasource["type"], datasource["query"]) == ("datasource", "prometheus")


def test_every_panel_and_query_reads_the_data_source_variable() -> None:
    for panel in all_panels(load_dashboard()["panels"]):
        if panel.get("targets"):
            assert panel["datasource"] == DATASOURCE, panel["title"]
    for panel, target in dashboard_targets():
        assert target["datasource"] == DATASOURCE, (panel["title"], target["refId"])


def test_panel_ids_are_unique() -> None:
    ids = [panel["id"] for panel in all_panels(load_dashboard()["panels"])]
    assert len(ids) == len(set(ids))


def test_panels_do_not_overlap() -> None:
    boxes = [(p["title"], p["gridPos"]) for p in all_panels(load_dashboard()["panels"])]
    for (one, a), (other, b) in itertools.combinations(boxes, 2):
        apart = (
            a["x"] + a["w"] <= b["x"]
            or b["x"] + b["w"] <= a["x"]
            or a["y"] + a["h"] <= b["y"]
            or b["y"] + b["h"] <= a["y"]
        )
        assert apart, f"{one!r} overlaps {other!r}"
    assert all(box["x"] + box["w"] <= 24 for _, box in boxes)


def test_ref_ids_are_unique_within_each_panel() -> None:
    for panel in all_panels(load_dashboard()["panels"]):
        refs = [target["refId"] for target in panel.get("targets", [])]
        assert len(refs) == len(set(refs)), panel["title"]


@pytest.mark.parametrize("query", dashboard_queries(), ids=str)
def test_every_query_follows_the_job_and_instance_pickers(query: Query) -> None:
    selectors = re.findall(r"\b(?:gatehouse_\w+|up)\s*(\{[^}]*\})?", query.expr)
    assert selectors
    assert all(all(f in selector for f in FILTERS) for selector in selectors), query.expr


@pytest.mark.parametrize("query", dashboard_queries(), ids=str)
def test_every_query_has_balanced_brackets(query: Query) -> None:
    assert promql.brackets_balanced(query.expr)


@pytest.mark.parametrize("name", ["job", "instance"])
def test_the_pickers_list_label_values_of_an_exposed_gauge(name: str, exposed: Exposition) -> None:
    variable = variables()[name]
    assert variable["type"] == "query" and variable["datasource"] == DATASOURCE
    found = LABEL_VALUES.fullmatch(variable["query"])
    assert found and found["label"] == name
    [metric] = promql.metric_names(found["selector"])
    assert exposed.types.get(metric) == "gauge", "a gauge is there from the first scrape"


def test_the_instance_picker_follows_the_job_picker() -> None:
    assert 'job=~"$job"' in variables()["instance"]["query"]
    assert variables()["instance"]["includeAll"] and variables()["instance"]["allValue"] == ".*"


@needs_promtool
def test_promtool_parses_every_query(tmp_path: Path) -> None:
    """Each query, with Grafana's variables filled in, as a recording rule for promtool."""
    rules = [
        {"record": f"dashboard:query_{index}", "expr": promql.as_prometheus_sees_it(query.expr)}
        for index, query in enumerate(dashboard_queries())
    ]
    (tmp_path / "queries.yaml").write_text(
        yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]})
    )
    checked = promtool("check", "rules", "queries.yaml", cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
