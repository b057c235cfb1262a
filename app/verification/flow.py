"""Verification of a merged change (SPEC section 8): opened when a pull request that needed
Platform Engineering merges, chased like any SLA until a member says ``/verified``.

On the merge: the ticket takes ``settings.jira.verification.transition`` (when Jira offers
it; otherwise that is noted and nothing fails), the verifier is asked once on Slack and in
the sticky comment, and a clock with a reminder and an overdue notice starts, due
``settings.sla.verification`` after the merge on the business calendar.

Everything happens once however often the events arrive: the record is created once (its
audit entry with it), the transition, the Slack messages and the notices run under effect
keys, and the timers are keyed by the pull request.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from app.commands.services import CommandServices
from app.github.app import GitHubApp
from app.github.client import InstallationClient
from app.policy.model import RuleSet
from app.pulls.rules_provider import RulesProvider
from app.sla.business_time import BusinessCalendar
from app.sla.humanize import format_due
from app.sla.moments import parse_moment, show_moment
from app.slack import escape, link
from app.store import Timer
from app.tracking.transitions import FAILED, PENDING, Move, move_once
from app.verification import plan

log = logging.getLogger("gatehouse.verification")
SECTION = "verification"


class VerificationFollowUps:
    """The hook on ``pull_request.closed`` and the verification clock's timers."""

    def __init__(self, services: CommandServices, rules: RulesProvider, github: GitHubApp) -> None:
        self.services = services
        self.rules = rules
        self.github = github

    def _ruleset(self) -> RuleSet:
        return self.rules.ruleset()

    def on_closed(
        self, client: InstallationClient, repo: str, pull: dict[str, Any], payload: dict[str, Any]
    ) -> None:
        open_verification(self.services, self._ruleset(), client, repo, pull)

    def remind(self, timer: Timer) -> None:
        self._notify(timer, overdue=False)

    def overdue(self, timer: Timer) -> None:
        self._notify(timer, overdue=True)

    def _notify(self, timer: Timer, *, overdue: bool) -> None:
        repo, number = str(timer.payload["repository"]), int(timer.payload["number"])
        ruleset = self._ruleset()
        if notify(self.services, ruleset, timer, overdue=overdue):
            doc = self.services.records.load(repo, number)
            installation = doc.get("installation_id") or self.github.installation_for(repo)
            client = self.github.installation(int(installation))
            show(self.services, ruleset, client, repo, number)


def open_verification(
    services: CommandServices,
    ruleset: RuleSet,
    client: InstallationClient,
    repo: str,
    pull: dict[str, Any],
) -> None:
    """After a merge that needed Platform Engineering: the record, the ticket's transition,
    the ask on Slack, the clock and the sticky comment. Safe to run again."""
    number = int(pull["number"])
    if not pull.get("merged"):
        return
    doc = services.records.load(repo, number)
    if not plan.needs_verification(doc.get("evaluation")):
        return
    author = str(doc.get("author") or (pull.get("user") or {}).get("login") or "")
    assignee = services.reconciler.reviewers.assignments.assignee(
        repo, number, plan.PLATFORM_ENGINEERING
    )
    requested = (doc.get("requested") or {}).get(plan.PLATFORM_ENGINEERING) or [None]
    verifier = plan.choose_verifier(doc.get("evaluation"), assignee or requested[0], author)
    merged_at = parse_moment(pull.get("merged_at")) or services.now()
    due = plan.verification_due(ruleset.settings.sla, merged_at)
    fresh: dict[str, Any] = {
        "state": plan.OPEN,
        "verifier": verifier.login,
        "why": verifier.why,
        "merged_at": merged_at.isoformat(),
        "due_at": due.isoformat(),
        "ticket": doc.get("jira_key"),
        "failures": [],
    }
    created = False

    def put(document: dict[str, Any]) -> None:
        nonlocal created
        created = "verification" not in document
        if created:
            document["verification"] = fresh

    record = services.records.update(repo, number, put)["verification"]
    if created:
        services.audit.append(
            "verification-requested",
            repository=repo,
            number=number,
            actor="gatehouse",
            summary=f"verification asked of {plan.who(ruleset, verifier.login)}, "
            f"due {show_moment(due, ruleset.settings.sla.timezone)}",
            detail={
                "verifier": verifier.login,
                "why": verifier.why,
                "due_at": due.isoformat(),
                "ticket": record.get("ticket"),
            },
        )
    if record.get("state") == plan.OPEN:
        move_to_verification(services, ruleset, repo, number)
        _ask(services, ruleset, repo, number)
        _arm(services, ruleset, repo, number, record)
    show(services, ruleset, client, repo, number)


def move_to_verification(
    services: CommandServices, ruleset: RuleSet, repo: str, number: int
) -> None:
    """The ticket takes the verification transition, once; a failed attempt is tried again
    by the next call (the clock's reminder and overdue notice call this too)."""
    doc = services.records.load(repo, number)
    record = doc.get("verification") or {}
    if (record.get("transition") or {}).get("outcome") not in (None, FAILED, PENDING):
        return
    wanted = ruleset.settings.jira.verification.transition
    step = transition(services, repo, number, record.get("ticket"), wanted, "verify-transition")
    if step is None:
        return
    unsettled = (None, FAILED, PENDING)

    def put(document: dict[str, Any]) -> None:
        # A worker that found the move in progress never hides the outcome of the one
        # that made it.
        current = document["verification"].get("transition") or {}
        if step["outcome"] not in unsettled or current.get("outcome") in unsettled:
            document["verification"]["transition"] = step

    services.records.update(repo, number, put)


def transition(
    services: CommandServices,
    repo: str,
    number: int,
    ticket: str | None,
    wanted: str | None,
    purpose: str,
) -> dict[str, Any] | None:
    """Perform ``wanted`` on ``ticket`` once under ``purpose:repo#number``; what became of
    it for the record, or None when there is nothing to do (no Jira, ticket or name)."""
    jira = services.jira
    if jira is None or not ticket or not wanted:
        return None

    def audit(move: Move) -> None:
        services.audit.append(
            "jira-transition",
            repository=repo,
            number=number,
            actor="gatehouse",
            summary=f"{ticket}: “{wanted}” {move.outcome}"
            + (f" (now {move.status})" if move.status else ""),
            detail={"key": ticket, "transition": wanted, "purpose": purpose, **move.as_dict()},
        )

    move = move_once(jira, services.effects, f"{purpose}:{repo}#{number}", ticket, wanted, audit)
    return {"wanted": wanted, **move.as_dict()}


def notify(services: CommandServices, ruleset: RuleSet, timer: Timer, *, overdue: bool) -> bool:
    """The reminder or the overdue notice, once, if the verification is still open and due
    then; True when it applied."""
    repo, number = str(timer.payload["repository"]), int(timer.payload["number"])
    record = services.records.load(repo, number).get("verification") or {}
    if record.get("state") != plan.OPEN or record.get("due_at") != timer.payload["due_at"]:
        return False
    due = datetime.fromisoformat(str(record["due_at"]))
    now = services.now()
    if not overdue and now >= due:
        return False  # the deadline passed while the service was down: the notice covers it
    move_to_verification(services, ruleset, repo, number)
    calendar = BusinessCalendar.from_settings(ruleset.settings.sla)
    when = escape(format_due(due, now, calendar))
    kind = "overdue" if overdue else "reminder"
    whom = _mention(ruleset, record)
    pull = _pull_link(services, repo, number)
    if overdue:
        text = f"{whom} the verification of {pull} is overdue: it was due {when}."
    else:
        text = f"{whom} reminder: please verify {pull} once it is deployed; due {when}."
    text += " Answer on the pull request with `/verified` or `/verification-failed NOTE`."
    services.slack_once(
        f"slack-verify-{kind}:{repo}#{number}:{record['due_at']}",
        ruleset.settings.slack.channel,
        text,
    )
    services.audit.append(
        f"verification-{kind}",
        repository=repo,
        number=number,
        actor="gatehouse",
        summary=f"verification {'overdue' if overdue else 'due soon'} ({format_due(due, now, calendar)})",
        detail={"verifier": record.get("verifier"), "due_at": record["due_at"]},
    )
    return True


def stop_clock(services: CommandServices, repo: str, number: int) -> None:
    services.timers.cancel(plan.remind_key(repo, number))
    services.timers.cancel(plan.overdue_key(repo, number))


def show(
    services: CommandServices,
    ruleset: RuleSet,
    client: InstallationClient,
    repo: str,
    number: int,
) -> None:
    """The sticky comment's **Verification** section as the record stands."""
    record = services.records.load(repo, number).get("verification")
    if not record:
        return
    sla = ruleset.settings.sla
    ticket = record.get("ticket")
    ticket_md = (
        f"[{ticket}]({services.jira.browse_url(ticket)})" if ticket and services.jira else ticket
    )
    moments = [record.get("verified_at"), *(f.get("at") for f in record.get("failures", []))]
    shown = {str(at): show_moment(str(at), sla.timezone) for at in moments if at}
    text = plan.section(
        record,
        verifier=plan.who(ruleset, record.get("verifier")),
        due=show_due(services, ruleset, record),
        ticket=ticket_md,
        shown=shown,
    )
    services.reconciler.show_closed(client, repo, number, text, section=SECTION)


def show_due(services: CommandServices, ruleset: RuleSet, record: dict[str, Any]) -> str:
    """``2026-12-02 09:00 PST (in 2 business days)``."""
    calendar = BusinessCalendar.from_settings(ruleset.settings.sla)
    return format_due(datetime.fromisoformat(str(record["due_at"])), services.now(), calendar)


def _ask(services: CommandServices, ruleset: RuleSet, repo: str, number: int) -> None:
    """The one Slack message asking for the verification."""
    doc = services.records.load(repo, number)
    record = doc["verification"]
    due = show_moment(str(record["due_at"]), ruleset.settings.sla.timezone)
    ticket = record.get("ticket")
    jira = services.jira
    if ticket and jira is not None:
        status = (record.get("transition") or {}).get("status")
        moved = (record.get("transition") or {}).get("outcome") in ("moved", "already")
        about = f" (ticket {link(jira.browse_url(ticket), ticket)}" + (
            f", now {escape(status)})" if moved and status else ")"
        )
    else:
        about = f" (ticket {escape(ticket)})" if ticket else ""
    text = (
        f"{_mention(ruleset, record)} {_pull_link(services, repo, number)} merged{about}. Please "
        "verify that it meets its approved specification once it is deployed, and answer on "
        f"the pull request with `/verified` or `/verification-failed NOTE`. Due {escape(due)}."
    )
    services.slack_once(f"slack-verify:{repo}#{number}", ruleset.settings.slack.channel, text)


def _arm(
    services: CommandServices, ruleset: RuleSet, repo: str, number: int, record: dict[str, Any]
) -> None:
    due = datetime.fromisoformat(str(record["due_at"]))
    payload = {"repository": repo, "number": number, "due_at": record["due_at"]}
    remind_at = due - timedelta(minutes=ruleset.settings.sla.remind_before_minutes)
    if ruleset.settings.sla.remind_before_minutes and remind_at > services.now():
        services.timers.schedule(
            plan.remind_key(repo, number), plan.REMIND_KIND, remind_at, payload
        )
    services.timers.schedule(plan.overdue_key(repo, number), plan.OVERDUE_KIND, due, payload)


def _mention(ruleset: RuleSet, record: dict[str, Any]) -> str:
    verifier = record.get("verifier")
    return plan.slack_name(ruleset, verifier) if verifier else plan.group_mentions(ruleset)


def _pull_link(services: CommandServices, repo: str, number: int) -> str:
    doc = services.records.load(repo, number)
    url = str(doc.get("html_url") or "")
    label = f"{repo}#{number}: {doc.get('title', '')}".rstrip(": ")
    return link(url, label)
