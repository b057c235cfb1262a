"""SLA reminder and breach timers: tell the assignee on Slack, once each."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.commands.services import CommandServices
from app.policy.model import RuleSet
from app.sla.business_time import BusinessCalendar
from app.sla.humanize import format_due
from app.slack import escape, link
from app.store import Timer


def remind(services: CommandServices, ruleset: RuleSet, timer: Timer, *, breach: bool) -> bool:
    """Send the reminder (or breach notice) if it still applies; True when it did."""
    repo, number = str(timer.payload["repository"]), int(timer.payload["number"])
    group_id, due_at = str(timer.payload["group"]), str(timer.payload["due_at"])
    doc = services.records.load(repo, number)
    clock = (doc.get("sla") or {}).get(group_id) or {}
    if doc.get("closed") or clock.get("feedback_at") or clock.get("due_at") != due_at:
        return False
    groups = {g["group"]: g for g in (doc.get("evaluation") or {}).get("groups", [])}
    if group_id not in groups or groups[group_id]["conclusion"] == "success":
        return False
    group = ruleset.groups.get(group_id)
    if group is None:
        return False
    due = datetime.fromisoformat(due_at)
    if not breach and services.now() >= due:
        return False  # the deadline passed (the service was down): the breach notice covers it
    when = format_due(due, services.now(), BusinessCalendar.from_settings(ruleset.settings.sla))
    who = _assignee_mention(ruleset, group_id, doc)
    url = doc.get("html_url", "")
    pull = link(url, f"{repo}#{number}: {doc.get('title', '')}")
    if breach:
        text = f"{who} {pull} has waited past its {escape(group.name)} feedback SLA: due {escape(when)}."
    else:
        text = f"{who} reminder: {pull} is waiting for your {escape(group.name)} review; feedback due {escape(when)}."
    kind = "breach" if breach else "reminder"
    services.slack_once(
        f"slack-sla-{kind}:{repo}#{number}:{group_id}:{due_at}",
        ruleset.settings.slack.channel,
        text,
    )
    services.audit.append(
        f"sla-{kind}",
        repository=repo,
        number=number,
        actor="gatehouse",
        summary=f"{group.name} feedback {'overdue' if breach else 'due soon'} ({when})",
        detail={"group": group_id, "due_at": due_at},
    )
    return True


def _assignee_mention(ruleset: RuleSet, group_id: str, doc: dict[str, Any]) -> str:
    group = ruleset.groups[group_id]
    asked = [a.lstrip("@").lower() for a in (doc.get("requested") or {}).get(group_id, [])]
    for member in group.members:
        if member.github.lower() in asked:
            return f"<@{member.slack_user_id}>" if member.slack_user_id else escape(member.display)
    return " ".join(f"<@{m.slack_user_id}>" for m in group.members if m.slack_user_id) or escape(
        group.name
    )
