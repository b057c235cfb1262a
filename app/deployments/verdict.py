"""Which changes a deployment brings without an approved pull request, and why.

Pure: plain facts in (the commits, the pull requests GitHub associates with each, and what
gatehouse recorded of those pull requests), a :class:`Verdict` out. A commit is approved
when it came through a merged pull request whose requirements were met, as gatehouse last
evaluated the very head that merged: nothing was required, the groups approved, or a
``/decision approve`` settled the dispute. Everything else needs a person: commits pushed
directly, pull requests merged without the approvals or never evaluated by gatehouse, and
history that could not be read (fail closed).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    DIRECT_PUSH = "direct-push"
    UNAPPROVED_PULL = "unapproved-pull"
    UNEVALUATED_PULL = "unevaluated-pull"
    UNKNOWN_HISTORY = "unknown-history"


@dataclass(frozen=True)
class CommitFacts:
    sha: str
    author: str
    message: str = ""
    html_url: str = ""

    @property
    def short(self) -> str:
        return self.sha[:7]


@dataclass(frozen=True)
class PullFacts:
    number: int
    title: str
    merged: bool
    head_sha: str = ""
    html_url: str = ""
    author: str = ""


@dataclass(frozen=True)
class Standing:
    """What gatehouse recorded of a pull request's requirements: ``how`` says how they were
    met, or why not."""

    evaluated: bool
    approved: bool
    how: str
    head_sha: str | None = None


NEVER_EVALUATED = Standing(False, False, "gatehouse never evaluated it")


@dataclass(frozen=True)
class Unapproved:
    """One thing Platform Engineering must look at: a direct push (one commit), a pull
    request (all the commits it brought), or history that could not be read."""

    kind: Kind
    why: str
    commits: tuple[CommitFacts, ...] = ()
    pull: PullFacts | None = None


@dataclass(frozen=True)
class ApprovedPull:
    pull: PullFacts
    how: str
    commits: int


@dataclass(frozen=True)
class Verdict:
    commits: int
    unapproved: tuple[Unapproved, ...] = ()
    approved: tuple[ApprovedPull, ...] = field(default=())

    @property
    def clear(self) -> bool:
        """Every change came through an approved pull request (or there is none)."""
        return not self.unapproved


def standing_from_record(doc: Mapping[str, Any]) -> Standing:
    """Read gatehouse's record of a pull request (``RecordStore.load``)."""
    evaluation = doc.get("evaluation")
    if not isinstance(evaluation, dict):
        return NEVER_EVALUATED
    head = str(doc.get("head_sha") or "") or None
    groups = [g for g in evaluation.get("groups") or [] if isinstance(g, dict)]
    if evaluation.get("conclusion") == "success":
        if not groups:
            how = "nothing required"
        elif any(g.get("override") for g in groups):
            how = "decided by /decision approve"
        else:
            how = "approved by " + ", ".join(str(g.get("name") or g.get("group")) for g in groups)
        return Standing(True, True, how, head)
    waiting = [g for g in groups if g.get("conclusion") != "success"]
    decided = {
        o.get("group")
        for o in doc.get("overrides") or []
        if isinstance(o, dict) and o.get("approve")
    }
    if (
        waiting
        and not evaluation.get("problems")
        and all(g.get("group") in decided for g in waiting)
    ):
        # The decision is recorded; the evaluation after it was not (yet).
        return Standing(True, True, "decided by /decision approve", head)
    missing = ", ".join(
        f"{g.get('name') or g.get('group')} {len(g.get('approved_by') or [])}/"
        f"{g.get('approvals_needed', 1)}"
        for g in waiting
    )
    if missing:
        how = f"merged without the approvals ({missing})"
    else:
        how = f"merged while gatehouse's check said {evaluation.get('conclusion')}"
    return Standing(True, False, how, head)


def judge(
    commits: Sequence[CommitFacts],
    pulls: Mapping[str, Sequence[PullFacts]],
    standings: Mapping[int, Standing],
    *,
    unknown: str | None = None,
) -> Verdict:
    """The verdict on ``commits`` (those the deployment brings). ``pulls`` maps a sha to the
    pull requests GitHub associates with it; ``standings`` a pull request's number to what
    gatehouse recorded; ``unknown`` says why some history could not be read."""
    unapproved: dict[tuple[Kind, str], Unapproved] = {}
    approved: dict[int, ApprovedPull] = {}
    for commit in commits:
        merged = [p for p in pulls.get(commit.sha, ()) if p.merged]
        if not merged:
            opened = [p for p in pulls.get(commit.sha, ()) if not p.merged]
            why = (
                f"pushed directly; its pull request #{opened[0].number} is not merged"
                if opened
                else "pushed directly, without a pull request"
            )
            unapproved[(Kind.DIRECT_PUSH, commit.sha)] = Unapproved(
                Kind.DIRECT_PUSH, why, (commit,)
            )
            continue
        through = next((p for p in merged if _met(p, standings)), None)
        if through is not None:
            before = approved.get(through.number)
            count = before.commits + 1 if before else 1
            how = standings[through.number].how
            approved[through.number] = ApprovedPull(through, how, count)
            continue
        pull = merged[0]
        kind, why = _why_not(pull, standings.get(pull.number, NEVER_EVALUATED))
        key = (kind, str(pull.number))
        before_item = unapproved.get(key)
        listed = (*before_item.commits, commit) if before_item else (commit,)
        unapproved[key] = Unapproved(kind, why, listed, pull)
    items = list(unapproved.values())
    if unknown:
        items.append(Unapproved(Kind.UNKNOWN_HISTORY, unknown))
    return Verdict(len(commits), tuple(items), tuple(approved.values()))


def _met(pull: PullFacts, standings: Mapping[int, Standing]) -> bool:
    standing = standings.get(pull.number, NEVER_EVALUATED)
    return standing.approved and _same_head(pull, standing)


def _same_head(pull: PullFacts, standing: Standing) -> bool:
    return not pull.head_sha or not standing.head_sha or pull.head_sha == standing.head_sha


def _why_not(pull: PullFacts, standing: Standing) -> tuple[Kind, str]:
    if not standing.evaluated:
        return Kind.UNEVALUATED_PULL, "merged; gatehouse never evaluated it"
    if standing.approved:  # approved, but not what merged
        head = standing.head_sha or ""
        return (
            Kind.UNAPPROVED_PULL,
            f"merged at {pull.head_sha[:7]}, after the commit gatehouse last evaluated "
            f"({head[:7]})",
        )
    return Kind.UNAPPROVED_PULL, standing.how


def verdict_to_dict(verdict: Verdict) -> dict[str, Any]:
    """The verdict as JSON-ready data (kept with the deployment, shown on its page)."""
    return {
        "clear": verdict.clear,
        "commits": verdict.commits,
        "unapproved": [
            {
                "kind": str(item.kind),
                "why": item.why,
                "pull": _pull_dict(item.pull),
                "commits": [asdict(c) for c in item.commits],
            }
            for item in verdict.unapproved
        ],
        "approved": [
            {"pull": _pull_dict(a.pull), "how": a.how, "commits": a.commits}
            for a in verdict.approved
        ],
    }


def _pull_dict(pull: PullFacts | None) -> dict[str, Any] | None:
    return None if pull is None else asdict(pull)
