"""Situations each alert must fire on, and ordinary ones near them it must stay quiet on.

Series use promtool's notation, one sample a minute: ``"5x30"`` is 5 for 31 minutes,
``"0+1x30"`` counts up by one a minute.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

TARGET = {"job": "gatehouse", "instance": "gatehouse-0:8000"}


def series(metric: str, **labels: str) -> str:
    """A scraped series: ``metric`` with the target's labels and ``labels``."""
    pairs = {**TARGET, **labels}
    return metric + "{" + ", ".join(f'{key}="{value}"' for key, value in pairs.items()) + "}"


def delivered(outcome: str, event: str = "pull_request") -> str:
    return series("gatehouse_deliveries_total", event=event, outcome=outcome)


def outbound(service: str, operation: str, outcome: str) -> str:
    return series(
        "gatehouse_outbound_calls_total", service=service, operation=operation, outcome=outcome
    )


PENDING = series("gatehouse_deliveries_pending")
BREACHES = series("gatehouse_sla_notices_total", kind="breach", group="platform-engineering")
REMINDERS = series("gatehouse_sla_notices_total", kind="reminder", group="platform-engineering")
BUDGET = series("gatehouse_github_installation_rate_limit_remaining", installation="1")
GITHUB_CALLS = series("gatehouse_github_calls_total", operation="checks/create", status="ok")


@dataclass(frozen=True)
class AlertCase:
    name: str
    alert: str
    at: str
    input: dict[str, str]
    fires: list[dict[str, str]] = field(default_factory=list)

    def promtool_test(self, rule_file: str) -> dict[str, Any]:
        """A ``promtool test rules`` file for this case."""
        return {
            "rule_files": [rule_file],
            "evaluation_interval": "1m",
            "tests": [
                {
                    "interval": "1m",
                    "input_series": [{"series": s, "values": v} for s, v in self.input.items()],
                    "alert_rule_test": [
                        {
                            "eval_time": self.at,
                            "alertname": self.alert,
                            "exp_alerts": [{"exp_labels": labels} for labels in self.fires],
                        }
                    ],
                }
            ],
        }


CRITICAL, WARNING = {"severity": "critical"}, {"severity": "warning"}

CASES = [
    AlertCase(
        "down_after_two_minutes_unscraped",
        "GatehouseDown",
        "6m",
        {series("up"): "1 1 0x10"},
        [{**CRITICAL, **TARGET}],
    ),
    AlertCase("one_missed_scrape_is_not_down", "GatehouseDown", "6m", {series("up"): "1 0 1x10"}),
    AlertCase(
        "no_target_at_all_is_missing",
        "GatehouseTargetMissing",
        "15m",
        {'up{job="other", instance="x"}': "1x20"},
        [{**CRITICAL, "job": "gatehouse"}],
    ),
    AlertCase(
        "a_running_target_is_not_missing", "GatehouseTargetMissing", "15m", {series("up"): "1x20"}
    ),
    AlertCase(
        "backlog_high_for_ten_minutes",
        "GatehouseBacklogHigh",
        "15m",
        {PENDING: "150x20"},
        [WARNING],
    ),
    AlertCase(
        "a_short_burst_is_not_a_backlog", "GatehouseBacklogHigh", "15m", {PENDING: "0 150 150 0x20"}
    ),
    AlertCase(
        "stuck_when_deliveries_wait_and_none_is_processed",
        "GatehouseBacklogStuck",
        "25m",
        {PENDING: "5x30", delivered("processed"): "3x30"},
        [CRITICAL],
    ),
    AlertCase(
        "stuck_when_no_delivery_was_ever_processed",
        "GatehouseBacklogStuck",
        "25m",
        {PENDING: "5x30"},
        [CRITICAL],
    ),
    AlertCase(
        "not_stuck_while_deliveries_are_processed",
        "GatehouseBacklogStuck",
        "25m",
        {PENDING: "5x30", delivered("processed"): "0+1x30"},
    ),
    AlertCase(
        "not_stuck_while_failed_attempts_are_retried",
        "GatehouseBacklogStuck",
        "25m",
        {PENDING: "5x30", delivered("error"): "0+1x30"},
    ),
    AlertCase(
        "deliveries_failing_for_fifteen_minutes",
        "GatehouseDeliveriesFailing",
        "25m",
        {delivered("error"): "0+1x30"},
        [{**WARNING, "event": "pull_request"}],
    ),
    AlertCase(
        "one_failed_delivery_is_not_failing",
        "GatehouseDeliveriesFailing",
        "25m",
        {delivered("error"): "0 1x30"},
    ),
    AlertCase(
        "a_delivery_not_recorded_alerts_at_once",
        "GatehouseWebhookNotRecorded",
        "3m",
        {delivered("not-recorded"): "0 0 1x10"},
        [CRITICAL],
    ),
    AlertCase(
        "every_request_with_a_bad_signature",
        "GatehouseWebhookBadSignatures",
        "20m",
        {delivered("bad-signature"): "0+10x30"},
        [CRITICAL],
    ),
    AlertCase(
        "a_few_probes_among_signed_deliveries_are_not_a_misconfigured_secret",
        "GatehouseWebhookBadSignatures",
        "20m",
        {delivered("bad-signature"): "0+1x30", delivered("accepted"): "0+20x30"},
    ),
    AlertCase(
        "github_budget_low_while_calling_github",
        "GatehouseGitHubRateLimitLow",
        "10m",
        {BUDGET: "400x20", GITHUB_CALLS: "0+10x20"},
        [{**WARNING, "installation": "1"}],
    ),
    AlertCase(
        "a_low_budget_last_seen_before_going_idle_is_not_alerted",
        "GatehouseGitHubRateLimitLow",
        "10m",
        {BUDGET: "400x20", GITHUB_CALLS: "50x20"},
    ),
    AlertCase(
        "github_budget_plentiful",
        "GatehouseGitHubRateLimitLow",
        "10m",
        {BUDGET: "4000x20", GITHUB_CALLS: "0+10x20"},
    ),
    AlertCase(
        "github_refusals_for_thirty_minutes",
        "GatehouseGitHubThrottling",
        "45m",
        {
            series(
                "gatehouse_github_throttled_total",
                operation="issues/create-comment",
                outcome="refused",
            ): "0+1x60"
        },
        [{**WARNING, "operation": "issues/create-comment"}],
    ),
    AlertCase(
        "waiting_for_a_rate_limit_turn_is_not_throttling",
        "GatehouseGitHubThrottling",
        "45m",
        {
            series(
                "gatehouse_github_throttled_total", operation="checks/create", outcome="waited"
            ): "0+1x60"
        },
    ),
    AlertCase(
        "jira_errors_for_fifteen_minutes",
        "GatehouseJiraSlackFailing",
        "25m",
        {outbound("jira", "createIssue", "503"): "0+1x30"},
        [{**WARNING, "service": "jira", "operation": "createIssue"}],
    ),
    AlertCase(
        "slack_unreachable_for_fifteen_minutes",
        "GatehouseJiraSlackFailing",
        "25m",
        {outbound("slack", "chat.postMessage", "unreachable"): "0+1x30"},
        [{**WARNING, "service": "slack", "operation": "chat.postMessage"}],
    ),
    AlertCase(
        "a_ticket_jira_does_not_have_is_not_a_failure",
        "GatehouseJiraSlackFailing",
        "25m",
        {outbound("jira", "getIssue", "404"): "0+1x30"},
    ),
    AlertCase(
        "a_breach_notice_fires",
        "GatehouseSlaBreached",
        "20m",
        {BREACHES: "0x10 1x20"},
        [{"severity": "info", "group": "platform-engineering"}],
    ),
    AlertCase(
        "reminders_alone_do_not_fire", "GatehouseSlaBreached", "20m", {REMINDERS: "0x10 1x20"}
    ),
    AlertCase(
        "successful_calls_are_not_failures",
        "GatehouseJiraSlackFailing",
        "25m",
        {
            outbound("jira", "createIssue", "201"): "0+1x30",
            outbound("slack", "chat.postMessage", "ok"): "0+1x30",
        },
    ),
]
