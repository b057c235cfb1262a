"""``/expedite`` and its post-implementation review.

Expediting labels the PR, switches its SLA to the expedited one, tells every member of
the groups still required on Slack, and marks the Jira ticket. Once the PR merges, a
post-implementation review ticket opens, due 24 hours after the merge, and is chased on
Slack until it is done.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from app.commands.context import CommandCall
from app.commands.services import CommandServices
from app.github.client import InstallationClient
from app.jira import JiraError
from app.policy.model import RuleSet
from app.sla.moments import parse_moment, show_moment
from app.slack import escape, link
from app.store import Timer
from app.tracking import adf
from app.tracking.once import once

LABEL = "expedited"
PIR_KIND = "pir-due"
PIR_CHASE_HOURS = 24


def expedite(call: CommandCall, services: CommandServices) -> bool:
    who = call.actor
    if not (call.authority.is_author(who) or call.authority.has_write(who)):
        call.reply("Only the author and people with write access may run `/expedite`.")
        return False
    doc = services.records.load(call.repo, call.number)
    if doc.get("expedite"):
        call.reply("This pull request is already expedited.")
        return True
    reason = call.command.argument
    at = services.now().isoformat()
    services.records.update(
        call.repo,
        call.number,
        lambda d: d.update(expedite={"by": who, "reason": reason, "at": at}),
    )
    if LABEL not in call.client.list_labels(call.repo, call.number):
        call.client.add_labels(call.repo, call.number, [LABEL])
    services.audit.append(
        "expedite",
        repository=call.repo,
        number=call.number,
        actor=who,
        summary=f"expedited: {reason}",
        detail={"reason": reason},
    )
    services.reconcile(call.client, call.repo, call.pull, trigger="/expedite")
    doc = services.records.load(call.repo, call.number)
    waiting = [
        g["group"]
        for g in (doc.get("evaluation") or {}).get("groups", [])
        if g["conclusion"] != "success"
    ]
    hours = call.ruleset.settings.sla.expedited.business_hours
    pull = link(call.pr_url, f"{call.repo}#{call.number}: {call.title}")
    text = (
        f"{services.mentions(call.ruleset, waiting)} Expedited review requested by {escape(who)} for "
        f"{pull}: {escape(reason)}. Target: {hours:g} business hours."
    ).strip()
    services.slack_once(
        f"slack-expedite:{call.repo}#{call.number}", call.ruleset.settings.slack.channel, text
    )
    _mark_ticket(services, doc.get("jira_key"), reason)
    due = (
        "; ".join((doc.get("due_view") or {}).get(g, {}).get("text", "") for g in waiting) or "now"
    )
    call.reply(
        f"Expedited. Reviewers are asked to answer within {hours:g} business hours; due: {due}. "
        "After the merge, a post-implementation review opens and is due within "
        f"{call.ruleset.settings.sla.post_implementation_review.hours:g} hours."
    )
    return True


def _mark_ticket(services: CommandServices, key: str | None, reason: str) -> None:
    jira = services.jira
    if jira is None or not key:
        return

    def mark() -> dict[str, Any]:
        try:
            jira.edit_issue(
                key,
                {
                    "update": {"labels": [{"add": LABEL}]},
                    "fields": {"priority": {"name": "High"}},
                },
            )
        except JiraError as exc:
            if exc.status != 400:
                raise
            jira.edit_issue(key, {"update": {"labels": [{"add": LABEL}]}})
        jira.add_comment(key, adf.doc(adf.paragraph("Expedited review requested: ", reason)))
        return {"key": key}

    once(services.effects, f"jira-expedite:{key}", mark)


def open_post_implementation_review(
    services: CommandServices,
    ruleset: RuleSet,
    client: InstallationClient,
    repo: str,
    pull: dict[str, Any],
) -> None:
    """After an expedited PR merges: the review ticket, the clock, and the PR shows it."""
    number = int(pull["number"])
    doc = services.records.load(repo, number)
    if not doc.get("expedite") or not pull.get("merged"):
        return
    merged_at = parse_moment(pull.get("merged_at")) or services.now()
    due = merged_at + timedelta(hours=ruleset.settings.sla.post_implementation_review.hours)
    key = _pir_ticket(services, ruleset, repo, pull, doc, due)
    services.records.update(
        repo, number, lambda d: d.update(pir={"key": key, "due_at": due.isoformat()})
    )
    services.timers.schedule(
        f"{PIR_KIND}:{repo}#{number}", PIR_KIND, due, {"repository": repo, "number": number}
    )
    services.audit.append(
        "pir-opened",
        repository=repo,
        number=number,
        actor="gatehouse",
        summary=f"post-implementation review {key or '(no Jira)'} due {due.isoformat()}",
        detail={"key": key, "due_at": due.isoformat()},
    )
    services.reconciler.show_closed(client, repo, number, _pir_note(services, key, due, ruleset))


def _pir_ticket(
    services: CommandServices,
    ruleset: RuleSet,
    repo: str,
    pull: dict[str, Any],
    doc: dict[str, Any],
    due: datetime,
) -> str | None:
    jira = services.jira
    if jira is None:
        return None
    settings = ruleset.settings.jira
    number = int(pull["number"])
    url = str(pull.get("html_url") or "")
    assignee = _pe_account(ruleset, doc)

    def create() -> dict[str, Any]:
        fields: dict[str, Any] = {
            "project": {"key": settings.project},
            "issuetype": {"name": settings.issue_type},
            "summary": f"Post-implementation review: {repo}#{number} {pull.get('title', '')}"[:250],
            "description": adf.doc(
                adf.paragraph(
                    "The expedited change ",
                    adf.text(f"{repo}#{number}", href=url or None),
                    " merged; review it for compliance within 24 hours. Reason given: ",
                    str((doc.get("expedite") or {}).get("reason", "")),
                )
            ),
            "labels": [*settings.labels, "post-implementation-review"],
            "duedate": due.date().isoformat(),
        }
        if assignee:
            fields["assignee"] = {"accountId": assignee}
        key = jira.create_issue(fields)
        jira.add_remote_link(key, f"gatehouse:pir:{repo}#{number}", url, f"{repo}#{number}")
        return {"key": key}

    outcome = once(services.effects, f"jira-pir:{repo}#{number}", create)
    return None if outcome.result is None else str(outcome.result["key"])


def _pe_account(ruleset: RuleSet, doc: dict[str, Any]) -> str | None:
    """The Platform Engineering member who reviewed the change, else the first listed."""
    group = ruleset.groups.get("platform-engineering")
    if group is None:
        return None
    asked = [
        login.lstrip("@").lower()
        for login in (doc.get("requested") or {}).get("platform-engineering", [])
    ]
    ranked = sorted(group.members, key=lambda m: m.github.lower() not in asked)
    return next((m.jira_account_id for m in ranked if m.jira_account_id), None)


def _pir_note(services: CommandServices, key: str | None, due: datetime, ruleset: RuleSet) -> str:
    ticket = (
        f"[{key}]({services.jira.browse_url(key)})"
        if key and services.jira
        else "(Jira is not configured)"
    )
    local = show_moment(due, ruleset.settings.sla.timezone)
    return f"Post-implementation review {ticket} is due {local}."


def chase_post_implementation_review(
    services: CommandServices, ruleset: RuleSet, timer: Timer
) -> None:
    repo, number = str(timer.payload["repository"]), int(timer.payload["number"])
    doc = services.records.load(repo, number)
    pir = doc.get("pir") or {}
    key = pir.get("key")
    if key and services.jira is not None:
        issue = services.jira.get_issue(key) or {}
        category = (
            ((issue.get("fields") or {}).get("status") or {}).get("statusCategory") or {}
        ).get("key")
        if category == "done":
            services.records.update(
                repo, number, lambda d: d.setdefault("pir", {}).update(done=True)
            )
            services.audit.append(
                "pir-done",
                repository=repo,
                number=number,
                actor="gatehouse",
                summary=f"post-implementation review {key} done",
                detail={"key": key},
            )
            return
    stamp = services.now().strftime("%Y%m%d%H")
    mention = services.mentions(ruleset, ["platform-engineering"])
    ticket = (
        link(services.jira.browse_url(key), key)
        if key and services.jira
        else "the post-implementation review"
    )
    services.slack_once(
        f"slack-pir:{repo}#{number}:{stamp}",
        ruleset.settings.slack.channel,
        f"{mention} {ticket} for {escape(repo)}#{number} is overdue: the expedited change merged "
        "more than 24 hours ago.",
    )
    services.audit.append(
        "pir-overdue",
        repository=repo,
        number=number,
        actor="gatehouse",
        summary="post-implementation review overdue: chased on Slack",
        detail={"key": key},
    )
    services.timers.schedule(
        f"{PIR_KIND}:{repo}#{number}",
        PIR_KIND,
        services.now() + timedelta(hours=PIR_CHASE_HOURS),
        {"repository": repo, "number": number},
        rearm=True,
    )
