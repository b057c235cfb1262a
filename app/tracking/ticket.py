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
        "issuetype": {"name": work_type(state)},
        "summary": f"Review {snap.repository}#{snap.number}: {snap.title}"[:250],
        "description": description,
        "labels": list(settings.labels),
    }
    if assignee is not None and assignee.jira_account_id:
        fields["assignee"] = {"accountId": assignee.jira_account_id}
    return fields


def work_type(state: ReconcileState) -> str:
    """The ticket's work type: that of the first matching rule (in the rules' order) that
    names one, else the project's default (``settings.jira.issue_type``)."""
    by_id = {rule.id: rule for rule in state.ruleset.rules}
    for match in state.evaluation.matches:
        rule = by_id.get(match.rule_id)
        if match.jira and rule is not None and rule.issue_type:
            return rule.issue_type
    return state.ruleset.settings.jira.issue_type


def create_with_fallback(jira: JiraApi, fields: dict[str, Any], default_type: str) -> str:
    """Create the issue. When Jira refuses only the assignee (an account id it does not
    know or that cannot be assigned in the project), create it unassigned; when it refuses
    a rule's work type (the project has no such type), create it as ``default_type``. The
    ticket matters more than who holds it or its type, and the log says why."""
    try:
        return jira.create_issue(fields)
    except JiraError as exc:
        message = exc.message.lower()
        if exc.status != 400:
            raise
        if "issuetype" in message and fields["issuetype"] != {"name": default_type}:
            log.warning(
                "Jira refused the work type %r (%s); creating a %r",
                fields["issuetype"].get("name"),
                exc.message,
                default_type,
            )
            return create_with_fallback(
                jira, {**fields, "issuetype": {"name": default_type}}, default_type
            )
        if "assignee" not in message or "assignee" not in fields:
            raise
        log.warning("Jira refused the assignee (%s); creating the ticket unassigned", exc.message)
        return jira.create_issue({k: v for k, v in fields.items() if k != "assignee"})


def global_id(repo: str, number: int | None) -> str:
    return f"gatehouse:{repo}#{number}"
