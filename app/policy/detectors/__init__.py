"""Detectors: what a change does to a file, read in the file's own language.

Rules name what they care about as finding kinds in ``detect`` (``dependency.added``,
``messaging.*``); :func:`kind_accepts` decides whether a reported kind answers a rule's
pattern, and :func:`unknown_kind` validates the patterns a rules file writes.
"""

from __future__ import annotations

import fnmatch
from functools import cache

from app.policy.detectors.base import UNREADABLE, Detector, FileView, Finding

__all__ = ["DETECTORS", "Detector", "FileView", "Finding", "kind_accepts", "unknown_kind"]


@cache
def _registry() -> dict[str, Detector]:
    from app.policy.detectors import (
        api_contracts,
        authz,
        dependencies,
        deploy,
        design_docs,
        helm,
        messaging,
    )

    detectors = (
        dependencies.DETECTOR,
        api_contracts.DETECTOR,
        messaging.DETECTOR,
        authz.DETECTOR,
        deploy.DETECTOR,
        helm.DETECTOR,
        design_docs.DETECTOR,
    )
    return {detector.name: detector for detector in detectors}


class _Detectors:
    """The registry, loaded on first use so that importing the engine stays cheap."""

    def __getitem__(self, name: str) -> Detector:
        return _registry()[name]

    def __contains__(self, name: object) -> bool:
        return name in _registry()

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(_registry())

    def values(self) -> list[Detector]:
        return list(_registry().values())


DETECTORS = _Detectors()


def all_kinds() -> list[str]:
    """Every kind a rule may name, ``detector.kind``, including ``detector.unreadable``."""
    kinds = []
    for detector in DETECTORS.values():
        kinds += [f"{detector.name}.{kind}" for kind in detector.kinds]
        kinds.append(f"{detector.name}.{UNREADABLE}")
    return kinds


def detector_names(pattern: str) -> list[str]:
    """The detectors a ``detect`` pattern can select (``dependency.added`` -> dependency)."""
    name = pattern.partition(".")[0]
    return [d for d in DETECTORS if fnmatch.fnmatchcase(d, name)]


def unknown_kind(pattern: str) -> str | None:
    """Why a ``detect`` pattern names nothing, or ``None`` when it is valid."""
    if "." not in pattern:
        return (
            f"{pattern!r} is not a finding kind: write detector.kind, e.g. "
            f"'{pattern}.*' or 'dependency.added'"
        )
    if not any(fnmatch.fnmatchcase(kind, pattern) for kind in all_kinds()):
        known = ", ".join(all_kinds())
        return f"{pattern!r} matches no finding kind; the kinds are: {known}"
    return None


def kind_accepts(patterns: tuple[str, ...], kind: str) -> bool:
    """Whether a reported kind answers one of a rule's patterns.

    ``detector.unreadable`` answers every pattern of its detector: a file that could not be
    read counts as a change of every kind the rule asks for (fail closed).
    """
    detector, _, what = kind.partition(".")
    for pattern in patterns:
        if fnmatch.fnmatchcase(kind, pattern):
            return True
        if what == UNREADABLE and fnmatch.fnmatchcase(detector, pattern.partition(".")[0]):
            return True
    return False
