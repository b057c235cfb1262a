"""A frozen picture of a pull request: everything the engine may look at.

The snapshot is built at the edges (from GitHub, from a local diff, from a path list) and
handed to :func:`app.policy.evaluate.evaluate`; the engine never fetches anything itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from app.policy.read_only import read_only


class FileStatus(StrEnum):
    """How a file changed, in GitHub's vocabulary (``pulls/list-files``)."""

    ADDED = "added"
    MODIFIED = "modified"
    REMOVED = "removed"
    RENAMED = "renamed"
    COPIED = "copied"
    CHANGED = "changed"
    UNCHANGED = "unchanged"


@read_only
class ChangedFile:
    """One changed file.

    ``patch`` holds the file's hunks exactly as GitHub returns them (starting at the first
    ``@@`` line, no ``diff --git`` header); ``None`` means the patch is not available
    (binary file, pure rename, mode change). When lines did change but the patch was
    withheld, ``patch_unavailable`` is set and the engine treats every ``changed_lines``
    rule whose paths select the file as matched, so that it never fails open.
    """

    path: str
    status: FileStatus = FileStatus.MODIFIED
    previous_path: str | None = None
    patch: str | None = None
    binary: bool = False
    patch_unavailable: bool = False
    """Lines changed but the patch was withheld (GitHub omits it for very large diffs)."""
    before: str | None = None
    """The whole old text, when the edge has it (a local git range); detectors compare
    whole documents when they can, and read the hunks otherwise."""
    after: str | None = None
    """The whole new text, likewise."""

    @property
    def paths(self) -> tuple[str, ...]:
        """Both names of a renamed or copied file, else the one path."""
        if self.previous_path and self.previous_path != self.path:
            return (self.path, self.previous_path)
        return (self.path,)


class ReviewState(StrEnum):
    """A review's state as the REST API spells it (webhooks use lower case)."""

    APPROVED = "APPROVED"
    CHANGES_REQUESTED = "CHANGES_REQUESTED"
    COMMENTED = "COMMENTED"
    DISMISSED = "DISMISSED"
    PENDING = "PENDING"

    @classmethod
    def parse(cls, value: str) -> ReviewState:
        return cls(value.upper())


@dataclass(frozen=True, slots=True)
class Review:
    """A submitted review, in the order GitHub lists them (oldest first)."""

    reviewer: str
    state: ReviewState
    commit_sha: str
    review_id: int = 0
    submitted_at: str | None = None


@dataclass(frozen=True, slots=True)
class Override:
    """A final decision recorded by engineering management on a disputed group."""

    group: str
    approve: bool
    decided_by: str
    rationale: str


@dataclass(frozen=True, slots=True)
class CallDecision:
    """The outcome of a group's review call for this pull request (``/arch-decision``),
    the latest one recorded: ``approve`` counts as the decider's approval, ``changes``
    blocks as their requested change, ``reject`` blocks and rejects the change.

    ``at`` is when it was recorded (ISO 8601): a standing review the decider submits
    later takes its place for ``approve`` and ``changes``, as a later review replaces an
    earlier one. It never goes stale on a push: it was the call's outcome for the change.
    """

    group: str
    verdict: str
    decided_by: str
    rationale: str
    at: str = ""


@dataclass(frozen=True, slots=True)
class PullSnapshot:
    """Everything the engine needs to decide one pull request.

    ``changed_since`` maps a reviewed commit sha to the set of paths that changed between
    that commit and the head (``None`` when it could not be determined, which makes
    approvals on that commit stale for every governed file: fail closed).
    ``group_members`` holds members resolved at the edge (for example from a GitHub
    team), merged by the engine with the members listed in the rules; logins compare
    case-insensitively.
    """

    files: tuple[ChangedFile, ...]
    repository: str = ""
    number: int | None = None
    title: str = ""
    body: str = ""
    head_ref: str = ""
    base_ref: str = ""
    author: str = ""
    head_sha: str = ""
    files_truncated: bool = False
    reviews: tuple[Review, ...] = ()
    changed_since: Mapping[str, frozenset[str] | None] = field(default_factory=dict)
    group_members: Mapping[str, frozenset[str]] = field(default_factory=dict)
    overrides: tuple[Override, ...] = ()
    call_decisions: tuple[CallDecision, ...] = ()
