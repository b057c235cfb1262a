"""Patches for detector tests, made from before/after texts as git would show them."""

from __future__ import annotations

import difflib

from app.policy.detectors.base import FileView
from app.policy.snapshot import ChangedFile, FileStatus


def patch_of(before: str, after: str, context: int = 3) -> str:
    """A GitHub-style patch (hunks only, no file header) turning ``before`` into ``after``."""
    lines = list(
        difflib.unified_diff(
            before.splitlines(keepends=True), after.splitlines(keepends=True), n=context
        )
    )[2:]
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines).rstrip("\n")


def view_of(path: str, before: str, after: str, context: int = 3) -> FileView:
    status = (
        FileStatus.ADDED if not before else FileStatus.REMOVED if not after else FileStatus.MODIFIED
    )
    return FileView(ChangedFile(path=path, status=status, patch=patch_of(before, after, context)))


def changed_file(path: str, before: str, after: str) -> ChangedFile:
    return view_of(path, before, after).changed
