"""The handbook's "every piece of work has a Jira ticket" as a decision input.

Whether a key exists is learned at the edge (Jira); what it means for the check is decided
here: without a tracked ticket, a pull request under ``require_key`` cannot merge.
"""

from __future__ import annotations

from dataclasses import replace

from app.policy.result import Conclusion, Evaluation, Problem


def require_ticket(evaluation: Evaluation, message: str) -> Evaluation:
    """``evaluation`` failed with ``message`` as its first problem."""
    problem = Problem("jira-key", message)
    return replace(
        evaluation, conclusion=Conclusion.FAILURE, problems=(problem, *evaluation.problems)
    )
