"""An evaluation is data: the conclusion and every reason behind it.

Renderers (check run, sticky comment, CLI text and JSON, details page) turn an
:class:`Evaluation` into words; none of them re-derives a decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from app.policy.detectors.base import Finding
from app.policy.read_only import read_only


class Conclusion(StrEnum):
    """Ordered from best to worst; the worst requirement decides the check."""

    SUCCESS = "success"
    ACTION_REQUIRED = "action_required"
    FAILURE = "failure"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {Conclusion.SUCCESS: 0, Conclusion.ACTION_REQUIRED: 1, Conclusion.FAILURE: 2}


@dataclass(frozen=True, slots=True)
class LineHit:
    """A changed line that matched one of a rule's ``changed_lines`` patterns.

    ``line`` is the line number in the new file for an added line and in the old file
    for a removed one.
    """

    path: str
    line: int
    side: Literal["added", "removed"]
    text: str
    pattern: str


@read_only
class FileMatch:
    """Why one file triggered a rule.

    ``reason`` is ``path`` (the path pattern alone decides), ``lines`` (a changed line
    matched), ``detected`` (a detector reported what the rule asks for; ``findings`` holds
    the evidence, an unreadable file included), or ``unknown-lines`` (the rule needs
    changed lines but the patch is not available, so the file counts: never fail open).
    """

    path: str
    status: str
    previous_path: str | None
    reason: Literal["path", "lines", "detected", "unknown-lines"]
    lines: tuple[LineHit, ...] = ()
    findings: tuple[Finding, ...] = ()


@dataclass(frozen=True, slots=True)
class RuleMatch:
    rule_id: str
    title: str
    group: str
    approvals: int
    jira: bool
    files: tuple[FileMatch, ...]
    assumed: bool = False
    """True when the rule was not matched by a file but required because the file list
    was truncated and the missing files could have matched it."""
    advisory: bool = False
    """An ``advisory: true`` rule: its group is suggested, never required."""

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(found for f in self.files for found in f.findings)


class ReviewVerdict(StrEnum):
    COUNTED = "counted"
    NOT_MEMBER = "not-member"
    AUTHOR = "author"
    STALE = "stale"
    SUPERSEDED = "superseded"
    NOT_APPROVAL = "not-approval"
    BLOCKING = "blocking"


VERDICT_TEXT: dict[ReviewVerdict, str] = {
    ReviewVerdict.COUNTED: "counted",
    ReviewVerdict.NOT_MEMBER: "not counted: not a member of the group",
    ReviewVerdict.AUTHOR: "not counted: the author cannot approve their own change",
    ReviewVerdict.STALE: "not counted: files governed by the group changed after this review",
    ReviewVerdict.SUPERSEDED: "not counted: superseded by the reviewer's later review",
    ReviewVerdict.NOT_APPROVAL: "not counted: not an approval",
    ReviewVerdict.BLOCKING: "blocks: changes requested",
}


@dataclass(frozen=True, slots=True)
class ReviewOutcome:
    reviewer: str
    state: str
    commit_sha: str
    verdict: ReviewVerdict
    stale_files: tuple[str, ...] = ()

    @property
    def explanation(self) -> str:
        text = VERDICT_TEXT[self.verdict]
        if self.stale_files:
            text += " (" + ", ".join(self.stale_files[:5])
            text += f" and {len(self.stale_files) - 5} more)" if len(self.stale_files) > 5 else ")"
        return text


@dataclass(frozen=True, slots=True)
class CallOutcome:
    """How a review call's recorded outcome (``/arch-decision``) weighed on a group.

    ``standing`` is False when it counts for nothing: the decider's later review took its
    place, or the decider is no longer a member of the group (or is the author).
    """

    decided_by: str
    verdict: str
    rationale: str
    at: str
    standing: bool
    reason: str

    @property
    def rejected(self) -> bool:
        return self.standing and self.verdict == "reject"


@dataclass(frozen=True, slots=True)
class GroupRequirement:
    """One reviewing group the change needs, and where its reviews stand."""

    group: str
    name: str
    rules: tuple[str, ...]
    approvals_needed: int
    approved_by: tuple[str, ...]
    blocked_by: tuple[str, ...]
    reviews: tuple[ReviewOutcome, ...]
    conclusion: Conclusion
    override: str | None = None
    """A final decision that settled this requirement, described for people."""
    call_outcome: CallOutcome | None = None
    """The review call's outcome recorded for this group, and how it weighed."""

    @property
    def satisfied(self) -> bool:
        return self.conclusion is Conclusion.SUCCESS

    @property
    def missing(self) -> int:
        return max(0, self.approvals_needed - len(self.approved_by))


@dataclass(frozen=True, slots=True)
class Problem:
    """Something that stops gatehouse from deciding (broken config, truncated list)."""

    kind: Literal["config", "truncated", "jira-key"]
    message: str
    fatal: bool = True


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A group that advisory rules suggest and no rule requires."""

    group: str
    name: str
    rules: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DetectorNote:
    """A file a detector read for a rule that it did not trigger, and what it saw there
    ("go.mod: 6 version bumps, no new Go module"): why a group is *not* asked."""

    path: str
    detector: str
    rule_ids: tuple[str, ...]
    text: str


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The decision. ``matches`` are the requiring rules; ``advisories`` the advisory
    rules that matched, ``suggestions`` the groups only they name."""

    conclusion: Conclusion
    matches: tuple[RuleMatch, ...]
    requirements: tuple[GroupRequirement, ...]
    problems: tuple[Problem, ...] = ()
    files_considered: int = 0
    files_truncated: bool = False
    advisories: tuple[RuleMatch, ...] = ()
    suggestions: tuple[Suggestion, ...] = ()
    notes: tuple[DetectorNote, ...] = ()

    @property
    def required(self) -> bool:
        return bool(self.requirements)

    @property
    def needs_jira(self) -> bool:
        return any(m.jira for m in self.matches)

    def requirement(self, group: str) -> GroupRequirement | None:
        return next((r for r in self.requirements if r.group == group), None)
