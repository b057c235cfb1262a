"""Build gatehouse once from its settings: the composition root.

Everything that holds state (database, stores, clients, worker) is created here and
passed to whoever needs it; nothing reads settings or the environment at import time.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from app import cooperative
from app.commands.disagreement import JOINT_REVIEW_KIND, DisagreementView
from app.commands.expedite import PIR_KIND
from app.commands.runner import CommandRunner
from app.commands.services import CommandServices
from app.deployments.gate import DeploymentGate
from app.events.dispatch import Dispatcher
from app.events.pulls import PullHandlers
from app.github.app import GitHubApp
from app.github.transport import CallStats
from app.jira import JiraClient
from app.jobs.followups import AGENDA_KIND, PRUNE_KIND, AgendaMark, FollowUps
from app.jobs.intake import IntakeWorker
from app.jobs.scheduler import Scheduler
from app.pulls.availability import Availability
from app.pulls.check_publisher import CheckPublisher
from app.pulls.extension import PullExtension
from app.pulls.reconcile import Reconciler
from app.pulls.repo_rules import RepoRulesSource
from app.pulls.reviewers import ReviewerRequester
from app.pulls.rules_provider import RulesProvider
from app.pulls.sticky import StickyComment
from app.settings import ServiceSettings
from app.sla.clocks import BREACH_KIND, REMIND_KIND, SlaClocks
from app.sla.replacement import AwayReplacement
from app.slack import SlackClient
from app.store import (
    AssignmentStore,
    AuditLog,
    Database,
    DeliveryStore,
    EffectStore,
    RecordStore,
    Timer,
    TimerStore,
    utc_now,
)
from app.store.away import AwayStore
from app.store.delivery_writer import DeliveryWriter
from app.store.deployments import DeploymentStore
from app.tracking.jira_flow import RETRY_KIND, JiraTracking
from app.verification.flow import VerificationFollowUps
from app.verification.plan import OVERDUE_KIND as VERIFY_OVERDUE_KIND
from app.verification.plan import REMIND_KIND as VERIFY_REMIND_KIND
from app.web.metrics import Metrics

log = logging.getLogger("gatehouse")
FOLLOW_UP_KIND = "follow-up-retry"


@dataclass
class Runtime:
    """The injectable clock: tests drive time, production uses the real one. Every part of
    the service reads the time from ``now`` (``epoch`` is the same instant in seconds)."""

    now: Callable[[], datetime] = utc_now
    sleep: Callable[[float], None] = cooperative.sleep  # time.sleep off the follow-up loop
    retry_backoff: tuple[float, float] = (1.0, 300.0)
    extra: dict[str, object] = field(default_factory=dict)

    def epoch(self) -> float:
        """``now`` as POSIX seconds, for JWTs, token lifetimes and cache ages."""
        return self.now().timestamp()


class Gatehouse:
    """The running service: stores, clients, the reconcile pipeline and the worker."""

    def __init__(self, settings: ServiceSettings, runtime: Runtime | None = None) -> None:
        settings.require_service()
        self.settings = settings
        self.runtime = runtime or Runtime()
        self.metrics = Metrics()
        self.db = Database(
            settings.database_url,
            now=self.runtime.now,
            # The check lane's threads, the follow-up loop, the scheduler, the heartbeats
            # and the delivery writer each hold at most one connection at a time.
            pool_size=settings.workers + 5,
            background_checkpoints=True,  # by the delivery writer, never inside a commit
        )
        self.db.migrate()
        self.deliveries = DeliveryStore(self.db)
        self.writer = DeliveryWriter(self.db)
        self.records = RecordStore(self.db)
        self.effects = EffectStore(self.db)
        self.assignments = AssignmentStore(self.db)
        self.timers = TimerStore(self.db)
        self.audit = AuditLog(self.db)
        self.away = AwayStore(self.db)
        self.deployment_store = DeploymentStore(self.db)
        self.rules = RulesProvider(settings.resolved_rules_dir())
        self.stats = CallStats()
        self.stats.observers.append(self._observe_github)
        assert settings.github_app_id is not None
        self.github = GitHubApp(
            settings.github_api_url,
            settings.github_app_id,
            settings.private_key_pem(),
            self.stats,
            sleep=self.runtime.sleep,
            clock=self.runtime.epoch,
            writes_per_minute=settings.github_writes_per_minute,
            installation_concurrency=settings.installation_concurrency,
        )
        self.metrics.watch_github(self.stats.budget_view)
        org = self.rules.organisation().compiled
        check_name = org.ruleset.settings.check_name if org else "gatehouse"
        self.check_name = check_name
        self.jira = (
            JiraClient(
                settings.jira_base_url or "",
                settings.jira_email or "",
                settings.jira_api_token.get_secret_value() if settings.jira_api_token else "",
                on_call=lambda op, outcome: self._observe_outbound("jira", op, outcome),
            )
            if settings.jira_enabled
            else None
        )
        self.slack = (
            SlackClient(
                settings.slack_api_url,
                settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else "",
                on_call=lambda op, outcome: self._observe_outbound("slack", op, outcome),
            )
            if settings.slack_enabled
            else None
        )
        self.tracking = JiraTracking(
            self.jira,
            self.slack,
            self.effects,
            self.records,
            self.timers,
            self.audit,
            self.runtime.now,
        )
        self.extensions: list[PullExtension] = [self.tracking]
        self.reconciler = Reconciler(
            rules=self.rules,
            records=self.records,
            checks=CheckPublisher(self.records, check_name),
            reviewers=ReviewerRequester(
                self.records, self.assignments, Availability(self.away, self.runtime.now)
            ),
            sticky=StickyComment(self.records),
            audit=self.audit,
            public_url=settings.public_url,
            extensions=self.extensions,
            repo_rules=RepoRulesSource(self.runtime.epoch),
            retry_later=self._follow_up_later,
        )
        self.pulls = PullHandlers(
            self.reconciler, self.records, self.assignments, self.audit, self.github
        )
        self.services = CommandServices(
            reconciler=self.reconciler,
            records=self.records,
            audit=self.audit,
            effects=self.effects,
            timers=self.timers,
            jira=self.jira,
            slack=self.slack,
            now=self.runtime.now,
        )
        self.extensions += [
            SlaClocks(self.records, self.timers, self.runtime.now),
            DisagreementView(self.records),
            AgendaMark(self.services),
        ]
        self.followups = FollowUps(
            self.services,
            self.rules,
            self.github,
            self.deliveries,
            on_notice=lambda kind, group: self.metrics.sla_notices.labels(kind, group).inc(),
            replacement=AwayReplacement(
                self.services, self.assignments, Availability(self.away, self.runtime.now)
            ),
        )
        self.pulls.on_closed.append(self.followups.on_closed)
        self.verification = VerificationFollowUps(self.services, self.rules, self.github)
        self.pulls.on_closed.append(self.verification.on_closed)
        self.commands = CommandRunner(self.rules, self.services)
        self.deployments = DeploymentGate(
            rules=self.rules,
            store=self.deployment_store,
            records=self.records,
            effects=self.effects,
            audit=self.audit,
            github=self.github,
            slack=self.slack,
            public_url=settings.public_url,
        )
        self.dispatcher = Dispatcher(
            self.github,
            self.pulls,
            check_name,
            self.commands.handle,
            deployment_handler=self.deployments.requested,
        )
        self.scheduler = Scheduler(
            self.timers,
            lease_seconds=settings.lease_seconds,
            heartbeat_seconds=settings.heartbeat_seconds,
        )
        self.scheduler.on(RETRY_KIND, self._retry_tracking)
        self.scheduler.on(FOLLOW_UP_KIND, self._retry_follow_up)
        self.scheduler.on(REMIND_KIND, self.followups.sla_remind)
        self.scheduler.on(BREACH_KIND, self.followups.sla_breach)
        self.scheduler.on(JOINT_REVIEW_KIND, self.followups.joint_review_due)
        self.scheduler.on(PIR_KIND, self.followups.pir_due)
        self.scheduler.on(VERIFY_REMIND_KIND, self.verification.remind)
        self.scheduler.on(VERIFY_OVERDUE_KIND, self.verification.overdue)
        self.scheduler.on(AGENDA_KIND, self.followups.post_agenda)
        self.scheduler.on(PRUNE_KIND, self.followups.prune_deliveries)
        self.worker = IntakeWorker(
            self.deliveries,
            self._handle,
            concurrency=settings.workers,
            follow_up_concurrency=settings.follow_up_workers,
            # One organisation's burst may take half the lane; the rest stays for others.
            follow_ups_per_installation=max(1, settings.follow_up_workers // 2),
            lease_seconds=settings.lease_seconds,
            heartbeat_seconds=settings.heartbeat_seconds,
            backoff=self.runtime.retry_backoff,
        )

    def _observe_github(self, operation: str, status: str) -> None:
        self.metrics.github_calls.labels(operation=operation, status=status).inc()
        if self.stats.rate_limit_remaining is not None:
            self.metrics.rate_limit.set(self.stats.rate_limit_remaining)

    def _observe_outbound(self, service: str, operation: str, outcome: str) -> None:
        self.metrics.outbound.labels(service=service, operation=operation, outcome=outcome).inc()

    def _follow_up_later(self, repo: str, number: int, until: float) -> None:
        """GitHub's rate limits held a follow-up back: reconcile the pull request again
        once they allow it (one timer per pull request, moved by each new hold-back)."""
        at = datetime.fromtimestamp(until, UTC)
        payload = {"repository": repo, "number": number}
        self.timers.schedule(
            f"{FOLLOW_UP_KIND}:{repo}#{number}", FOLLOW_UP_KIND, at, payload, rearm=True
        )

    def _retry_tracking(self, timer: Timer) -> None:
        self._reconcile_from(timer, "retry:jira-slack")

    def _retry_follow_up(self, timer: Timer) -> None:
        self._reconcile_from(timer, "retry:rate-limited")

    def _reconcile_from(self, timer: Timer, trigger: str) -> None:
        repo = str(timer.payload["repository"])
        number = int(timer.payload["number"])
        self.pulls.reconcile_number(repo, number, trigger=trigger)

    def _handle(self, delivery: object) -> None:
        from app.store import Delivery

        assert isinstance(delivery, Delivery)
        started = time.perf_counter()
        try:
            self.dispatcher.handle(delivery)
            outcome = "processed"
        except Exception:
            outcome = "error"
            raise
        finally:
            self.metrics.processing.labels(event=delivery.event).observe(
                time.perf_counter() - started
            )
            self.metrics.deliveries.labels(event=delivery.event, outcome=outcome).inc()

    def start(self) -> None:
        self.writer.start()
        self.followups.arm_agenda()
        self.followups.arm_pruning()
        self.worker.start()
        self.scheduler.start()

    def stop(self) -> None:
        self.writer.stop()
        self.scheduler.stop()
        self.worker.stop(timeout=30)
        for client in (self.jira, self.slack):
            if client is not None:
                client.close()
        self.db.dispose()
