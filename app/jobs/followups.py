"""Timer handlers and reconcile hooks for the handbook's clocks: SLA reminders and
breaches, the joint-review deadline, the post-implementation review, and the weekly
architecture agenda posted to Slack before each call."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from app.agenda import build_agenda, render_slack
from app.commands import disagreement, expedite
from app.commands.services import CommandServices
from app.github.app import GitHubApp
from app.github.client import InstallationClient
from app.policy.model import RuleSet
from app.policy.snapshot import ReviewState
from app.pulls.extension import ReconcileState
from app.pulls.rules_provider import RulesProvider
from app.sla import reminders
from app.sla.business_time import current_or_next_call
from app.sla.replacement import AwayReplacement
from app.store import DeliveryStore, Timer

AGENDA_KIND = "agenda-post"
PRUNE_KIND = "prune-deliveries"
DELIVERY_RETENTION = timedelta(days=7)


class FollowUps:
    def __init__(
        self,
        services: CommandServices,
        rules: RulesProvider,
        github: GitHubApp,
        deliveries: DeliveryStore,
        on_notice: Callable[[str, str], None] = lambda kind, group: None,
        replacement: AwayReplacement | None = None,
    ) -> None:
        self.deliveries = deliveries
        self.replacement = replacement  # passes a review on when its reviewer is away
        self.on_notice = on_notice  # (kind, group) of each SLA notice sent, for /metrics
        self.services = services
        self.rules = rules
        self.github = github

    def _ruleset(self) -> RuleSet:
        return self.rules.ruleset()

    def _client(self, repo: str, number: int) -> InstallationClient:
        doc = self.services.records.load(repo, number)
        installation = doc.get("installation_id") or self.github.installation_for(repo)
        return self.github.installation(int(installation))

    # timers
    def _replace_if_away(self, timer: Timer) -> None:
        if self.replacement is None:
            return
        repo, number = str(timer.payload["repository"]), int(timer.payload["number"])
        client = self._client(repo, number)
        if self.replacement.replace(self._ruleset(), timer, client):
            # The check and the sticky comment name who is asked: show the new reviewer.
            self.services.reconcile(
                client, repo, client.get_pull(repo, number), trigger="reviewer-replaced"
            )

    def sla_remind(self, timer: Timer) -> None:
        self._replace_if_away(timer)
        if reminders.remind(self.services, self._ruleset(), timer, breach=False):
            self.on_notice("reminder", str(timer.payload["group"]))

    def sla_breach(self, timer: Timer) -> None:
        self._replace_if_away(timer)
        if reminders.remind(self.services, self._ruleset(), timer, breach=True):
            self.on_notice("breach", str(timer.payload["group"]))
            repo, number = str(timer.payload["repository"]), int(timer.payload["number"])
            client = self._client(repo, number)
            self.services.reconcile(
                client, repo, client.get_pull(repo, number), trigger="sla-breach"
            )

    def joint_review_due(self, timer: Timer) -> None:
        repo, number = str(timer.payload["repository"]), int(timer.payload["number"])
        disagreement.escalate(self.services, self._ruleset(), self._client(repo, number), timer)

    def pir_due(self, timer: Timer) -> None:
        expedite.chase_post_implementation_review(self.services, self._ruleset(), timer)

    def post_agenda(self, timer: Timer) -> None:
        ruleset = self._ruleset()
        start = datetime.fromisoformat(str(timer.payload["call_start"]))
        agenda = build_agenda(self.services.records, ruleset, start - timedelta(minutes=1))
        self.services.slack_once(
            f"slack-agenda:{start.isoformat()}",
            ruleset.settings.slack.channel,
            render_slack(agenda, ruleset),
        )
        self.services.audit.append(
            "agenda-posted",
            repository=None,
            number=None,
            actor="gatehouse",
            summary=f"architecture agenda posted: {len(agenda.items)} pull request(s)",
            detail={
                "call_start": start.isoformat(),
                "items": [f"{i.repository}#{i.number}" for i in agenda.items],
            },
        )
        self.arm_agenda(after=start + timedelta(minutes=1))

    def arm_agenda(self, after: datetime | None = None) -> None:
        """Arm the post for the next call (idempotent: keyed by the call's start)."""
        compiled = self.rules.organisation().compiled
        if compiled is None:
            return
        ruleset = compiled.ruleset
        review = ruleset.settings.architecture_review
        now = after or self.services.now()
        start, _ = current_or_next_call(
            now, review.weekday, review.time, review.duration_minutes, ruleset.settings.sla.timezone
        )
        if start <= now:
            start, _ = current_or_next_call(
                start + timedelta(minutes=review.duration_minutes),
                review.weekday,
                review.time,
                review.duration_minutes,
                ruleset.settings.sla.timezone,
            )
        post_at = start - timedelta(minutes=review.post_agenda_minutes_before)
        self.services.timers.schedule(
            f"{AGENDA_KIND}:{start.isoformat()}",
            AGENDA_KIND,
            post_at,
            {"call_start": start.isoformat()},
        )

    def prune_deliveries(self, timer: Timer) -> None:
        """Processed deliveries are kept a week (for redelivery checks), then removed."""
        now = self.services.now()
        self.deliveries.prune(now - DELIVERY_RETENTION)
        self.arm_pruning(now + timedelta(hours=1))

    def arm_pruning(self, at: datetime | None = None) -> None:
        moment = at or self.services.now()
        self.services.timers.schedule(
            f"{PRUNE_KIND}:{moment.strftime('%Y%m%d%H')}", PRUNE_KIND, moment, {}
        )

    # pull request closed
    def on_closed(
        self, client: InstallationClient, repo: str, pull: dict[str, Any], payload: dict[str, Any]
    ) -> None:
        expedite.open_post_implementation_review(self.services, self._ruleset(), client, repo, pull)


class AgendaMark:
    """Reconcile extension: a PR sent with ``/arch-review`` leaves the agenda once an
    Architectural Team member has reviewed it."""

    def __init__(self, services: CommandServices) -> None:
        self.services = services

    def decides(self, state: ReconcileState) -> bool:
        """Database only: runs before the check is published."""
        return True

    def contribute(self, state: ReconcileState) -> None:
        snap = state.snapshot
        assert snap.number is not None
        doc = self.services.records.load(snap.repository, snap.number)
        if not doc.get("agenda") or doc.get("agenda_done"):
            return
        group = state.ruleset.groups.get("architecture")
        members = {m.github.lower() for m in group.members} if group else set()
        members |= {m.lower() for m in snap.group_members.get("architecture", frozenset())}
        decided = any(
            r.reviewer.lower() in members
            and r.state in (ReviewState.APPROVED, ReviewState.CHANGES_REQUESTED)
            for r in snap.reviews
        )
        if decided:
            self.services.records.update(
                snap.repository, snap.number, lambda d: d.update(agenda_done=True)
            )
