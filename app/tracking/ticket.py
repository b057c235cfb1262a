"""The Jira ticket a pull request gets: its fields, and creating it robustly."""

from __future__ import annotations

import logging
from typing import Any

from app.jira import JiraApi, JiraError
from app.policy.model import Member
from app.pulls.extension import ReconcileState
from app.tracking import adf

log = logging.getLogger("gatehouse.tracking")


def ticket_fields(state: ReconcileState, assignee: Member | None) -> dict[str, Any]:
    """The fields of the pull request's ticket: summary, ADF description, labels, assignee."""
    settings = state.ruleset.settings.jira
    snap = state.snapshot
    url = state.pull.get("html_url", "")
    matches = [m for m in state.evaluation.matches if m.jira]
    items: list[list[adf.Node | str]] = []
    for match in matches:
        files = ", ".join(f.path for f in match.files[:10]) or "(file list truncated)"
        more = f" and {len(match.files) - 10} more" if len(match.files) > 10 else ""
        items.append([adf.text(f"{match.rule_id}", strong=True), f" {match.title}: {files}{more}"])
    description = adf.doc(
        adf.paragraph(
            "Pull request ",
            adf.text(f"{snap.repository}#{snap.number}", href=url or None),
            f" by {snap.author} needs review before it merges.",
        ),
        adf.heading("Why"),
        adf.bullets(items or [["(no rule details)"]]),
    )
    fields: dict[str, Any] = {
        "project": {"key": settings.project},
        "issuetype": {"name": settings.issue_type},
        "summary": f"Review {snap.repository}#{snap.number}: {snap.title}"[:250],
        "description": description,
        "labels": list(settings.labels),
    }
    if assignee is not None and assignee.jira_account_id:
        fields["assignee"] = {"accountId": assignee.jira_account_id}
    return fields


def create_with_fallback(jira: JiraApi, fields: dict[str, Any]) -> str:
    """Create the issue; when Jira refuses only the assignee (an account id it does not
    know or that cannot be assigned in the project), create it unassigned rather than
    never: the ticket matters more than who holds it, and the log says why."""
    try:
        return jira.create_issue(fields)
    except JiraError as exc:
        if exc.status != 400 or "assignee" not in exc.message.lower() or "assignee" not in fields:
            raise
        log.warning("Jira refused the assignee (%s); creating the ticket unassigned", exc.message)
        return jira.create_issue({k: v for k, v in fields.items() if k != "assignee"})


def global_id(repo: str, number: int | None) -> str:
    return f"gatehouse:{repo}#{number}"
