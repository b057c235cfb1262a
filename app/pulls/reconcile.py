"""Bring one pull request's outputs in line with the rules: the single path every event
that concerns a pull request goes through.

Order: the check run goes ``in_progress`` first; then rules, snapshot, evaluation; then
reviewers, extensions (Jira, Slack, clocks), the check's result and the sticky comment.
Any error on the way leaves the check failed with the reason (never green when
undecided) and is raised again so the delivery is retried.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from app.github.client import InstallationClient
from app.github.snapshot import build_snapshot
from app.policy.evaluate import evaluate, failed_evaluation
from app.policy.result import Evaluation
from app.policy.snapshot import Override, PullSnapshot
from app.pulls.check_publisher import CheckPublisher
from app.pulls.extension import PullExtension, ReconcileState
from app.pulls.repo_rules import RepoRulesSource
from app.pulls.reviewers import ReviewerRequester, ReviewRequests
from app.pulls.rules_provider import RulesProvider
from app.pulls.sticky import StickyComment
from app.render.check_run import render_check_run
from app.render.comment import MARKER, render_comment
from app.render.context import PullContext
from app.render.data import evaluation_to_dict
from app.store import AuditLog, RecordStore

log = logging.getLogger("gatehouse.reconcile")
FRESH_TRIGGERS = frozenset(
    {"check_run.rerequested", "check_run.requested_action", "check_suite.rerequested", "/recheck"}
)


@dataclass
class Reconciler:
    rules: RulesProvider
    records: RecordStore
    checks: CheckPublisher
    reviewers: ReviewerRequester
    sticky: StickyComment
    audit: AuditLog
    public_url: str
    extensions: Sequence[PullExtension] = field(default_factory=list)
    repo_rules: RepoRulesSource = field(default_factory=RepoRulesSource)

    def details_url(self, repo: str, number: int) -> str:
        return f"{self.public_url}/pulls/{repo}/{number}"

    def reconcile(
        self,
        client: InstallationClient,
        repo: str,
        pull: dict[str, Any],
        *,
        default_branch: str,
        new_pull: bool = False,
        trigger: str = "",
    ) -> Evaluation:
        number = int(pull["number"])
        head_sha = pull["head"]["sha"]
        details = self.details_url(repo, number)
        # A pull request gatehouse has handled before has everything it created recorded;
        # only one it has no record of (installed later, database restored) is looked up.
        unknown = not new_pull and "check_runs" not in self.records.load(repo, number)
        run_id = self.checks.start(client, repo, number, head_sha, details, look_up=unknown)
        try:
            return self._evaluate_and_publish(
                client,
                repo,
                pull,
                run_id,
                details,
                default_branch,
                unknown,
                trigger,
                fetch_reviews=not new_pull,
            )
        except Exception as exc:
            log.exception("evaluating %s#%s failed", repo, number)
            self.checks.fail(client, repo, run_id, _reason(exc), details)
            raise

    def _evaluate_and_publish(
        self,
        client: InstallationClient,
        repo: str,
        pull: dict[str, Any],
        run_id: int,
        details: str,
        default_branch: str,
        unknown: bool,
        trigger: str,
        *,
        fetch_reviews: bool,
    ) -> Evaluation:
        number = int(pull["number"])
        doc = self.records.load(repo, number)
        fresh = trigger in FRESH_TRIGGERS
        repo_file = self.repo_rules.read(client, repo, default_branch, fresh=fresh)
        loaded = self.rules.for_repository(repo_file)
        draft = bool(pull.get("draft"))
        if loaded.compiled is None:
            evaluation = failed_evaluation(loaded.error or "the rules could not be loaded")
            output = render_check_run(evaluation, PullContext(details_url=details))
            self.checks.finish(client, repo, run_id, output, details, number)
            self._publish_comment(
                client, repo, number, evaluation, PullContext(details_url=details), unknown
            )
            self._remember(repo, number, pull, evaluation, PullContext(), trigger)
            return evaluation
        compiled = loaded.compiled
        snapshot = build_snapshot(
            client,
            compiled.ruleset,
            repo,
            pull,
            fetch_reviews=fetch_reviews,
            overrides=_overrides(doc),
        )
        evaluation = evaluate(compiled.ruleset, snapshot, compiled)
        requests = (
            self.reviewers.request(client, compiled.ruleset, snapshot, evaluation)
            if not draft and evaluation.requirements
            else ReviewRequests(asked={g: tuple(v) for g, v in doc.get("requested", {}).items()})
        )
        state = ReconcileState(
            client, compiled.ruleset, snapshot, evaluation, pull, requests, draft
        )
        for extension in self.extensions:
            extension.contribute(state)
        evaluation = state.evaluation
        context = self._context(repo, number, pull, snapshot, state, details)
        self.checks.finish(
            client, repo, run_id, render_check_run(evaluation, context), details, number
        )
        self._publish_comment(client, repo, number, evaluation, context, unknown)
        self._remember(repo, number, pull, evaluation, context, trigger)
        return evaluation

    def show_closed(self, client: InstallationClient, repo: str, number: int, note: str) -> None:
        """Bring the sticky comment of a closed pull request up to date with ``note``."""
        doc = self.records.load(repo, number)
        state = "merged" if doc.get("merged") else "closed"
        body = f"{MARKER}\n✅ **gatehouse**: this pull request was {state}.\n\n{note}\n"
        self.sticky.publish(client, repo, number, body, wanted=True, look_up=True)

    def _publish_comment(
        self,
        client: InstallationClient,
        repo: str,
        number: int,
        evaluation: Evaluation,
        context: PullContext,
        unknown: bool,
    ) -> None:
        wanted = bool(evaluation.requirements or evaluation.problems or evaluation.suggestions)
        body = render_comment(evaluation, context)
        self.sticky.publish(client, repo, number, body, wanted=wanted, look_up=unknown)

    def _context(
        self,
        repo: str,
        number: int,
        pull: dict[str, Any],
        snapshot: PullSnapshot,
        state: ReconcileState,
        details: str,
    ) -> PullContext:
        notes = [*state.requests.notes, *state.notes]
        if state.draft and state.evaluation.requirements:
            notes.append("This is a draft: reviewers are asked once it is ready for review.")
        return PullContext(
            repository=repo,
            number=number,
            pr_url=pull.get("html_url", ""),
            details_url=details,
            author=snapshot.author,
            requested=state.requests.asked,
            ticket=state.ticket,
            due=state.due,
            expedited=state.expedited,
            notes=tuple(notes),
            disagreement=state.disagreement,
        )

    def _remember(
        self,
        repo: str,
        number: int,
        pull: dict[str, Any],
        evaluation: Evaluation,
        context: PullContext,
        trigger: str,
    ) -> None:
        view = evaluation_to_dict(evaluation)
        signature = [view["conclusion"], [(g["group"], g["conclusion"]) for g in view["groups"]]]

        def put(doc: dict[str, Any]) -> None:
            doc.update(
                title=pull.get("title", ""),
                author=(pull.get("user") or {}).get("login", ""),
                html_url=pull.get("html_url", ""),
                head_sha=pull["head"]["sha"],
                closed=pull.get("state") == "closed",
                evaluation=view,
                requested_view={g: list(v) for g, v in context.requested.items()},
                ticket_view=None if context.ticket is None else vars(context.ticket),
                due_view={g: vars(d) for g, d in context.due.items()},
                notes=list(context.notes),
            )
            doc["audit_signature"] = signature

        before = self.records.load(repo, number).get("audit_signature")
        self.records.update(repo, number, put)
        if before != signature:
            self.audit.append(
                "evaluation",
                repository=repo,
                number=number,
                actor="gatehouse",
                summary=f"{view['conclusion']}: "
                + (
                    ", ".join(f"{g['group']} {g['conclusion']}" for g in view["groups"])
                    or "no review required"
                ),
                detail={
                    "trigger": trigger,
                    "head_sha": pull["head"]["sha"],
                    **{"groups": view["groups"]},
                },
            )
            for group in evaluation.requirements:
                for login in group.approved_by:
                    self.audit.append(
                        "approval-counted",
                        repository=repo,
                        number=number,
                        actor=login,
                        summary=f"approval by @{login} counted for {group.name}",
                        detail={"group": group.group},
                    )


def _overrides(doc: dict[str, Any]) -> tuple[Override, ...]:
    return tuple(
        Override(o["group"], bool(o["approve"]), o["decided_by"], o.get("rationale", ""))
        for o in doc.get("overrides", [])
    )


def _reason(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]
