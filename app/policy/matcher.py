"""Which rules' path selectors pick a changed file, fast enough for 3,000 files.

A rule selects a path when its ``paths`` list selects it (gitignore patterns, the last
match wins, so ``!pattern`` deselects) and its ``exclude_paths`` list does not; a rule
with no ``paths`` selects every path and relies on ``changed_lines`` alone.

:class:`PathMatcher` gives exactly the answers of :class:`NaivePathMatcher`, the obvious
reading of that sentence with one pathspec ``PathSpec`` per list, but asks a
:class:`app.policy.path_index.PatternIndex` which patterns match a path (it tests only
those the path's literals can reach, most of them once per directory and once per file
name) and caches the rules each set of matching patterns selects. It pickles as plain
data: one loaded from ``gatehouse check``'s cache imports neither pathspec nor the
pattern compiler, and compiles only the regular expressions its paths reach.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.policy.path_index import PatternIndex, remember

if TYPE_CHECKING:
    from pathspec import PathSpec
    from pathspec.patterns.gitignore.spec import GitIgnoreSpecPattern

    from app.policy.patterns import PathPattern

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
    """Every rule's path selectors, built once per rule set.

    Raises :class:`app.policy.patterns.PatternError` for an invalid pattern. Matching is
    safe to share between threads: the only mutable state is bounded caches (here, the
    rules a set of matching patterns selects; in :class:`PatternIndex`, what a directory
    or a file name decides), and a lost cache update only costs time.
    """

    CACHE_LIMIT = 65_536

    def __init__(self, selectors: Sequence[RuleSelector]) -> None:
        from app.policy.patterns import compile_pattern

        unit_ids: dict[str, int] = {}
        patterns: list[PathPattern] = []

        def add(source: str) -> tuple[int, bool]:
            pattern = compile_pattern(source)
            unit = unit_ids.get(pattern.regex.pattern)
            if unit is None:
                unit = unit_ids[pattern.regex.pattern] = len(patterns)
                patterns.append(pattern)
            return unit, pattern.negated

        rules: list[_Rule] = []
        for selector in selectors:
            paths = tuple(add(pattern) for pattern in selector.paths)
            excludes = tuple(add(pattern) for pattern in selector.exclude_paths)
            plain = not excludes and not any(negated for _, negated in paths)
            rules.append(_Rule(selector.rule_id, paths, excludes, plain))
        self._rules = tuple(rules)
        selecting: list[list[int]] = [[] for _ in patterns]
        for position, rule in enumerate(rules):
            for unit, negated in rule.paths:
                if not negated and position not in selecting[unit]:
                    selecting[unit].append(position)
        self._selecting = tuple(tuple(found) for found in selecting)
        self._always = tuple(i for i, rule in enumerate(rules) if not rule.paths)
        self._index = PatternIndex(patterns)
        self._reset()

    def __getstate__(self) -> dict[str, Any]:
        """The rules and the index, without the caches."""
        return {"rules": self._rules, "selecting": self._selecting, "always": self._always,
                "index": self._index}  # fmt: skip

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._rules, self._selecting = state["rules"], state["selecting"]
        self._always, self._index = state["always"], state["index"]
        self._reset()

    def _reset(self) -> None:
        self._verdicts: dict[frozenset[int], tuple[str, ...]] = {}
        self._pair_verdicts: dict[tuple[frozenset[int], frozenset[int]], tuple[str, ...]] = {}

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return tuple(rule.rule_id for rule in self._rules)

    @property
    def generic_patterns(self) -> tuple[str, ...]:
        """Sources of the patterns pinning no literal: these run on every path."""
        return self._index.generic_sources

    def match(self, path: str) -> tuple[str, ...]:
        """Ids of the rules selecting ``path``, in rule order."""
        if path.startswith(("/", "./")):
            path = normalize_path(path)
        by_directory, by_name, found = self._index.matching(path)
        if found:
            return self._verdict(by_directory.union(by_name, found))
        pair = (by_directory, by_name)
        verdict = self._pair_verdicts.get(pair)
        if verdict is None:
            verdict = self._verdict(by_directory | by_name)
            remember(self._pair_verdicts, pair, verdict, self.CACHE_LIMIT)
        return verdict

    def match_many(self, paths: Iterable[str]) -> dict[str, tuple[str, ...]]:
        """Rule ids per path, for the paths at least one rule selects."""
        return _match_many(self.match, paths)

    def _verdict(self, matched: frozenset[int]) -> tuple[str, ...]:
        """The rules a set of matching patterns selects; paths share few such sets."""
        verdict = self._verdicts.get(matched)
        if verdict is not None:
            return verdict
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
        remember(self._verdicts, matched, verdict, self.CACHE_LIMIT)
        return verdict


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
        from app.policy.patterns import compile_patterns

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
    from pathspec import PathSpec
    from pathspec.patterns.gitignore.spec import GitIgnoreSpecPattern

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
