"""Detectors: what a change does to a file, read in the file's own language.

Rules name what they care about as finding kinds in ``detect`` (``dependency.added``,
``messaging.*``); :func:`kind_accepts` decides whether a reported kind answers a rule's
pattern, and :func:`unknown_kind` validates the patterns a rules file writes.
"""

from __future__ import annotations

import fnmatch
import functools
import importlib
from collections.abc import Iterator
from functools import cache

from app.policy.detectors.base import UNREADABLE, Detector, FileView, Finding

__all__ = ["DETECTORS", "Detector", "FileView", "Finding", "kind_accepts", "unknown_kind"]


# Detector name -> its module, in the order findings are reported. A detector's module
# (its parsers: YAML, TOML, XML, GraphQL) is imported the first time a rule asks for it.
_MODULES = {
    "dependency": "dependencies",
    "api": "api_contracts",
    "messaging": "messaging",
    "authz": "authz",
    "deploy": "deploy",
    "helm": "helm",
    "design": "design_docs",
}


@cache
def _load(name: str) -> Detector:
    module = importlib.import_module(f"{__name__}.{_MODULES[name]}")
    detector: Detector = module.DETECTOR
    if detector.name != name:
        raise LookupError(f"{module.__name__} defines detector {detector.name!r}, not {name!r}")
    return detector


class _Detectors:
    """The registry: every name is known at once, each detector loaded on first use."""

    def __getitem__(self, name: str) -> Detector:
        if name not in _MODULES:
            raise KeyError(name)
        return _load(name)

    def __contains__(self, name: object) -> bool:
        return name in _MODULES

    def __iter__(self) -> Iterator[str]:
        return iter(_MODULES)

    def values(self) -> list[Detector]:
        return [_load(name) for name in _MODULES]


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


@functools.cache
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
