"""gatehouse as a custom deployment protection rule (SPEC section 8).

A deployment to an environment gatehouse protects is approved at once when every change
it brings since the environment's last approved deployment came through an approved pull
request; otherwise Platform Engineering is told on Slack and decides on the deployment's
page. gatehouse never rejects by itself. Deployments elsewhere are approved at once,
saying so.

Each outside effect happens once per deployment whatever is redelivered, retried or
double-clicked: the review on GitHub, the audit entry and the Slack message are keyed by
the deployment (``app.tracking.once``); the stored deployment moves out of ``waiting``
once, to what the review sent.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any

from app.deployments.changes import read_changes
from app.deployments.notice import decision_comment, slack_text, waiting_comment
from app.deployments.request import DeploymentRequest, parse_request
from app.deployments.verdict import judge, standing_from_record, verdict_to_dict
from app.github.app import GitHubApp
from app.github.client import InstallationClient
from app.github.transport import GitHubError
from app.policy.model import RuleSet
from app.pulls.later import defer
from app.pulls.rules_provider import RulesProvider
from app.slack import SlackApi, escape
from app.store import AuditLog, EffectStore, RecordStore
from app.store.deployments import (
    APPROVED,
    REJECTED,
    Deployment,
    DeploymentStore,
    NewDeployment,
)
from app.tracking.once import Outcome, once

log = logging.getLogger("gatehouse.deployments")
PLATFORM = "platform-engineering"
GATEHOUSE = "gatehouse"
AUDIT_KIND = "deployment-decision"
MAX_RATIONALE = 2000


@dataclass(frozen=True)
class Decision:
    """What became of a decision asked for on the page: ``decided`` (this one), ``already``
    (another came first), ``busy`` (another is being sent right now) or ``failed``."""

    status: str
    deployment: Deployment | None = None
    error: str = ""


class DeploymentGate:
    def __init__(
        self,
        *,
        rules: RulesProvider,
        store: DeploymentStore,
        records: RecordStore,
        effects: EffectStore,
        audit: AuditLog,
        github: GitHubApp,
        slack: SlackApi | None,
        public_url: str,
    ) -> None:
        self.rules = rules
        self.store = store
        self.records = records
        self.effects = effects
        self.audit = audit
        self.github = github
        self.slack = slack
        self.public_url = public_url.rstrip("/")

    def page_url(self, deployment: int) -> str:
        return f"{self.public_url}/deployments/{deployment}"

    def ruleset(self) -> RuleSet:
        loaded = self.rules.organisation()
        if loaded.compiled is None:
            raise RuntimeError(f"the organisation's rules cannot be loaded: {loaded.error}")
        return loaded.compiled.ruleset

    # the webhook ----------------------------------------------------------------------
    def requested(self, client: InstallationClient, payload: dict[str, Any]) -> None:
        """Handle ``deployment_protection_rule.requested``."""
        request = parse_request(payload)
        if request is None:
            log.warning("a deployment protection request without a run, environment or sha")
            return
        ruleset = self.ruleset()
        protected = request.environment.lower() in {
            name.lower() for name in ruleset.settings.deployments.environments
        }
        row = self.store.open(_new(request, protected))
        if not row.waiting:
            return  # decided before: a redelivery
        if not protected:
            why = f"gatehouse does not protect the {request.environment} environment"
            self._conclude_or_raise(client, row, APPROVED, GATEHOUSE, why)
            return
        if "verdict" not in row.detail:
            row = self._judge(client, row)
        if row.detail["verdict"]["clear"]:
            self._conclude_or_raise(client, row, APPROVED, GATEHOUSE, _clear_rationale(row))
            return
        waiting = row
        defer(lambda: self._ask(client, waiting, ruleset))

    def _judge(self, client: InstallationClient, row: Deployment) -> Deployment:
        last = self.store.last_approved(row.repository, row.environment)
        base = last.sha if last is not None else None
        changes = read_changes(client, row.repository, base, row.sha)
        merged = {p.number for pulls in changes.pulls.values() for p in pulls if p.merged}
        standings = {
            number: standing_from_record(self.records.load(row.repository, number))
            for number in sorted(merged)
        }
        verdict = judge(changes.commits, changes.pulls, standings, unknown=changes.unknown)
        detail = {
            **row.detail,
            "base_sha": base,
            "base_deployment": last.id if last is not None else None,
            "verdict": verdict_to_dict(verdict),
        }
        self.store.note(row.id, detail)
        return replace(row, detail=detail)

    def _ask(self, client: InstallationClient, row: Deployment, ruleset: RuleSet) -> None:
        """Show the run why it waits, and tell Platform Engineering (one Slack message)."""
        verdict = row.detail["verdict"]
        url = self.page_url(row.id)

        def note() -> dict[str, Any]:
            current = self.store.get(row.id)
            if current is None or not current.waiting:
                return {"skipped": "decided"}
            try:
                comment = waiting_comment(verdict, url)
                client.review_deployment_gate(
                    row.repository, row.run_id, row.environment, None, comment
                )
            except GitHubError as exc:
                if exc.status >= 500 or exc.status == 429:
                    raise
                log.info("the waiting note on run %s was refused: %s", row.run_id, exc)
                return {"refused": exc.status}
            return {"noted": True}

        noted = once(self.effects, f"deployment-note:{row.key}", note)
        if noted.error is not None:
            raise noted.error
        slack = self.slack
        if slack is None:
            return
        text = slack_text(
            repository=row.repository,
            environment=row.environment,
            sha=row.sha,
            creator=str(row.detail.get("creator") or ""),
            verdict=verdict,
            mentions=_mentions(ruleset),
            page_url=url,
            number=row.id,
        )
        channel = ruleset.settings.slack.channel

        def post() -> dict[str, Any]:
            channel_id, ts = slack.post_message(channel, text)
            return {"channel": channel_id, "ts": ts}

        sent = once(self.effects, f"deployment-slack:{row.key}", post)
        if sent.error is not None:
            raise sent.error

    # the page -------------------------------------------------------------------------
    def decide(self, deployment: int, login: str, decision: str, rationale: str) -> Decision:
        """A Platform Engineering member's decision (the caller checked who may decide)."""
        row = self.store.get(deployment)
        if row is None:
            return Decision("failed", None, "no such deployment")
        if not row.waiting:
            return Decision("already", row)
        state = APPROVED if decision == "approve" else REJECTED
        client = self.client_for(row)
        outcome, settled = self._conclude(client, row, state, login, rationale[:MAX_RATIONALE])
        if outcome.pending:
            if outcome.error is not None:
                return Decision("failed", row, _reason(outcome.error))
            return Decision("busy", row)
        result = outcome.result or {}
        mine = result.get("by") == login and result.get("state") == state
        return Decision("decided" if mine else "already", settled)

    def client_for(self, row: Deployment) -> InstallationClient:
        installation = row.installation_id or self.github.installation_for(row.repository)
        return self.github.installation(installation)

    def is_platform_member(self, login: str, row: Deployment) -> bool:
        """Whether ``login`` belongs to Platform Engineering (``groups.yml``, or its
        ``github_team``, asked of GitHub)."""
        group = self.ruleset().groups.get(PLATFORM)
        if group is None:
            return False
        if any(member.github.lower() == login.lower() for member in group.members):
            return True
        if not group.github_team:
            return False
        return self.client_for(row).is_team_member(group.github_team, login)

    # deciding -------------------------------------------------------------------------
    def _conclude_or_raise(
        self, client: InstallationClient, row: Deployment, state: str, actor: str, why: str
    ) -> None:
        outcome, _ = self._conclude(client, row, state, actor, why)
        if outcome.error is not None:
            raise outcome.error
        if outcome.pending:
            raise RuntimeError(f"deployment {row.id} is being reviewed elsewhere; again later")

    def _conclude(
        self, client: InstallationClient, row: Deployment, state: str, actor: str, why: str
    ) -> tuple[Outcome, Deployment | None]:
        """Send the review once, then record it (audit once) and settle the deployment to
        what was sent, whoever sent it."""
        comment = decision_comment(state, actor, why, self.page_url(row.id))

        def review() -> dict[str, Any]:
            client.review_deployment_gate(
                row.repository, row.run_id, row.environment, state, comment
            )
            return {"state": state, "by": actor, "rationale": why}

        outcome = once(self.effects, f"deployment-review:{row.key}", review)
        if outcome.pending:
            return outcome, None
        sent = outcome.result or {}
        recorded = once(self.effects, f"deployment-audit:{row.key}", lambda: self._audit(row, sent))
        if recorded.error is not None:
            return Outcome(None, recorded.error), None
        self.store.settle(row.id, sent["state"], sent["by"], sent["rationale"])
        return outcome, self.store.get(row.id)

    def _audit(self, row: Deployment, sent: dict[str, Any]) -> dict[str, Any]:
        entry = self.audit.append(
            AUDIT_KIND,
            repository=row.repository,
            number=None,
            actor=sent["by"],
            summary=f"deployment of {row.sha[:7]} to {row.environment} {sent['state']}: "
            f"{sent['rationale']}",
            detail={
                "environment": row.environment,
                "sha": row.sha,
                "decision": sent["state"],
                "rationale": sent["rationale"],
                "deployment_id": row.deployment_id,
                "run_id": row.run_id,
            },
        )
        return {"seq": entry.seq}


def _new(request: DeploymentRequest, protected: bool) -> NewDeployment:
    return NewDeployment(
        key=request.key,
        repository=request.repository,
        environment=request.environment,
        sha=request.sha,
        run_id=request.run_id,
        deployment_id=request.deployment_id,
        installation_id=request.installation_id,
        protected=protected,
        detail=request.detail(),
    )


def _clear_rationale(row: Deployment) -> str:
    verdict = row.detail["verdict"]
    if not verdict["commits"]:
        base = str(row.detail.get("base_sha") or "")
        return f"it brings no change since the last approved deployment ({base[:7]})"
    numbers = ", ".join(f"#{a['pull']['number']}" for a in verdict["approved"])
    return f"every change came through an approved pull request ({numbers})"


def _mentions(ruleset: RuleSet) -> str:
    group = ruleset.groups.get(PLATFORM)
    members = group.members if group else []
    return " ".join(
        f"<@{m.slack_user_id}>" if m.slack_user_id else escape(m.display) for m in members
    )


def _reason(exc: Exception) -> str:
    if isinstance(exc, GitHubError):
        return f"GitHub answered {exc.status}: {exc.message}"[:500]
    return f"{type(exc).__name__}: {exc}"[:500]
