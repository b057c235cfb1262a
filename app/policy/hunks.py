"""Hunks of a unified diff: their headers, where they end, and the lines they change.

Two readers live here. :func:`hunks_end` measures a run of hunks inside a whole diff
without visiting its lines in Python when the hunks are well formed (it compares the
header's line counts with C-level substring counts and only walks a hunk line by line
when something else follows it, such as a ``git format-patch`` signature).
:func:`changed_lines` is the per-line reader of one file's ``patch``, used only for the
few files whose rules look at line contents.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Literal, NamedTuple

__all__ = [
    "DiffError",
    "HunkHeader",
    "LineChange",
    "TruncatedHunkError",
    "changed_lines",
    "hunks_end",
    "line_number",
    "malformed_header",
    "read_hunk_header",
]

_HUNK_HEADER = re.compile(r"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


class DiffError(ValueError):
    """Text that is not a unified diff, or a diff gatehouse cannot read safely.

    ``line`` is the 1-based line of the input (or of the patch) where reading stopped.
    """

    def __init__(self, message: str, line: int | None = None) -> None:
        self.line = line
        super().__init__(message if line is None else f"line {line}: {message}")


class TruncatedHunkError(DiffError):
    """The text ended before a hunk had all the lines its header counts.

    In a plain diff this is how a false file boundary shows (a removed ``-- x`` line and an
    added ``++ y`` line print as ``--- x``/``+++ y``), so the reader retries with the
    following boundary before giving up.
    """


class HunkHeader(NamedTuple):
    """The ``@@ -old_start,old_count +new_start,new_count @@`` numbers (counts default 1)."""

    old_start: int
    old_count: int
    new_start: int
    new_count: int


class LineChange(NamedTuple):
    """One added or removed line: its number on its own side and its text.

    ``line`` counts in the new file for ``added`` and in the old file for ``removed``;
    ``text`` has no ``+``/``-`` marker and no line ending (a trailing ``\\r`` is dropped).
    """

    side: Literal["added", "removed"]
    line: int
    text: str


def read_hunk_header(line: str) -> HunkHeader | None:
    """The numbers of a hunk header line, or ``None`` when it is malformed."""
    match = _HUNK_HEADER.match(line)
    if match is None:
        return None
    old_start, old_count, new_start, new_count = match.groups()
    return HunkHeader(
        int(old_start),
        1 if old_count is None else int(old_count),
        int(new_start),
        1 if new_count is None else int(new_count),
    )


def malformed_header(line: str, line_number: int) -> DiffError:
    """The error for a malformed hunk header, quoting (the start of) the line."""
    shown = line.rstrip("\r")
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    return DiffError(f"malformed hunk header {shown!r}", line_number)


def line_number(doc: str, pos: int) -> int:
    """The input line at ``pos`` of a document that starts with one extra ``\\n``.

    It costs a scan from the start, so it is only computed for an error message."""
    return doc.count("\n", 0, pos)


def hunks_end(doc: str, first: int, end: int) -> int:
    """Where the run of hunks starting at ``first`` ends, at most ``end``.

    ``doc`` is the diff with one ``\\n`` added in front (so that every line start follows a
    newline) and ending in ``\\n``; ``first`` is the start of an ``@@`` line. Every ``@@``
    line before ``end`` must be a well-formed hunk whose body matches its header's counts;
    text after the last hunk (a mail signature, the next commit's header) is left out.
    Raises :class:`DiffError` naming the input line otherwise.
    """
    pos = first
    while True:
        eol = doc.find("\n", pos, end)
        header = read_hunk_header(doc[pos:eol])
        if header is None:
            raise malformed_header(doc[pos:eol], line_number(doc, pos))
        following = doc.find("\n@@", eol, end)
        limit = end if following < 0 else following + 1
        stop = _hunk_end(doc, pos, eol, limit, header)
        if following < 0:
            return stop
        if stop != limit:
            raise DiffError("unexpected text between two hunks", line_number(doc, stop))
        pos = limit


def _hunk_end(doc: str, start: int, eol: int, limit: int, header: HunkHeader) -> int:
    """End of the hunk whose header spans ``start``..``eol``, searching no further than
    ``limit``. The common case (the body fills ``limit`` exactly) costs a few C scans."""
    context = doc.count("\n ", eol, limit)
    removed = doc.count("\n-", eol, limit)
    added = doc.count("\n+", eol, limit)
    if context + removed == header.old_count and context + added == header.new_count:
        extra = doc.count("\n", eol, limit - 1) - (context + removed + added)
        # Only "\ No newline" markers may remain; they are rare, so counted last.
        if extra == 0 or extra == doc.count("\n\\", eol, limit):
            return limit
    return _walk_hunk(doc, start, eol, limit, header)


def _walk_hunk(doc: str, start: int, eol: int, limit: int, header: HunkHeader) -> int:
    old_left, new_left = header.old_count, header.new_count
    pos = eol + 1
    while old_left > 0 or new_left > 0:
        if pos >= limit:
            raise TruncatedHunkError(
                "hunk is shorter than its header says", line_number(doc, start)
            )
        first = doc[pos]
        if first in " \n\r":  # context, or a context line whose blank was stripped
            old_left -= 1
            new_left -= 1
        elif first == "-":
            old_left -= 1
        elif first == "+":
            new_left -= 1
        elif first != "\\":
            raise DiffError(
                "hunk is shorter than its header says (unexpected line inside it)",
                line_number(doc, pos),
            )
        if old_left < 0 or new_left < 0:
            raise DiffError("hunk is longer than its header says", line_number(doc, start))
        pos = doc.find("\n", pos, limit) + 1 or limit
    while pos < limit and doc[pos] == "\\":  # "\ No newline at end of file"
        pos = doc.find("\n", pos, limit) + 1 or limit
    return pos


def changed_lines(patch: str) -> Iterator[LineChange]:
    """Every added and removed line of one file's ``patch``, in order.

    ``patch`` is a file's hunks as :attr:`ChangedFile.patch` holds them (GitHub's format:
    starting at an ``@@`` line). Lines are split on ``\\n`` only, not with
    ``str.splitlines``, which would also break lines at form feeds and Unicode line
    separators inside the content and shift every following line number. Raises
    :class:`DiffError` (with the patch's line number) on a malformed hunk header, on text
    before the first hunk, or on a line that is not part of a hunk.
    """
    if not patch:
        return
    if not patch.startswith("@@"):
        raise DiffError("a patch must start with a hunk header ('@@ -a,b +c,d @@')", 1)
    old = new = 0
    for index, line in enumerate(patch.split("\n")):
        first = line[:1]
        if first == "+":
            text = line[1:]
            yield LineChange("added", new, text[:-1] if text.endswith("\r") else text)
            new += 1
        elif first == "-":
            text = line[1:]
            yield LineChange("removed", old, text[:-1] if text.endswith("\r") else text)
            old += 1
        elif first == " " or not line or first == "\r":
            old += 1
            new += 1
        elif first == "@":
            header = read_hunk_header(line)
            if header is None:
                raise malformed_header(line, index + 1)
            old, new = header.old_start, header.new_start
        elif first != "\\":
            raise DiffError(f"unexpected line in a hunk: {line[:40]!r}", index + 1)
