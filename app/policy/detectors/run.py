"""Running detectors on one changed file, each at most once."""

from __future__ import annotations

import functools

from app.policy.detectors import DETECTORS, detector_names, kind_accepts
from app.policy.detectors.base import FileView, Finding
from app.policy.snapshot import ChangedFile


class FileDetections:
    """The findings of every detector a file's rules ask for, computed on first use."""

    def __init__(self, changed: ChangedFile) -> None:
        self._view = FileView(changed)
        self._found: dict[str, list[Finding]] = {}
        self._ignored: set[str] = set()

    def _findings(self, name: str) -> list[Finding] | None:
        """A detector's findings, or ``None`` when it does not read this kind of file."""
        if name in self._ignored:
            return None
        if name not in self._found:
            detector = DETECTORS[name]
            if not detector.handles(self._view.path):
                self._ignored.add(name)
                return None
            if self._view.changed.binary or (
                self._view.changed.patch is None and not self._view.changed.patch_unavailable
            ):
                self._found[name] = []  # a rename or mode change: no content changed
            else:
                self._found[name] = detector.run(self._view)
        return self._found[name]

    def accepted(self, patterns: tuple[str, ...]) -> tuple[Finding, ...]:
        """The findings that answer a rule's ``detect`` patterns."""
        kept: list[Finding] = []
        for name in _names(patterns):
            for found in self._findings(name) or ():
                if kind_accepts(patterns, found.kind):
                    kept.append(found)
        return tuple(kept)

    def read_for(self, patterns: tuple[str, ...]) -> list[str]:
        """The detectors that found something in this file, though not what was asked:
        worth a note ("go.mod: 6 version bumps, no new Go module")."""
        return [name for name in _names(patterns) if self._found.get(name)]

    def summary(self, name: str) -> str:
        return DETECTORS[name].summarize(self._view.path, self._found.get(name) or [])


@functools.cache
def _names(patterns: tuple[str, ...]) -> list[str]:
    """The detectors a rule's patterns name (asked for every file: remembered)."""
    names: list[str] = []
    for pattern in patterns:
        for name in detector_names(pattern):
            if name not in names:
                names.append(name)
    return names
