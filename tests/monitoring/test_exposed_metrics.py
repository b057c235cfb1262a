"""Every metric, label and label value the dashboard and the alerts query is one that the
real service exposes on GET /metrics: a renamed metric or label fails here, not as an
empty panel or an alert that can never fire."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.monitoring import promql
from tests.monitoring.exposition import TARGET_LABELS, Exposition
from tests.monitoring.shipped import (
    ROOT,
    Query,
    dashboard_queries,
    needs_promtool,
    promtool,
    rule_queries,
)

QUERIES = rule_queries() + dashboard_queries()

# Label values a query names that one pull request through the sandbox does not produce,
# with where gatehouse produces them.
VALUES_FROM_SOURCE = {
    ("gatehouse_github_throttled_total", "outcome", "refused"): (
        "app/github/transport.py",
        'record_throttled(operation, "refused")',
    ),
    ("gatehouse_github_calls_total", "status", "304"): (
        "app/github/transport.py",
        'self._observe(operation, "304", response_headers)',
    ),
    ("gatehouse_outbound_calls_total", "operation", "getIssue"): ("app/jira.py", '"getIssue"'),
    ("gatehouse_outbound_calls_total", "outcome", "404"): (
        "app/jira.py",
        "self._note(operation, str(response.status_code))",
    ),
    **{
        ("gatehouse_deliveries_total", "outcome", outcome): ("app/web/webhook.py", f'"{outcome}"')
        for outcome in ("not-recorded", "malformed", "too-large")
    },
}


def test_the_scrape_covers_every_kind_of_metric(exposed: Exposition) -> None:
    assert exposed.types["gatehouse_deliveries_total"] == "counter"
    assert exposed.types["gatehouse_processing_seconds_bucket"] == "histogram"
    assert exposed.types["gatehouse_deliveries_pending"] == "gauge"
    assert exposed.types["gatehouse_github_throttled_total"] == "counter"
    assert exposed.values[("gatehouse_deliveries_total", "outcome")] >= {
        "accepted",
        "bad-signature",
        "error",
        "processed",
    }


@pytest.mark.parametrize("query", QUERIES, ids=str)
def test_every_metric_queried_is_exposed(query: Query, exposed: Exposition) -> None:
    names = promql.metric_names(query.expr)
    assert names, "the expression selects no metric"
    assert [name for name in sorted(names) if not exposed.has(name)] == []


@pytest.mark.parametrize("query", QUERIES, ids=str)
def test_every_label_queried_is_on_its_metric(query: Query, exposed: Exposition) -> None:
    wrong = [
        f"{m.metric}{{{m.label}}}"
        for m in promql.matchers(query.expr)
        if m.metric and m.label not in exposed.labels_of(m.metric)
    ]
    names = promql.metric_names(query.expr)
    available = set().union(*(exposed.labels_of(name) for name in names))
    if any(name.endswith("_bucket") for name in names):
        available.add("le")
    wrong += sorted(promql.grouping_labels(query.expr) - available)
    assert wrong == []


@pytest.mark.parametrize("query", QUERIES, ids=str)
def test_every_label_value_named_is_one_gatehouse_produces(
    query: Query, exposed: Exposition
) -> None:
    unknown = []
    for matcher in promql.matchers(query.expr):
        if matcher.label in TARGET_LABELS:
            continue
        for value in matcher.literal_values():
            seen = exposed.values.get((matcher.metric, matcher.label), set())
            if value in seen or _produced_in_source(matcher.metric, matcher.label, value):
                continue
            unknown.append(f'{matcher.metric}{{{matcher.label}="{value}"}}')
    assert unknown == []


def _produced_in_source(metric: str, label: str, value: str) -> bool:
    where = VALUES_FROM_SOURCE.get((metric, label, value))
    if where is None:
        return False
    path, snippet = where
    return snippet in (ROOT / path).read_text()


@pytest.mark.parametrize("query", QUERIES, ids=str)
def test_rates_are_taken_of_counters_only(query: Query, exposed: Exposition) -> None:
    assert [m for m in promql.rated_metrics(query.expr) if not exposed.is_cumulative(m)] == []


@pytest.mark.parametrize("query", QUERIES, ids=str)
def test_quantiles_come_from_buckets_grouped_by_le(query: Query) -> None:
    if "histogram_quantile" not in promql.functions(query.expr):
        return
    assert all(name.endswith("_bucket") for name in promql.metric_names(query.expr))
    assert "le" in promql.grouping_labels(query.expr)


def test_the_source_still_produces_the_values_the_sandbox_does_not(exposed: Exposition) -> None:
    stale = [key for key in VALUES_FROM_SOURCE if not _produced_in_source(*key)]
    assert stale == [], "update VALUES_FROM_SOURCE: the code that produced these moved"


@needs_promtool
def test_the_exposition_passes_promtools_lint(metrics_text: str, tmp_path: Path) -> None:
    checked = promtool("check", "metrics", cwd=tmp_path, stdin=metrics_text)
    assert checked.returncode == 0, checked.stdout + checked.stderr
