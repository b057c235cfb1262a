"""Reading a unified diff into the :class:`ChangedFile` records the engine evaluates.

:func:`split_unified_diff` accepts what ``git diff``, ``git show``, ``git format-patch``
(one or several commits, mail headers and signatures included) and GNU ``diff -u`` /
``diff -ruN`` print. It finds file boundaries with one compiled regex over the whole text,
reads only each file's few header lines, and slices the hunks out as the file's ``patch``
in GitHub's ``pulls/list-files`` format; hunk lines are only measured with C-level
substring counts, never visited one by one, so large diffs stay cheap. Reading the
added and removed lines is left to :func:`changed_lines`, for the few files whose rules
look at line contents.

Guarantees:

- files come out in the order of the input; a path that appears several times (a series
  of commits concatenated) yields one record per occurrence, each with its own patch;
- every ``@@`` line of a file is a well-formed hunk whose body matches its header's line
  counts, or :class:`DiffError` is raised with the input line number: a diff is never
  half read;
- when the input holds any ``diff --git`` line it is read as git output, and plain
  ``---``/``+++`` pairs are then only headers of those files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from app.policy.diff_names import (
    DEV_NULL,
    common_prefixes,
    guess_prefixes,
    header_name,
    split_pair,
    strip_prefix,
    unquote,
)
from app.policy.hunks import (
    DiffError,
    HunkHeader,
    LineChange,
    TruncatedHunkError,
    changed_lines,
    hunks_end,
    line_number,
    read_hunk_header,
)
from app.policy.snapshot import ChangedFile, FileStatus

__all__ = ["DiffError", "LineChange", "changed_lines", "split_unified_diff"]

# Every pattern starts with "\n": the document is the input with one newline put in
# front, so a literal first character lets the regex engine scan at memchr speed.
_GIT_FILE = re.compile(r"\ndiff --(?:git|cc|combined) ")
_PLAIN_FILE = re.compile(
    r"\n(?:diff [^\n]*\n)?(?:--- [^\n]*\n\+\+\+ [^\n]*\n@@|Binary files [^\n]* differ\r?\n)"
)
_GIT_HEADER_KEYS = (
    "index ",
    "--- ",
    "+++ ",
    "new file mode ",
    "deleted file mode ",
    "old mode ",
    "new mode ",
    "similarity index ",
    "dissimilarity index ",
    "rename from ",
    "rename to ",
    "copy from ",
    "copy to ",
)


def split_unified_diff(text: str) -> tuple[ChangedFile, ...]:
    """The files a unified diff changes, with their status, names and hunks.

    ``patch`` is the file's hunks from its first ``@@`` line to the end of its last hunk,
    without a final newline, as GitHub returns it; it is ``None`` for a binary file and
    for a change without hunks (a pure rename, a mode change, an empty new file). Files
    keep the input's order; a path changed by several concatenated commits appears once per
    commit (the engine matches each record, so none of the changes is hidden by another).
    Empty or blank input gives no files. Raises :class:`DiffError` (a ``ValueError``) naming the
    line for text that holds no file header at all, for a malformed hunk header, and for
    hunks whose bodies do not match their headers.
    """
    if not text or text.isspace():
        return ()
    doc = "\n" + text if text.endswith("\n") else "\n" + text + "\n"
    starts = [match.start() + 1 for match in _GIT_FILE.finditer(doc)]
    if starts:
        ends = [*starts[1:], len(doc)]
        return tuple(_read_git_file(doc, s, e) for s, e in zip(starts, ends, strict=True))
    starts = [match.start() + 1 for match in _PLAIN_FILE.finditer(doc)]
    if not starts:
        blank = len(text) - len(text.lstrip())
        raise DiffError(
            "not a unified diff: no 'diff --git' line and no '---'/'+++' header pair "
            "followed by a hunk",
            text.count("\n", 0, blank) + 1,
        )
    return _read_plain_files(doc, starts)


def _read_plain_files(doc: str, starts: list[int]) -> tuple[ChangedFile, ...]:
    """Plain diffs have no unambiguous file line: a candidate boundary that falls inside
    the previous file's last hunk (by its line counts) is content, not a header."""
    files: list[ChangedFile] = []
    current = 0
    while current < len(starts):
        following = current + 1
        while True:
            end = starts[following] if following < len(starts) else len(doc)
            try:
                files.append(_read_plain_file(doc, starts[current], end))
                break
            except TruncatedHunkError:
                if following >= len(starts):
                    raise
                following += 1
        current = following
    return tuple(files)


@dataclass(slots=True)
class _GitHeader:
    """What the extended header lines of one ``diff --git`` section said."""

    fields: dict[str, str] = field(default_factory=dict)
    hunks_at: int = -1
    binary: bool = False


def _read_git_file(doc: str, start: int, end: int) -> ChangedFile:
    eol = doc.find("\n", start)
    first = _line(doc, start, eol)
    if not first.startswith("diff --git "):
        raise DiffError(
            "combined diffs of merge commits ('diff --cc') are not supported; "
            "diff against one parent instead",
            line_number(doc, start),
        )
    header = _read_git_header(doc, eol + 1, end)
    patch = None
    if header.hunks_at >= 0:
        patch = doc[header.hunks_at : hunks_end(doc, header.hunks_at, end) - 1]
    fields = header.fields
    minus = header_name(fields["--- "]) if "--- " in fields else None
    plus = header_name(fields["+++ "]) if "+++ " in fields else None
    old, new = _git_names(first[len("diff --git ") :], fields, minus, plus)
    if old is None or new is None:
        raise DiffError("cannot tell the two file names apart", line_number(doc, start))
    if "deleted file mode " in fields or plus == DEV_NULL:
        return ChangedFile(old, FileStatus.REMOVED, None, patch, header.binary)
    if "new file mode " in fields or minus == DEV_NULL:
        return ChangedFile(new, FileStatus.ADDED, None, patch, header.binary)
    if "copy from " in fields or "copy to " in fields:
        return ChangedFile(new, FileStatus.COPIED, old, patch, header.binary)
    if old != new:
        return ChangedFile(new, FileStatus.RENAMED, old, patch, header.binary)
    return ChangedFile(new, FileStatus.MODIFIED, None, patch, header.binary)


def _read_git_header(doc: str, pos: int, end: int) -> _GitHeader:
    """Reads extended header lines up to the first hunk; anything else (a signature,
    the next commit's mail header) ends the section, which then has no hunks."""
    header = _GitHeader()
    while pos < end:
        eol = doc.find("\n", pos, end)
        line = _line(doc, pos, eol)
        if line.startswith("@@"):
            header.hunks_at = pos
            return header
        if line.startswith(("GIT binary patch", "Binary files ")):
            header.binary = True
            return header
        key = next((key for key in _GIT_HEADER_KEYS if line.startswith(key)), None)
        if key is None:
            if doc.find("\n@@", pos - 1, end) >= 0:
                raise DiffError("unexpected line in a file header", line_number(doc, pos))
            return header
        header.fields[key] = line[len(key) :]
        pos = eol + 1
    return header


def _git_names(
    rest: str, fields: dict[str, str], minus: str | None, plus: str | None
) -> tuple[str | None, str | None]:
    """Old and new path. ``rename``/``copy`` lines are exact; ``---``/``+++`` lines come
    next; the ``diff --git`` line (ambiguous when names hold spaces) comes last. Prefixes
    are learnt from the ``diff --git`` line, so ``--no-prefix`` output keeps its names."""
    pair = split_pair(rest, " ")
    prefixes = common_prefixes(*pair) if pair is not None else None
    if prefixes is None and minus is not None and plus is not None:
        prefixes = guess_prefixes(minus, plus)
    if prefixes is None and pair is not None:
        prefixes = guess_prefixes(*pair)
    old_prefix, new_prefix = prefixes or ("", "")

    def pick(exact: tuple[str, str], side: str | None, index: int, prefix: str) -> str | None:
        for key in exact:
            if key in fields:
                return unquote(fields[key])
        if side is not None and side != DEV_NULL:
            return strip_prefix(side, prefix)
        return strip_prefix(pair[index], prefix) if pair is not None else None

    old = pick(("rename from ", "copy from "), minus, 0, old_prefix)
    new = pick(("rename to ", "copy to "), plus, 1, new_prefix)
    return old, new


def _read_plain_file(doc: str, start: int, end: int) -> ChangedFile:
    eol = doc.find("\n", start)
    line = _line(doc, start, eol)
    if line.startswith("diff "):
        start, eol = eol + 1, doc.find("\n", eol + 1)
        line = _line(doc, start, eol)
    patch = None
    if line.startswith("Binary files "):
        pair = split_pair(line[len("Binary files ") : -len(" differ")], " and ")
        if pair is None:
            raise DiffError("cannot tell the two file names apart", line_number(doc, start))
        minus, plus = pair
    else:
        minus = header_name(line[len("--- ") :])
        hunks_at = doc.find("\n", eol + 1) + 1
        plus = header_name(_line(doc, eol + 1, hunks_at - 1)[len("+++ ") :])
        patch = doc[hunks_at : hunks_end(doc, hunks_at, end) - 1]
    old_prefix, new_prefix = guess_prefixes(minus, plus)
    old, new = strip_prefix(minus, old_prefix), strip_prefix(plus, new_prefix)
    binary = patch is None
    sole = _sole_hunk(patch)
    if minus == DEV_NULL or (sole is not None and sole.old_start == sole.old_count == 0):
        return ChangedFile(new, FileStatus.ADDED, None, patch, binary)
    if plus == DEV_NULL or (sole is not None and sole.new_start == sole.new_count == 0):
        return ChangedFile(old, FileStatus.REMOVED, None, patch, binary)
    if old != new:
        return ChangedFile(new, FileStatus.RENAMED, old, patch, binary)
    return ChangedFile(new, FileStatus.MODIFIED, None, patch, binary)


def _sole_hunk(patch: str | None) -> HunkHeader | None:
    """The header of a patch's only hunk (already validated). Plain diffs have no ``new
    file`` line: a sole hunk from or to ``0,0`` (GNU ``diff -N`` against a missing file)
    says it instead."""
    if patch is None or "\n@@" in patch:
        return None
    return read_hunk_header(patch.partition("\n")[0])


def _line(doc: str, start: int, eol: int) -> str:
    line = doc[start:eol]
    return line[:-1] if line.endswith("\r") else line
