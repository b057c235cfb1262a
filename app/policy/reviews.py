"""Which reviews count toward a group's approvals, and why the others do not.

GitHub's semantics: a reviewer's standing is their latest APPROVED, CHANGES_REQUESTED or
DISMISSED review; a later COMMENTED review does not withdraw an approval (as on GitHub).
An approval counts when the reviewer is a group member, is not the author, and no file the
group governs changed after the reviewed commit (unknown history counts as changed).
"""

from __future__ import annotations

from collections.abc import Callable

from app.policy.result import ReviewOutcome, ReviewVerdict
from app.policy.snapshot import PullSnapshot, Review, ReviewState

_STANDING = {ReviewState.APPROVED, ReviewState.CHANGES_REQUESTED, ReviewState.DISMISSED}


def judge_reviews(
    snapshot: PullSnapshot, members: set[str], governs: Callable[[str], bool]
) -> tuple[tuple[ReviewOutcome, ...], tuple[str, ...], tuple[str, ...]]:
    """Return every judged review, the logins whose approval counts, and the blockers."""
    latest: dict[str, Review] = {}
    superseded: list[Review] = []
    for review in snapshot.reviews:
        if review.state not in _STANDING:
            continue
        key = review.reviewer.lower()
        if key in latest:
            superseded.append(latest[key])
        latest[key] = review
    author = snapshot.author.lower()
    outcomes: list[ReviewOutcome] = []
    approved: list[str] = []
    blocked: list[str] = []
    for review in superseded:
        if review.state is ReviewState.APPROVED and review.reviewer.lower() in members:
            outcomes.append(_outcome(review, ReviewVerdict.SUPERSEDED))
    for key, review in latest.items():
        member = key in members
        if review.state is ReviewState.APPROVED:
            if key == author:
                outcomes.append(_outcome(review, ReviewVerdict.AUTHOR))
            elif not member:
                outcomes.append(_outcome(review, ReviewVerdict.NOT_MEMBER))
            else:
                stale = _stale_files(snapshot, review, governs)
                if stale:
                    outcomes.append(_outcome(review, ReviewVerdict.STALE, stale))
                else:
                    outcomes.append(_outcome(review, ReviewVerdict.COUNTED))
                    approved.append(review.reviewer)
        elif review.state is ReviewState.CHANGES_REQUESTED and member and key != author:
            outcomes.append(_outcome(review, ReviewVerdict.BLOCKING))
            blocked.append(review.reviewer)
    return tuple(outcomes), tuple(approved), tuple(blocked)


def _stale_files(
    snapshot: PullSnapshot, review: Review, governs: Callable[[str], bool]
) -> tuple[str, ...]:
    if review.commit_sha and review.commit_sha == snapshot.head_sha:
        return ()
    changed = snapshot.changed_since.get(review.commit_sha)
    if changed is None:
        return ("(history since the reviewed commit is unknown)",)
    return tuple(sorted(path for path in changed if governs(path)))


def _outcome(review: Review, verdict: ReviewVerdict, stale: tuple[str, ...] = ()) -> ReviewOutcome:
    return ReviewOutcome(review.reviewer, str(review.state), review.commit_sha, verdict, stale)
