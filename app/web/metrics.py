"""Prometheus metrics, one registry per application so tests can build several."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.deliveries = Counter(
            "gatehouse_deliveries_total",
            "Webhook deliveries by event and outcome.",
            ["event", "outcome"],
            registry=self.registry,
        )
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
        self.outbound = Counter(
            "gatehouse_outbound_calls_total",
            "Jira and Slack calls by service, operation and outcome.",
            ["service", "operation", "outcome"],
            registry=self.registry,
        )
