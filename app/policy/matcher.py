"""Which rules' path selectors pick a changed file, fast enough for 3,000 files.

A rule selects a path when its ``paths`` list selects it (gitignore patterns, the last
match wins, so ``!pattern`` deselects) and its ``exclude_paths`` list does not; a rule
with no ``paths`` selects every path and relies on ``changed_lines`` alone.

:class:`PathMatcher` gives exactly the answers of :class:`NaivePathMatcher`, the obvious
reading of that sentence with one pathspec ``PathSpec`` per list, but runs a pattern's
regular expression only when the path shows the literal the pattern pins: its leading
directories, a component name, or an extension. Patterns pinning nothing form a short
generic list tried on every path.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from pathspec import PathSpec
from pathspec.patterns.gitignore.spec import GitIgnoreSpecPattern

from app.policy.patterns import PathPattern, compile_pattern, compile_patterns

_Search = Callable[[str], "re.Match[str] | None"]
_Spec = PathSpec[GitIgnoreSpecPattern]


@dataclass(frozen=True, slots=True)
class RuleSelector:
    """The path part of one rule: its id and its two pattern lists, as written."""

    rule_id: str
    paths: tuple[str, ...] = ()
    exclude_paths: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Rule:
    rule_id: str
    paths: tuple[tuple[int, bool], ...]  # (unit, negated) in list order
    excludes: tuple[tuple[int, bool], ...]
    plain: bool  # no negation and no excludes: any matching pattern selects


def normalize_path(path: str) -> str:
    """The repository-relative form pathspec matches: no leading ``/`` or ``./``."""
    if path.startswith("/"):
        return path[1:]
    if path.startswith("./"):
        return path[2:]
    return path


class PathMatcher:
    """An index over every rule's patterns, built once per rule set.

    Raises :class:`app.policy.patterns.PatternError` for an invalid pattern. Matching is
    safe to share between threads: the only mutable state is bounded caches (the patterns
    a directory or a file name can pull in, the rules a set of matching patterns selects),
    and a lost cache update only costs time.
    """

    CACHE_LIMIT = 65_536

    def __init__(self, selectors: Sequence[RuleSelector]) -> None:
        self._unit_ids: dict[str, int] = {}
        self._patterns: list[PathPattern] = []
        rules: list[_Rule] = []
        for selector in selectors:
            paths = tuple(self._add(pattern) for pattern in selector.paths)
            excludes = tuple(self._add(pattern) for pattern in selector.exclude_paths)
            plain = not excludes and not any(negated for _, negated in paths)
            rules.append(_Rule(selector.rule_id, paths, excludes, plain))
        self._rules = tuple(rules)
        self._search: tuple[_Search, ...] = tuple(p.regex.search for p in self._patterns)
        selecting: list[list[int]] = [[] for _ in self._patterns]
        for position, rule in enumerate(rules):
            for unit, negated in rule.paths:
                if not negated and position not in selecting[unit]:
                    selecting[unit].append(position)
        self._selecting = tuple(tuple(found) for found in selecting)
        self._always = tuple(i for i, rule in enumerate(rules) if not rule.paths)
        self._build_index()
        self._directories: dict[str, tuple[int, ...]] = {}
        self._basenames: dict[str, tuple[int, ...]] = {}
        self._verdicts: dict[frozenset[int], tuple[str, ...]] = {}

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return tuple(rule.rule_id for rule in self._rules)

    @property
    def generic_patterns(self) -> tuple[str, ...]:
        """Sources of the patterns pinning no literal: these run on every path."""
        return tuple(self._patterns[unit].source for unit in self._generic)

    def match(self, path: str) -> tuple[str, ...]:
        """Ids of the rules selecting ``path``, in rule order."""
        if path.startswith(("/", "./")):
            path = normalize_path(path)
        matched = frozenset(self._matched_units(path))
        found = self._verdicts.get(matched)
        return found if found is not None else self._verdict(matched)

    def match_many(self, paths: Iterable[str]) -> dict[str, tuple[str, ...]]:
        """Rule ids per path, for the paths at least one rule selects."""
        return _match_many(self.match, paths)

    def _add(self, source: str) -> tuple[int, bool]:
        pattern = compile_pattern(source)
        unit = self._unit_ids.get(pattern.regex.pattern)
        if unit is None:
            unit = self._unit_ids[pattern.regex.pattern] = len(self._patterns)
            self._patterns.append(pattern)
        return unit, pattern.negated

    def _verdict(self, matched: frozenset[int]) -> tuple[str, ...]:
        """The rules a set of matching patterns selects; paths share few such sets."""
        hit = set(self._always)
        selecting = self._selecting
        for unit in matched:
            hit.update(selecting[unit])
        rules = self._rules
        verdict = tuple(
            rules[i].rule_id
            for i in sorted(hit)
            if rules[i].plain or _rule_selects(rules[i], matched)
        )
        if len(self._verdicts) >= self.CACHE_LIMIT:
            self._verdicts.clear()
        self._verdicts[matched] = verdict
        return verdict

    def _build_index(self) -> None:
        by_prefix: dict[str, list[int]] = {}
        by_name: dict[str, list[int]] = {}
        by_extension: dict[str, list[int]] = {}
        generic: list[int] = []
        for unit, pattern in enumerate(self._patterns):
            if pattern.prefix is not None:
                by_prefix.setdefault(pattern.prefix, []).append(unit)
            elif pattern.name is not None:
                by_name.setdefault(pattern.name, []).append(unit)
            elif pattern.extension is not None:
                by_extension.setdefault(pattern.extension, []).append(unit)
            else:
                generic.append(unit)
        self._by_prefix = {key: tuple(units) for key, units in by_prefix.items()}
        self._by_name = {key: tuple(units) for key, units in by_name.items()}
        self._by_extension = {key: tuple(units) for key, units in by_extension.items()}
        self._generic = tuple(generic)

    def _matched_units(self, path: str) -> set[int]:
        search = self._search
        slash = path.rfind("/")
        if slash < 0:
            candidates = self._generic
            basename = path
        else:
            directory = path[:slash]
            found = self._directories.get(directory)
            candidates = found if found is not None else self._directory_units(directory)
            basename = path[slash + 1 :]
        matched = {unit for unit in candidates if search[unit](path)}
        by_basename = self._basenames.get(basename)
        if by_basename is None:
            by_basename = self._basename_units(basename)
        for unit in by_basename:
            if search[unit](path):
                matched.add(unit)
        for unit in self._by_prefix.get(path, ()):
            if search[unit](path):
                matched.add(unit)
        return matched

    def _directory_units(self, directory: str) -> tuple[int, ...]:
        """Generic patterns plus every pattern a component or leading part pins."""
        found: set[int] = set(self._generic)
        start = 0
        while start <= len(directory):
            end = directory.find("/", start)
            if end < 0:
                end = len(directory)
            found.update(self._by_prefix.get(directory[:end], ()))
            found.update(self._component_units(directory[start:end]))
            start = end + 1
        units = tuple(sorted(found))
        if len(self._directories) >= self.CACHE_LIMIT:
            self._directories.clear()
        self._directories[directory] = units
        return units

    def _basename_units(self, basename: str) -> tuple[int, ...]:
        units = self._component_units(basename)
        if len(self._basenames) >= self.CACHE_LIMIT:
            self._basenames.clear()
        self._basenames[basename] = units
        return units

    def _component_units(self, component: str) -> tuple[int, ...]:
        named = self._by_name.get(component, ())
        dot = component.rfind(".")
        if dot < 0:
            return named
        return named + self._by_extension.get(component[dot + 1 :], ())


def _rule_selects(rule: _Rule, matched: frozenset[int]) -> bool:
    if rule.paths and not _last_match_includes(rule.paths, matched):
        return False
    return not _last_match_includes(rule.excludes, matched)


def _last_match_includes(entries: tuple[tuple[int, bool], ...], matched: frozenset[int]) -> bool:
    for unit, negated in reversed(entries):
        if unit in matched:
            return not negated
    return False


class NaivePathMatcher:
    """The reference semantics: one pathspec ``PathSpec`` per list, every rule per path.

    Kept as the oracle :class:`PathMatcher` is tested and benchmarked against; it
    validates patterns the same way, so both accept and reject the same rules.
    """

    def __init__(self, selectors: Sequence[RuleSelector]) -> None:
        self._specs: list[tuple[str, _Spec | None, _Spec]] = []
        for selector in selectors:
            compile_patterns(selector.paths)
            compile_patterns(selector.exclude_paths)
            paths = _spec(selector.paths) if selector.paths else None
            self._specs.append((selector.rule_id, paths, _spec(selector.exclude_paths)))

    def match(self, path: str) -> tuple[str, ...]:
        return tuple(
            rule_id
            for rule_id, paths, excludes in self._specs
            if (paths is None or paths.match_file(path)) and not excludes.match_file(path)
        )

    def match_many(self, paths: Iterable[str]) -> dict[str, tuple[str, ...]]:
        return _match_many(self.match, paths)


def _spec(patterns: Sequence[str]) -> _Spec:
    return PathSpec([GitIgnoreSpecPattern(pattern) for pattern in patterns])


def _match_many(
    match: Callable[[str], tuple[str, ...]], paths: Iterable[str]
) -> dict[str, tuple[str, ...]]:
    result: dict[str, tuple[str, ...]] = {}
    for path in paths:
        if path not in result:
            rule_ids = match(path)
            if rule_ids:
                result[path] = rule_ids
    return result
