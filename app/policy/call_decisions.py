"""A review call's recorded outcome weighed with the group's reviews (``/arch-decision``).

The outcome acts as a review by the member who recorded it, given when it was recorded:
``approve`` counts as their approval, ``changes`` blocks as their requested change, and
``reject`` blocks and says the change is rejected. It takes the place of that member's
earlier standing review and never goes stale on a push. For ``approve`` and ``changes``,
a standing review the member submits later takes its place in turn; a ``reject`` stands
until another outcome is recorded (or engineering management decides otherwise).

A ``changes`` or ``reject`` outcome makes its group required even when no rule asks for
it (a pull request sent to the call with ``/arch-review``): the check never passes over
a rejection.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from app.policy.result import CallOutcome, ReviewOutcome, ReviewVerdict
from app.policy.snapshot import CallDecision, PullSnapshot, Review, ReviewState
from app.timestamps import aware_instant

BLOCKING_VERDICTS = frozenset({"changes", "reject"})
_STANDING = {ReviewState.APPROVED, ReviewState.CHANGES_REQUESTED, ReviewState.DISMISSED}
_REPLACED = {ReviewVerdict.COUNTED, ReviewVerdict.BLOCKING, ReviewVerdict.STALE}


@dataclass(frozen=True, slots=True)
class Weighed:
    """A group's judged reviews once the call's outcome is taken into account."""

    outcomes: tuple[ReviewOutcome, ...]
    approved: tuple[str, ...]
    blocked: tuple[str, ...]
    call: CallOutcome


def demands_review(decision: CallDecision | None) -> bool:
    """Whether the outcome makes its group required even when no rule matched."""
    return decision is not None and decision.verdict in BLOCKING_VERDICTS


def weigh_call_decision(
    decision: CallDecision,
    snapshot: PullSnapshot,
    members: set[str],
    outcomes: tuple[ReviewOutcome, ...],
    approved: tuple[str, ...],
    blocked: tuple[str, ...],
) -> Weighed:
    """Fold ``decision`` into the reviews :func:`app.policy.reviews.judge_reviews` judged."""
    login = decision.decided_by
    key = login.lower()

    def unchanged(reason: str) -> Weighed:
        return Weighed(outcomes, approved, blocked, _call(decision, False, reason))

    if key == snapshot.author.lower():
        return unchanged("not counted: the author cannot decide on their own change")
    if key not in members:
        return unchanged("not counted: not a member of the group")
    if decision.verdict not in ("approve", *BLOCKING_VERDICTS):
        return unchanged(f"not counted: unknown outcome {decision.verdict!r}")
    later = _later_review(snapshot, key, decision.at)
    if later is not None and decision.verdict != "reject":
        return unchanged(f"replaced by @{later.reviewer}'s later review")
    kept_outcomes = tuple(
        replace(o, verdict=ReviewVerdict.SUPERSEDED)
        if o.reviewer.lower() == key and o.verdict in _REPLACED
        else o
        for o in outcomes
    )
    others_approved = tuple(a for a in approved if a.lower() != key)
    others_blocked = tuple(b for b in blocked if b.lower() != key)
    if decision.verdict == "approve":
        return Weighed(
            kept_outcomes,
            (*others_approved, login),
            others_blocked,
            _call(decision, True, f"counted as @{login}'s approval"),
        )
    reason = (
        "rejects the change: the check fails until another outcome is recorded"
        if decision.verdict == "reject"
        else "blocks: changes requested at the review call"
    )
    return Weighed(
        kept_outcomes, others_approved, (*others_blocked, login), _call(decision, True, reason)
    )


def _call(decision: CallDecision, standing: bool, reason: str) -> CallOutcome:
    return CallOutcome(
        decided_by=decision.decided_by,
        verdict=decision.verdict,
        rationale=decision.rationale,
        at=decision.at,
        standing=standing,
        reason=reason,
    )


def _later_review(snapshot: PullSnapshot, key: str, at: str) -> Review | None:
    """The member's latest standing review when it was submitted after ``at``."""
    latest = None
    for review in snapshot.reviews:
        if review.reviewer.lower() == key and review.state in _STANDING:
            latest = review
    if latest is None:
        return None
    submitted, decided = aware_instant(latest.submitted_at), aware_instant(at)
    if submitted is None or decided is None or submitted <= decided:
        return None
    return latest
