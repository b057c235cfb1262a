"""Whole old and new texts of a file, rebuilt from its patch when the patch holds them.

A patch shows the whole file when the file is new or deleted, or when its hunks run from
the first line to the last without a gap. The last is recognised by git's default three
lines of context: a hunk that ends with fewer than three context lines has reached the end
of the file (a patch made with other context widths is never taken for a whole file, as
its leading context shows). A parser that reads a whole document (JSON, YAML, TOML,
GraphQL) can then compare before with after instead of guessing from single lines.
"""

from __future__ import annotations

import itertools

from app.policy.hunks import DiffError, read_hunk_header
from app.policy.snapshot import ChangedFile, FileStatus

CONTEXT = 3


def whole_texts(changed: ChangedFile) -> tuple[str | None, str | None]:
    """``(before, after)`` when the patch covers the whole file, else ``(None, None)``.

    A new file has no ``before`` (``""``) and a deleted one no ``after``.
    """
    patch = changed.patch
    if patch is None or changed.patch_unavailable:
        return None, None
    try:
        hunks = _hunks(patch)
    except DiffError:
        return None, None
    if not hunks or not _covers_whole_file(hunks):
        return None, None
    old: list[str] = []
    new: list[str] = []
    old_eol = new_eol = True
    for _header, body in hunks:
        last: str | None = None
        for line in body:
            first = line[:1]
            if first == "\\":
                if last in ("-", " "):
                    old_eol = False
                if last in ("+", " "):
                    new_eol = False
                continue
            text = line[1:]
            if first in (" ", ""):
                old.append(text)
                new.append(text)
            elif first == "-":
                old.append(text)
            elif first == "+":
                new.append(text)
            last = first or " "
    before = _join(old, old_eol)
    after = _join(new, new_eol)
    if changed.status is FileStatus.ADDED:
        before = ""
    elif changed.status is FileStatus.REMOVED:
        after = ""
    return before, after


def _join(lines: list[str], eol: bool) -> str:
    if not lines:
        return ""
    return "\n".join(lines) + ("\n" if eol else "")


_Hunk = tuple[tuple[int, int, int, int], list[str]]


def _hunks(patch: str) -> list[_Hunk]:
    hunks: list[_Hunk] = []
    for line in patch.split("\n"):
        if line.startswith("@@"):
            header = read_hunk_header(line)
            if header is None:
                raise DiffError("malformed hunk header")
            hunks.append((tuple(header), []))  # type: ignore[arg-type]
        elif hunks:
            hunks[-1][1].append(line)
    for _header, body in hunks:
        while body and body[-1] == "":
            body.pop()
    return hunks


def _covers_whole_file(hunks: list[_Hunk]) -> bool:
    (old_start, _, new_start, _), _ = hunks[0]
    if old_start > 1 or new_start > 1:
        return False
    for (prev, _), (nxt, _) in itertools.pairwise(hunks):
        if prev[0] + prev[1] != nxt[0] or prev[2] + prev[3] != nxt[2]:
            return False
    header, body = hunks[-1]
    if header[1] == 0 or header[3] == 0:  # a new or deleted file
        return True
    trailing = 0
    for line in reversed(body):
        if line.startswith("\\"):
            return True  # a "No newline at end of file" marker: the end by definition
        if line[:1] not in (" ", ""):
            break
        trailing += 1
    return trailing < CONTEXT
