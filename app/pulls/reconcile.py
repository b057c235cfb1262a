"""Bring one pull request's outputs in line with the rules: the single path every event
that concerns a pull request goes through.

Two stages. First the decision: rules, snapshot, evaluation, who is to be asked, the SLA
clocks, and the check run published completed (one call for a new head commit). Then the
follow-up, handed to :func:`app.pulls.later.defer`: review requests, Jira and Slack, the
sticky comment, and the check's text brought up to date when the follow-up changed it
(a new ticket key). Nothing in the follow-up can change the conclusion: an extension that
could (``require_key``) runs in the first stage. Any error leaves the check failed with
the reason (never green when undecided) and is raised again so the delivery is retried.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.github.budget import Priority
from app.github.calls import GitHubThrottled
from app.github.client import InstallationClient
from app.github.snapshot import build_snapshot
from app.policy.evaluate import evaluate, failed_evaluation
from app.policy.result import Evaluation
from app.policy.snapshot import CallDecision, Override, PullSnapshot
from app.pulls.check_publisher import CheckPublisher
from app.pulls.extension import PullExtension, ReconcileState
from app.pulls.later import collecting, defer, hand_on
from app.pulls.repo_rules import RepoRulesSource
from app.pulls.reviewers import ReviewerRequester, ReviewRequests
from app.pulls.rules_provider import RulesProvider
from app.pulls.sticky import StickyComment
from app.render.check_run import render_check_run
from app.render.comment import MARKER, render_comment
from app.render.context import PullContext, TicketInfo
from app.render.data import evaluation_to_dict
from app.store import AuditLog, RecordStore

log = logging.getLogger("gatehouse.reconcile")
FRESH_TRIGGERS = frozenset(
    {"check_run.rerequested", "check_run.requested_action", "check_suite.rerequested", "/recheck"}
)


@dataclass(frozen=True)
class Published:
    """The check run the decision stage published, for the follow-up to bring up to date."""

    run_id: int
    details: str
    unknown: bool
    trigger: str


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
    # Called with (repository, number, epoch seconds) when GitHub's rate limits hold the
    # follow-up back: it is done again then, by a timer; without one the error is raised.
    retry_later: Callable[[str, int, float], None] | None = None

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
        with collecting() as follow_ups:
            try:
                evaluation = self._decide(
                    client,
                    repo,
                    pull,
                    details,
                    default_branch,
                    unknown,
                    trigger,
                    fetch_reviews=not new_pull,
                )
            except GitHubThrottled:
                raise  # GitHub takes no write now, a failed check included: later
            except Exception as exc:
                log.exception("evaluating %s#%s failed", repo, number)
                self.checks.fail(
                    client, repo, number, head_sha, _reason(exc), details, look_up=unknown
                )
                raise
        # A failing follow-up leaves the published decision as it is: it is retried.
        hand_on(follow_ups)
        return evaluation

    def _decide(
        self,
        client: InstallationClient,
        repo: str,
        pull: dict[str, Any],
        details: str,
        default_branch: str,
        unknown: bool,
        trigger: str,
        *,
        fetch_reviews: bool,
    ) -> Evaluation:
        number = int(pull["number"])
        head_sha = pull["head"]["sha"]
        doc = self.records.load(repo, number)
        fresh = trigger in FRESH_TRIGGERS
        repo_file = self.repo_rules.read(client, repo, default_branch, fresh=fresh)
        loaded = self.rules.for_repository(repo_file)
        draft = bool(pull.get("draft"))
        if loaded.compiled is None:
            evaluation = failed_evaluation(loaded.error or "the rules could not be loaded")
            context = PullContext(details_url=details)
            output = render_check_run(evaluation, context)
            self.checks.publish(client, repo, number, head_sha, output, details, look_up=unknown)
            self._remember(repo, number, pull, evaluation, PullContext(), trigger)
            defer(lambda: self._publish_comment(client, repo, number, evaluation, context, unknown))
            return evaluation
        compiled = loaded.compiled
        snapshot = build_snapshot(
            client,
            compiled.ruleset,
            repo,
            pull,
            fetch_reviews=fetch_reviews,
            overrides=_overrides(doc),
            call_decisions=_call_decisions(doc),
        )
        evaluation = evaluate(compiled.ruleset, snapshot, compiled)
        requests = (
            self.reviewers.plan(compiled.ruleset, snapshot, evaluation)
            if not draft and evaluation.requirements
            else ReviewRequests(asked={g: tuple(v) for g, v in doc.get("requested", {}).items()})
        )
        state = ReconcileState(
            client, compiled.ruleset, snapshot, evaluation, pull, requests, draft
        )
        later = [extension for extension in self.extensions if not extension.decides(state)]
        if later and doc.get("ticket_view"):
            # Shown as the last follow-up left it, so that an unchanged ticket costs no
            # second update of the check once the follow-up has run.
            state.ticket = TicketInfo(**doc["ticket_view"])
        for extension in self.extensions:
            if extension not in later:
                extension.contribute(state)
        context = self._context(repo, number, pull, snapshot, state, details)
        output = render_check_run(state.evaluation, context)
        run_id = self.checks.publish(
            client, repo, number, head_sha, output, details, look_up=unknown, again=fresh
        )
        self._remember(repo, number, pull, state.evaluation, context, trigger)
        published = Published(run_id, details, unknown, trigger)
        defer(lambda: self._follow_up(state, later, published))
        return state.evaluation

    def _follow_up(
        self, state: ReconcileState, later: list[PullExtension], published: Published
    ) -> None:
        """Everything the check does not wait for; the check's text is updated only when
        it changed (a ticket created, a review request refused)."""
        snap = state.snapshot
        assert snap.number is not None
        try:
            with self.records.batched():
                self._complete(state, later, published)
        except GitHubThrottled as exc:
            if self.retry_later is None:
                raise
            log.info(
                "follow-up of %s#%s held back by GitHub's rate limits until %.0f: %s",
                snap.repository,
                snap.number,
                exc.until,
                exc.message,
            )
            self.retry_later(snap.repository, snap.number, exc.until)

    def _complete(
        self, state: ReconcileState, later: list[PullExtension], published: Published
    ) -> None:
        snap = state.snapshot
        assert snap.number is not None
        repo, number, client = snap.repository, snap.number, state.client
        self.reviewers.send(client, repo, number, state.requests)
        for extension in later:
            extension.contribute(state)
        context = self._context(repo, number, state.pull, snap, state, published.details)
        # The decision is out; what the follow-up adds (the ticket, a refused request)
        # reaches the check as catch-up work, and only if the text changed.
        self.checks.finish(
            client,
            repo,
            published.run_id,
            render_check_run(state.evaluation, context),
            published.details,
            number,
            priority=Priority.CATCH_UP,
        )
        self._publish_comment(client, repo, number, state.evaluation, context, published.unknown)
        self._remember(repo, number, state.pull, state.evaluation, context, published.trigger)

    def show_closed(
        self,
        client: InstallationClient,
        repo: str,
        number: int,
        note: str,
        *,
        section: str = "post-implementation-review",
    ) -> None:
        """Bring the sticky comment of a closed pull request up to date: ``note`` is what
        ``section`` shows now; the other sections (a post-implementation review, the
        verification) stay, in the order of their names."""

        def put(document: dict[str, Any]) -> None:
            document.setdefault("closed_notes", {})[section] = note

        doc = self.records.update(repo, number, put)
        state = "merged" if doc.get("merged") else "closed"
        notes = "\n\n".join(text for _, text in sorted(doc["closed_notes"].items()))
        body = f"{MARKER}\n✅ **gatehouse**: this pull request was {state}.\n\n{notes}\n"
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


def _call_decisions(doc: dict[str, Any]) -> tuple[CallDecision, ...]:
    """The review calls' outcomes recorded on the PR (``/arch-decision``), one per group."""
    return tuple(
        CallDecision(
            group,
            str(c["verdict"]),
            str(c["by"]),
            str(c.get("rationale", "")),
            str(c.get("at", "")),
        )
        for group, c in (doc.get("call_decisions") or {}).items()
    )


def _reason(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]
