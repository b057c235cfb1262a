"""Prometheus metrics, one registry per application so tests can build several."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

BudgetView = Callable[[], tuple[dict[int, int], dict[tuple[str, str], int]]]

# Series of gatehouse_deliveries_total whose child the webhook keeps at hand; beyond that
# (unverified requests can name any event) each answer looks its series up again.
MAX_REMEMBERED_SERIES = 256


class DeliveryCounter:
    """Counts webhook answers by event and outcome, finding each series once."""

    def __init__(self, counter: Counter) -> None:
        self._counter = counter
        self._children: dict[tuple[str, str], Counter] = {}

    def count(self, event: str, outcome: str) -> None:
        key = (event, outcome)
        child = self._children.get(key)
        if child is None:
            child = self._counter.labels(event=event or "unknown", outcome=outcome)
            if len(self._children) < MAX_REMEMBERED_SERIES:
                self._children[key] = child
        child.inc()


class Metrics:
    def watch_github(self, view: BudgetView) -> None:
        """Expose the GitHub budget and throttling that ``view`` reports."""
        self.registry.register(GitHubBudgetCollector(view))

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.deliveries = Counter(
            "gatehouse_deliveries_total",
            "Webhook deliveries by event and outcome.",
            ["event", "outcome"],
            registry=self.registry,
        )
        self.answers = DeliveryCounter(self.deliveries)
        self.processing = Histogram(
            "gatehouse_processing_seconds",
            "Time to process one delivery, from pickup to done.",
            ["event"],
            registry=self.registry,
            buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
        )
        self.github_calls = Counter(
            "gatehouse_github_calls_total",
            "GitHub REST calls by operation and status.",
            ["operation", "status"],
            registry=self.registry,
        )
        self.rate_limit = Gauge(
            "gatehouse_github_rate_limit_remaining",
            "The last x-ratelimit-remaining GitHub reported.",
            registry=self.registry,
        )
        self.pending = Gauge(
            "gatehouse_deliveries_pending",
            "Deliveries recorded and not yet processed.",
            registry=self.registry,
        )
        self.follow_ups = Gauge(
            "gatehouse_follow_ups_in_flight",
            "Deliveries whose check is published and whose follow-up (review requests, "
            "Jira, Slack, the sticky comment) is still running or queued.",
            registry=self.registry,
        )
        self.sla_notices = Counter(
            "gatehouse_sla_notices",
            "SLA reminders and breach notices sent, by kind (reminder, breach) and group.",
            ["kind", "group"],
            registry=self.registry,
        )
        self.outbound = Counter(
            "gatehouse_outbound_calls_total",
            "Jira and Slack calls by service, operation and outcome.",
            ["service", "operation", "outcome"],
            registry=self.registry,
        )


class GitHubBudgetCollector(Collector):
    """Each installation's primary budget and the requests rate limits held back, read
    from the GitHub clients' counters when ``/metrics`` is scraped."""

    def __init__(self, view: BudgetView) -> None:
        self._view = view

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        remaining, throttled = self._view()
        budget = GaugeMetricFamily(
            "gatehouse_github_installation_rate_limit_remaining",
            "The last x-ratelimit-remaining GitHub reported, per installation.",
            labels=["installation"],
        )
        for installation, value in sorted(remaining.items()):
            budget.add_metric([str(installation)], value)
        yield budget
        held = CounterMetricFamily(
            "gatehouse_github_throttled",
            "GitHub requests held back by rate limits: waited for their turn, or refused "
            "and rescheduled.",
            labels=["operation", "outcome"],
        )
        for (operation, outcome), count in sorted(throttled.items()):
            held.add_metric([operation, outcome], count)
        yield held
