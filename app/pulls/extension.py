"""The seam through which Jira, Slack and the SLA clocks take part in a reconcile.

An extension reads the evaluation and adds to what the pull request shows (the ticket,
due times, notes). Extensions that can change the decision, or that cost no network call,
run before the check is published (:meth:`PullExtension.decides`); the others run after
it, so a slow Jira or Slack never delays the check.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from app.github.client import InstallationClient
from app.policy.model import RuleSet
from app.policy.result import Evaluation
from app.policy.snapshot import PullSnapshot
from app.pulls.reviewers import ReviewRequests
from app.render.context import DueInfo, TicketInfo


@dataclass
class ReconcileState:
    client: InstallationClient
    ruleset: RuleSet
    snapshot: PullSnapshot
    evaluation: Evaluation
    pull: dict[str, Any]
    requests: ReviewRequests
    draft: bool
    ticket: TicketInfo | None = None
    due: dict[str, DueInfo] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    expedited: bool = False
    disagreement: str | None = None


class PullExtension(Protocol):
    def decides(self, state: ReconcileState) -> bool:
        """True when this extension runs before the check is published: it may change the
        evaluation, or it only reads and writes gatehouse's own database."""

    def contribute(self, state: ReconcileState) -> None:
        """Act on the evaluation (create a ticket, start a clock) and describe it."""
