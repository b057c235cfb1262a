"""Jira for a pull request: link the key it names, or create the one ticket it needs, then
announce it on Slack. Runs as a reconcile extension.

Guarantees: one ticket per pull request, ever (an effect key in the database); the same
remote link is never added twice (Jira's ``globalId``); one Slack message per ticket.
A failing Jira or Slack never blocks or corrupts the check: the ticket shows as pending
and a retry timer with backoff completes the work later.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from app.jira import JiraApi, JiraError
from app.policy.jira_requirement import require_ticket
from app.policy.model import Member, RuleSet
from app.pulls.extension import ReconcileState
from app.render.context import TicketInfo
from app.slack import SlackApi
from app.store import AuditLog, EffectStore, RecordStore, TimerStore
from app.tracking.announce import ticket_message
from app.tracking.keys import find_keys
from app.tracking.once import once
from app.tracking.ticket import create_with_fallback, global_id, ticket_fields

log = logging.getLogger("gatehouse.tracking")
RETRY_KIND = "tracking-retry"
RETRY_BASE_SECONDS = 30.0
RETRY_CAP_SECONDS = 3600.0


def ticket_effect(repo: str, number: int) -> str:
    return f"jira-ticket:{repo}#{number}"


class JiraTracking:
    def __init__(
        self,
        jira: JiraApi | None,
        slack: SlackApi | None,
        effects: EffectStore,
        records: RecordStore,
        timers: TimerStore,
        audit: AuditLog,
        now: Callable[[], datetime],
    ) -> None:
        self.jira = jira
        self.slack = slack
        self.effects = effects
        self.records = records
        self.timers = timers
        self.audit = audit
        self.now = now

    def decides(self, state: ReconcileState) -> bool:
        """Only ``require_key`` makes Jira a decision input (a merge needs a real ticket):
        then the check waits for Jira's answer; otherwise tickets follow the check."""
        return state.ruleset.settings.jira.require_key

    def contribute(self, state: ReconcileState) -> None:
        settings = state.ruleset.settings.jira
        needs_ticket = state.evaluation.needs_jira and not state.draft
        if not (state.evaluation.needs_jira or settings.require_key):
            return
        if self.jira is None:
            state.ticket = TicketInfo("off", note="No ticket is tracked: Jira is not configured.")
            if settings.require_key:
                state.evaluation = require_ticket(
                    state.evaluation, "require_key is on, but Jira is not configured here."
                )
            return
        snap = state.snapshot
        assert snap.number is not None
        problems: list[str] = []
        key, invalid, pending = self._linked_key(state)
        problems += [
            f"{k} (in the {where}) does not exist in Jira; it was not linked."
            for k, where in invalid
        ]
        created = False
        if key is None and needs_ticket:
            key, pending_create = self._create(state)
            created = key is not None
            pending = pending or pending_create
        elif key is not None:
            pending = self._link(state, key) or pending
            if self.records.load(snap.repository, snap.number).get("jira_key") != key:
                self.records.update(
                    snap.repository,
                    snap.number,
                    lambda d: d.update(jira_key=key, jira_created=False),
                )
        if key is not None and needs_ticket:
            pending = self._announce(state, key, created) or pending
        state.ticket = self._describe(key, created, pending, problems, settings.require_key)
        if settings.require_key and key is None and not pending:
            state.evaluation = require_ticket(
                state.evaluation,
                "Every pull request must carry a valid Jira key: add one (e.g. "
                f"{settings.project}-123) to the title, branch name or description.",
            )
        if pending:
            self._schedule_retry(snap.repository, snap.number)
        else:
            self.timers.cancel(f"{RETRY_KIND}:{snap.repository}#{snap.number}")

    # keys named by the pull request
    def _linked_key(self, state: ReconcileState) -> tuple[str | None, list[tuple[str, str]], bool]:
        """The first key the PR names that exists; the ones that do not; whether Jira failed."""
        assert self.jira is not None
        snap = state.snapshot
        invalid: list[tuple[str, str]] = []
        for found in find_keys(snap.title, snap.head_ref, snap.body):
            try:
                issue = self.jira.get_issue(found.key)
            except JiraError as exc:
                self._log_failure(exc, state)
                return None, invalid, True
            if issue is not None:
                return str(issue.get("key", found.key)), invalid, False
            invalid.append((found.key, found.where))
        return None, invalid, False

    def _link(self, state: ReconcileState, key: str) -> bool:
        """Attach the PR to an existing ticket; True while pending."""
        assert self.jira is not None
        snap = state.snapshot
        url = state.pull.get("html_url", "")
        title = f"{snap.repository}#{snap.number}: {snap.title}"
        jira = self.jira

        def link() -> dict[str, Any]:
            jira.add_remote_link(key, global_id(snap.repository, snap.number), url, title)
            return {"key": key}

        outcome = once(self.effects, f"jira-link:{snap.repository}#{snap.number}:{key}", link)
        if outcome.error is not None:
            self._log_failure(outcome.error, state)
        return outcome.pending

    def _create(self, state: ReconcileState) -> tuple[str | None, bool]:
        """The PR's own ticket: (key, pending)."""
        assert self.jira is not None
        snap = state.snapshot
        assert snap.number is not None
        jira = self.jira
        assignee = self._assignee(state)
        fields = ticket_fields(state, assignee)
        url = state.pull.get("html_url", "")

        def create() -> dict[str, Any]:
            key = create_with_fallback(jira, fields, state.ruleset.settings.jira.issue_type)
            try:
                jira.add_remote_link(
                    key,
                    global_id(snap.repository, snap.number),
                    url,
                    f"{snap.repository}#{snap.number}: {snap.title}",
                )
            except JiraError as exc:
                self._log_failure(exc)
            return {"key": key, "assignee": assignee.github if assignee else None}

        outcome = once(self.effects, ticket_effect(snap.repository, snap.number), create)
        if outcome.error is not None:
            self._log_failure(outcome.error, state)
            return None, True
        if outcome.result is None:
            return None, True
        key = str(outcome.result["key"])
        if outcome.result is not None and not self.records.load(snap.repository, snap.number).get(
            "jira_key"
        ):
            self.records.update(
                snap.repository, snap.number, lambda d: d.update(jira_key=key, jira_created=True)
            )
            self.audit.append(
                "ticket-created",
                repository=snap.repository,
                number=snap.number,
                actor="gatehouse",
                summary=f"created Jira ticket {key}",
                detail={"key": key, "assignee": outcome.result.get("assignee")},
            )
        return key, False

    def _assignee(self, state: ReconcileState) -> Member | None:
        return _member(state.ruleset, self._group_of_ticket(state), state.requests.assignees)

    @staticmethod
    def _group_of_ticket(state: ReconcileState) -> str:
        for match in state.evaluation.matches:
            if match.jira:
                return match.group
        return "platform-engineering"

    def _announce(self, state: ReconcileState, key: str, created: bool) -> bool:
        if self.slack is None or self.jira is None:
            return False
        snap = state.snapshot
        assert snap.number is not None
        group_id = self._group_of_ticket(state)
        group = state.ruleset.groups[group_id]
        text = ticket_message(
            assignee=self._assignee(state),
            group=group,
            key=key,
            browse_url=self.jira.browse_url(key),
            created=created,
            repo=snap.repository,
            number=snap.number,
            title=snap.title,
            pr_url=state.pull.get("html_url", ""),
            rules=[m.title for m in state.evaluation.matches if m.jira],
        )
        slack = self.slack
        channel = state.ruleset.settings.slack.channel

        def post() -> dict[str, Any]:
            channel_id, ts = slack.post_message(channel, text)
            return {"channel": channel_id, "ts": ts}

        outcome = once(self.effects, f"slack-ticket:{key}", post)
        if outcome.error is not None:
            self._log_failure(outcome.error, state)
        return outcome.pending

    def _describe(
        self, key: str | None, created: bool, pending: bool, problems: list[str], require_key: bool
    ) -> TicketInfo:
        note = " ".join(problems)
        if key is not None:
            assert self.jira is not None
            state = "created" if created else "linked"
            if pending:
                note = (
                    note + " Some Jira or Slack updates are pending and will be retried."
                ).strip()
            return TicketInfo(state, key, self.jira.browse_url(key), note)
        if pending:
            return TicketInfo(
                "pending",
                note=(
                    note + " The ticket is pending: Jira did not answer; "
                    "gatehouse retries with backoff."
                ).strip(),
            )
        if require_key:
            return TicketInfo(
                "missing",
                note=(note + " Add a valid Jira key to the title, branch or description.").strip(),
            )
        return TicketInfo("invalid" if problems else "none", note=note)

    def _schedule_retry(self, repo: str, number: int) -> None:
        key = f"{RETRY_KIND}:{repo}#{number}"
        current = self.timers.get(key)
        attempts = int(current.payload.get("attempt", 0)) + 1 if current else 1
        delay = min(RETRY_BASE_SECONDS * 2 ** (attempts - 1), RETRY_CAP_SECONDS)
        self.timers.schedule(
            key,
            RETRY_KIND,
            self.now() + timedelta(seconds=delay),
            {"repository": repo, "number": number, "attempt": attempts},
            rearm=True,
        )

    @staticmethod
    def _log_failure(error: Exception, state: ReconcileState | None = None) -> None:
        if getattr(error, "auth_problem", False):
            service = "Slack" if type(error).__name__.startswith("Slack") else "Jira"
            hint = "SLACK_BOT_TOKEN" if service == "Slack" else "JIRA_EMAIL and JIRA_API_TOKEN"
            log.error("%s refused gatehouse's credentials: %s (check %s)", service, error, hint)
            if state is not None:
                state.notes.append(
                    f"{service} refused gatehouse's credentials ({error}); check {hint}."
                )
        else:
            log.warning("outside service failed, will retry: %s", error)


def _member(ruleset: RuleSet, group_id: str, assignees: dict[str, str]) -> Member | None:
    group = ruleset.groups.get(group_id)
    login = assignees.get(group_id)
    if group is None or login is None:
        return None
    return next((m for m in group.members if m.github.lower() == login.lower()), None)
