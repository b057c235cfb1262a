"""What a detector sees of a changed file and what it reports.

A detector reads one changed file in its own language (a Go module file, an OpenAPI
document, a Dockerfile) and reports :class:`Finding` objects: what the change *does* there
("new Go module github.com/nats-io/nats.go", "operation DELETE /committees/{uid} removed"),
each with the line that shows it. Detectors are pure functions of a :class:`FileView`; they
never fetch anything.

Detectors fail closed: a file they cannot read (a withheld patch, a document that does not
parse) yields one finding of kind ``<detector>.unreadable``, which every rule asking for
any kind of that detector accepts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

from app.policy.diff_whole import whole_texts
from app.policy.hunks import DiffError, LineChange, changed_lines
from app.policy.snapshot import ChangedFile, FileStatus

Side = Literal["added", "removed"]

UNREADABLE = "unreadable"


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing a detector found in one file, with its evidence.

    ``kind`` is ``detector.what`` (``dependency.added``); ``line`` is the line number on
    ``side`` (new file for added lines, old file for removed ones), ``None`` when the
    finding is about the file as a whole.
    """

    kind: str
    path: str
    message: str
    line: int | None = None
    side: Side | None = None
    key: str | None = None
    """What was added or removed (a subject name): an ``added`` and a ``removed`` finding
    of one detector with the same key in two files of one change is a move, not news."""

    @property
    def detector(self) -> str:
        return self.kind.partition(".")[0]


class Unreadable(Exception):
    """Raised by a detector that cannot make sense of a file; the file then counts."""


@dataclass
class FileView:
    """A changed file as detectors read it: its lines, and whole texts when known.

    ``before``/``after`` are the whole old and new texts: given by the snapshot when the
    edge fetched them, else rebuilt from the patch when its hunks cover the whole file
    (a new or deleted file, or a short one), else ``None``.
    """

    changed: ChangedFile
    _lines: list[LineChange] | None = field(default=None, repr=False)

    @property
    def path(self) -> str:
        return self.changed.path

    @property
    def status(self) -> FileStatus:
        return self.changed.status

    @property
    def readable(self) -> bool:
        """False when lines changed but the patch is not available to read."""
        return not self.changed.patch_unavailable

    @property
    def lines(self) -> list[LineChange]:
        if self._lines is None:
            try:
                self._lines = list(changed_lines(self.changed.patch or ""))
            except DiffError as exc:
                raise Unreadable(f"the patch cannot be read ({exc})") from None
        return self._lines

    def added(self) -> Iterator[LineChange]:
        return (line for line in self.lines if line.side == "added")

    def removed(self) -> Iterator[LineChange]:
        return (line for line in self.lines if line.side == "removed")

    @cached_property
    def texts(self) -> tuple[str | None, str | None]:
        """``(before, after)`` whole texts, each ``None`` when unknown."""
        changed = self.changed
        if changed.before is not None or changed.after is not None:
            return changed.before, changed.after
        return whole_texts(changed)

    def finding(
        self,
        kind: str,
        message: str,
        line: LineChange | int | None = None,
        key: str | None = None,
    ) -> Finding:
        if isinstance(line, LineChange):
            return Finding(kind, self.path, message, line.line, line.side, key)
        side: Side | None = "added" if line is not None else None
        return Finding(kind, self.path, message, line, side, key)


DetectFunction = Callable[[FileView], list[Finding]]
Handles = Callable[[str], bool]
Summarize = Callable[[str, list[Finding]], str]


@dataclass(frozen=True)
class Detector:
    """A kind of meaning: the files it reads, the finding kinds it reports, and how.

    ``summarize`` turns the findings of one file into a short sentence for people
    ("go.mod: 6 version bumps, no new module"), used where a file was read but did not
    trigger a rule.
    """

    name: str
    title: str
    kinds: dict[str, str]
    handles: Handles
    detect: DetectFunction
    summarize: Summarize

    def run(self, view: FileView) -> list[Finding]:
        """The findings for one file; an unreadable file is one ``unreadable`` finding."""
        if not view.readable:
            return [self.unreadable(view.path, "its changed lines are not available")]
        try:
            return self.detect(view)
        except Unreadable as exc:
            return [self.unreadable(view.path, str(exc))]
        except Exception as exc:  # a parser's error of any type: the file counts
            return [self.unreadable(view.path, _first_line(f"{type(exc).__name__}: {exc}"))]

    def unreadable(self, path: str, why: str) -> Finding:
        return Finding(
            f"{self.name}.{UNREADABLE}",
            path,
            f"could not be read as {self.title} ({why}); counted as such a change",
        )


def _first_line(text: str) -> str:
    line = text.strip().split("\n", 1)[0]
    return line if len(line) <= 160 else line[:157] + "..."


LOCK_FILES = frozenset({
    "package-lock.json", "npm-shrinkwrap.json", "pnpm-lock.yaml", "yarn.lock", "go.sum",
    "Cargo.lock", "poetry.lock", "Pipfile.lock", "composer.lock", "Gemfile.lock",
    ".terraform.lock.hcl", "uv.lock", "packages.lock.json", "bun.lockb",
})  # fmt: skip


def is_lock_file(path: str) -> bool:
    """Generated lock files follow their manifests and are never read for meaning."""
    return basename(path) in LOCK_FILES


def basename(path: str) -> str:
    return path.rpartition("/")[2]


def count_phrase(count: int, singular: str, plural: str | None = None) -> str:
    """``1 version bump``, ``6 version bumps``, ``no new module``."""
    if count == 0:
        return f"no {singular}"
    return f"{count} {singular if count == 1 else plural or singular + 's'}"


def default_summary(path: str, findings: list[Finding]) -> str:
    if not findings:
        return f"{path}: nothing of note"
    kinds: dict[str, int] = {}
    for found in findings:
        what = found.kind.partition(".")[2]
        kinds[what] = kinds.get(what, 0) + 1
    return f"{path}: " + ", ".join(f"{n} {what}" for what, n in kinds.items())
