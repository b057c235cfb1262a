"""Who verifies a merged change, by when, and how the pull request shows it; no I/O.

Platform Engineering verifies that an implementation meets its approved specification
(the handbook's step 6) once the change is deployed. The member asked is the one whose
approval counted, else the member the group's review was assigned to, else the group.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.policy.model import RuleSet, SlaSettings
from app.sla.business_time import BusinessCalendar
from app.slack import escape

PLATFORM_ENGINEERING = "platform-engineering"
OPEN = "open"
VERIFIED = "verified"
REMIND_KIND = "verification-remind"
OVERDUE_KIND = "verification-overdue"


@dataclass(frozen=True)
class Verifier:
    """``login`` is ``None`` when nobody in particular can be asked: then the group is.
    ``why`` is ``approved``, ``assignee`` or ``group``."""

    login: str | None
    why: str


def needs_verification(evaluation: Mapping[str, Any] | None) -> bool:
    """True when the pull request's last evaluation required Platform Engineering."""
    return any(g.get("group") == PLATFORM_ENGINEERING for g in (evaluation or {}).get("groups", []))


def choose_verifier(
    evaluation: Mapping[str, Any] | None, assignee: str | None, author: str
) -> Verifier:
    """The Platform Engineering member whose approval counted (the first, when several
    did), else ``assignee`` (the member the review was assigned to), never the author."""
    groups = (evaluation or {}).get("groups", [])
    group: Mapping[str, Any] = next(
        (g for g in groups if g.get("group") == PLATFORM_ENGINEERING), {}
    )
    for login in group.get("approved_by", []):
        if str(login).lower() != author.lower():
            return Verifier(str(login), "approved")
    if assignee:
        login = assignee.lstrip("@")
        if "/" not in login and login.lower() != author.lower():
            return Verifier(login, "assignee")
    return Verifier(None, "group")


def verification_due(
    sla: SlaSettings, merged_at: datetime, calendar: BusinessCalendar | None = None
) -> datetime:
    """``settings.sla.verification`` business days after the merge, on the SLA calendar."""
    calendar = calendar or BusinessCalendar.from_settings(sla)
    return calendar.add_business_days(merged_at, sla.verification.business_days)


def remind_key(repo: str, number: int) -> str:
    return f"{REMIND_KIND}:{repo}#{number}"


def overdue_key(repo: str, number: int) -> str:
    return f"{OVERDUE_KIND}:{repo}#{number}"


def slack_name(ruleset: RuleSet, login: str) -> str:
    """``<@U…>`` for a member with a Slack id (any group), else the escaped name."""
    for group in ruleset.groups.values():
        for member in group.members:
            if member.github.lower() == login.lower():
                if member.slack_user_id:
                    return f"<@{member.slack_user_id}>"
                return escape(member.display)
    return escape(f"@{login}")


def group_mentions(ruleset: RuleSet) -> str:
    """Every Platform Engineering member, for a verification nobody in particular owns."""
    group = ruleset.groups.get(PLATFORM_ENGINEERING)
    members = group.members if group else []
    return " ".join(slack_name(ruleset, m.github) for m in members) or "Platform Engineering"


def who(ruleset: RuleSet, login: str | None) -> str:
    """The verifier as the pull request names them: ``@login``, else the group."""
    if login:
        return f"@{login}"
    group = ruleset.groups.get(PLATFORM_ENGINEERING)
    if group is None:
        return "Platform Engineering"
    names = [f"@{m.github}" for m in group.members]
    if group.github_team:
        names.append(f"@{group.github_team}")
    return f"{group.name} ({', '.join(names)})" if names else group.name


def section(
    record: Mapping[str, Any],
    *,
    verifier: str,
    due: str,
    ticket: str | None,
    shown: Mapping[str, str],
) -> str:
    """The sticky comment's **Verification** part. ``verifier`` and ``due`` are already
    written for people; ``ticket`` is the Markdown link of the Jira ticket; ``shown`` maps
    the record's ISO times to how people read them."""
    lines = ["**Verification**", ""]
    for failure in record.get("failures", []):
        when = shown.get(str(failure.get("at")), "")
        lines += [f"❌ Failed (@{failure['by']}, {when}): {failure['note']}", ""]
    if record.get("state") == VERIFIED:
        note = record.get("note") or ""
        when = shown.get(str(record.get("verified_at")), "")
        lines.append(
            f"✅ Verified by @{record.get('verified_by')} on {when}"
            + (f": {note}" if note else ".")
        )
    else:
        lines.append(
            f"{verifier}: please verify that this change meets its approved specification "
            "once it is deployed, then comment `/verified [NOTE]`, or "
            "`/verification-failed NOTE` if it does not."
        )
        lines.append("")
        lines.append(f"Due: {due}.")
    jira = jira_line(record, ticket)
    if jira:
        lines += ["", jira]
    return "\n".join(lines)


def jira_line(record: Mapping[str, Any], ticket: str | None) -> str:
    """Where the ticket stands, by the last transition gatehouse tried."""
    if not ticket:
        return ""
    step = record.get("done") or record.get("transition") or {}
    wanted = step.get("wanted", "")
    outcome = step.get("outcome")
    if outcome in ("moved", "already"):
        return f"Jira: {ticket} is in {step.get('status') or wanted}."
    if outcome == "not-offered":
        status = step.get("status") or "its status"
        return (
            f"Jira: {ticket} offers no “{wanted}” transition from {status}; it was left as it is."
        )
    if outcome in ("failed", "pending"):
        return f"Jira: {ticket}; Jira did not answer when gatehouse tried “{wanted}”."
    return f"Jira: {ticket}."
