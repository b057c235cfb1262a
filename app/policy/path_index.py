"""Which of a rule set's patterns match a path, decided per directory and per file name.

Every pattern is filed under the literal it pins (:attr:`PathPattern.prefix`, ``name``,
``extension``), so a path is only ever tested against the patterns its leading
directories, components or extension can reach; patterns pinning nothing are tried on
every path. Patterns pathspec writes a literal regular expression for are tested with
string methods (:mod:`app.policy.literal_patterns`), most of them once per directory and
once per file name rather than once per path: a change's 3,000 files share a few hundred
directories. The others run their regular expression, compiled the first time a path
needs it.

A :class:`PatternIndex` pickles as plain data and regular-expression sources, so one
loaded from ``gatehouse check``'s cache imports neither pathspec nor the pattern compiler.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from app.policy.literal_patterns import (
    IndexKind,
    StringTest,
    part_tests,
    recognise,
    string_test,
)

if TYPE_CHECKING:
    from app.policy.patterns import PathPattern

_Search = Callable[[str], "re.Match[str] | None"]
_Test = Callable[[str], "bool | re.Match[str] | None"]
# What a directory or a name decides alone, the units to test on each whole path, and the
# units that the other part's test decides.
_Entry = tuple[frozenset[int], tuple[int, ...], tuple[tuple[int, StringTest], ...]]
_Key = TypeVar("_Key")
_Value = TypeVar("_Value")
_NONE: frozenset[int] = frozenset()


class PatternIndex:
    """The patterns (*units*, numbered in order) and the literals they pin.

    Safe to share between threads: the only mutable state is bounded caches and regular
    expressions compiled on first use, and a lost update only costs time.
    """

    CACHE_LIMIT = 65_536

    def __init__(self, patterns: Sequence[PathPattern]) -> None:
        by_prefix: dict[str, list[int]] = {}
        by_name: dict[str, list[int]] = {}
        by_extension: dict[str, list[int]] = {}
        generic: list[int] = []
        hints: list[tuple[IndexKind, str]] = []
        for unit, pattern in enumerate(patterns):
            if pattern.prefix is not None:
                by_prefix.setdefault(pattern.prefix, []).append(unit)
                hints.append(("prefix", pattern.prefix))
            elif pattern.name is not None:
                by_name.setdefault(pattern.name, []).append(unit)
                hints.append(("name", pattern.name))
            elif pattern.extension is not None:
                by_extension.setdefault(pattern.extension, []).append(unit)
                hints.append(("extension", pattern.extension))
            else:
                generic.append(unit)
                hints.append(("generic", ""))
        self._by_prefix = {key: tuple(units) for key, units in by_prefix.items()}
        self._by_name = {key: tuple(units) for key, units in by_name.items()}
        self._by_extension = {key: tuple(units) for key, units in by_extension.items()}
        self._generic = tuple(generic)
        self._hints = tuple(hints)
        self._sources = tuple(pattern.source for pattern in patterns)
        self._regexes = tuple(pattern.regex.pattern for pattern in patterns)
        self._shapes = tuple(recognise(regex) for regex in self._regexes)
        self._prepare([pattern.regex.search for pattern in patterns])

    _STATE = (
        "_by_prefix", "_by_name", "_by_extension", "_generic", "_hints", "_sources",
        "_regexes", "_shapes",
    )  # fmt: skip

    def __getstate__(self) -> dict[str, Any]:
        """The index without its caches or compiled expressions."""
        return {name: getattr(self, name) for name in self._STATE}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name in self._STATE:
            setattr(self, name, state[name])
        self._prepare([self._compile_on_first_use(unit) for unit in range(len(self._regexes))])

    @property
    def generic_sources(self) -> tuple[str, ...]:
        """Sources of the patterns pinning no literal: these are offered every path."""
        return tuple(self._sources[unit] for unit in self._generic)

    def matching(self, path: str) -> tuple[frozenset[int], frozenset[int], list[int]]:
        """The units matching a normalized path, as three parts whose union is the answer:
        those its directory decides, those its name decides, and the others."""
        if "\n" in path or path[:1] == "/" or "//" in path:  # not literal_patterns.is_plain
            return frozenset(self._matching_by_regex(path)), _NONE, []
        slash = path.rfind("/")
        directory = path[:slash] if slash >= 0 else ""
        name = path[slash + 1 :]
        by_directory, path_checks, name_checks = self._directories.get(
            directory
        ) or self._directory(directory)
        by_name, name_path_checks, directory_checks = self._names.get(name) or self._name(name)
        search = self._search
        found = [unit for unit in path_checks if search[unit](path)]
        for unit, test in name_checks:
            if test(name):
                found.append(unit)
        for unit, test in directory_checks:
            if test(directory):
                found.append(unit)
        for unit in name_path_checks:
            if search[unit](path):
                found.append(unit)
        for unit in self._by_prefix.get(path, ()):
            if search[unit](path):
                found.append(unit)
        return by_directory, by_name, found

    def _prepare(self, regex_search: list[_Search]) -> None:
        """Each unit's tests, and empty caches.

        ``_search`` tests a whole plain path, ``_regex_search`` any path. A unit with
        ``_parts`` is decided per directory and per file name instead of per path.
        """
        self._regex_search = regex_search
        self._search: list[_Test] = [
            regex if shape is None else string_test(*shape)
            for regex, shape in zip(regex_search, self._shapes, strict=True)
        ]
        self._parts = [
            None if shape is None else part_tests(*shape, *hint)
            for shape, hint in zip(self._shapes, self._hints, strict=True)
        ]
        # Generic units are offered by every directory; those a name can decide are
        # offered to every name too.
        self._named_anywhere = tuple(
            unit
            for unit in self._generic
            if (parts := self._parts[unit]) is not None
            and (parts.name is not None or parts.directory_here is not None)
        )
        self._raw_directories: dict[str, frozenset[int]] = {}
        self._directories: dict[str, _Entry] = {}
        self._names: dict[str, _Entry] = {}

    def _compile_on_first_use(self, unit: int) -> _Search:
        def search(path: str) -> re.Match[str] | None:
            compiled = re.compile(self._regexes[unit]).search
            self._regex_search[unit] = compiled
            if self._shapes[unit] is None:
                self._search[unit] = compiled
            return compiled(path)

        return search

    def _directory(self, directory: str) -> _Entry:
        """What a plain path's directory decides: the units it matches whatever the name,
        the units to test on each whole path, and the units whose name test decides."""
        decided: list[int] = []
        checks: list[int] = []
        name_checks: list[tuple[int, StringTest]] = []
        for unit in self._directory_units(directory):
            parts = self._parts[unit]
            if parts is None:
                checks.append(unit)
            elif parts.directory(directory):
                decided.append(unit)
            elif parts.name_here is not None and parts.name_here[0](directory):
                name_checks.append((unit, parts.name_here[1]))
        entry = (frozenset(decided), tuple(checks), tuple(name_checks))
        remember(self._directories, directory, entry, self.CACHE_LIMIT)
        return entry

    def _name(self, name: str) -> _Entry:
        """What a plain path's file name decides: the units it matches whatever the
        directory, the units to test on each whole path, and the units whose directory
        test decides."""
        decided: list[int] = []
        checks: list[int] = []
        directory_checks: list[tuple[int, StringTest]] = []
        for unit in (*self._component_units(name), *self._named_anywhere):
            parts = self._parts[unit]
            if parts is None:
                checks.append(unit)
            elif parts.name is not None and parts.name(name):
                decided.append(unit)
            elif parts.directory_here is not None and parts.directory_here[0](name):
                directory_checks.append((unit, parts.directory_here[1]))
        entry = (frozenset(decided), tuple(checks), tuple(directory_checks))
        remember(self._names, name, entry, self.CACHE_LIMIT)
        return entry

    def _matching_by_regex(self, path: str) -> set[int]:
        """Every pattern's regular expression on the whole path, for paths the string tests
        do not hold for (a newline, a leading slash, an empty directory name). No index
        either: pathspec's ``$`` also matches before a final newline, so ``a\n`` is matched
        by ``/a`` although its name is not ``a``. Such paths are rare; all are tried."""
        search = self._regex_search
        return {unit for unit in range(len(search)) if search[unit](path)}

    def _directory_units(self, directory: str) -> frozenset[int]:
        """Generic patterns plus every pattern a component or leading part pins: its
        parent directory's, and those its own path and last component pin."""
        units = self._raw_directories.get(directory)
        if units is not None:
            return units
        if "/" in directory:
            parent, _, last = directory.rpartition("/")
            inherited = self._directory_units(parent)
        else:
            last, inherited = directory, frozenset(self._generic)
        units = inherited.union(self._by_prefix.get(directory, ()), self._component_units(last))
        remember(self._raw_directories, directory, units, self.CACHE_LIMIT)
        return units

    def _component_units(self, component: str) -> tuple[int, ...]:
        named = self._by_name.get(component, ())
        dot = component.rfind(".")
        if dot < 0:
            return named
        return named + self._by_extension.get(component[dot + 1 :], ())


def remember(cache: dict[_Key, _Value], key: _Key, value: _Value, limit: int) -> None:
    """Store in a cache of at most ``limit`` entries, emptied when full."""
    if len(cache) >= limit:
        cache.clear()
    cache[key] = value
