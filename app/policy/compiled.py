"""Rules compiled once for fast, repeated evaluation.

A service evaluates the same rules thousands of times; ``compile_rules`` builds the path
index once and the result is reused for every pull request. ``gatehouse check`` pickles a
:class:`Compiled` rule set between runs (:mod:`app.policy.rules_cache`): what it pickles
is plain data and regular-expression sources, each compiled on first use.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Generic, TypeVar

from app.policy.detectors.base import Finding
from app.policy.detectors.run import FileDetections
from app.policy.diff import LineChange, changed_lines
from app.policy.matcher import PathMatcher, RuleSelector
from app.policy.result import DetectorNote, FileMatch, LineHit
from app.policy.snapshot import ChangedFile
from app.policy.views import RuleSetView, RuleView

if TYPE_CHECKING:
    from app.policy.model import RuleSet

MAX_LINE_HITS_PER_FILE = 200

RuleSetT = TypeVar("RuleSetT", bound=RuleSetView, covariant=True)


class _LineRule:
    """A rule's ``changed_lines``, compiled when a file first needs them."""

    __slots__ = ("_regexes", "patterns", "rule")

    def __init__(self, rule: RuleView, patterns: tuple[str, ...]) -> None:
        self.rule = rule
        self.patterns = patterns
        self._regexes: tuple[re.Pattern[str], ...] | None = None

    @property
    def regexes(self) -> tuple[re.Pattern[str], ...]:
        if self._regexes is None:
            self._regexes = tuple(re.compile(p) for p in self.patterns)
        return self._regexes

    def __getstate__(self) -> tuple[RuleView, tuple[str, ...]]:
        return self.rule, self.patterns

    def __setstate__(self, state: tuple[RuleView, tuple[str, ...]]) -> None:
        self.rule, self.patterns = state
        self._regexes = None


class Compiled(Generic[RuleSetT]):
    """A rule set (anything :class:`RuleSetView` describes) with its path index built."""

    def __init__(self, ruleset: RuleSetT) -> None:
        self._ruleset = ruleset
        self._matcher = PathMatcher(
            [RuleSelector(r.id, tuple(r.paths), tuple(r.exclude_paths)) for r in ruleset.rules]
        )
        self._rules = {rule.id: rule for rule in ruleset.rules}
        self._line_rules = {
            rule.id: _LineRule(rule, tuple(rule.changed_lines))
            for rule in ruleset.rules
            if rule.changed_lines
        }
        self._detect_rules = {rule.id: tuple(rule.detect) for rule in ruleset.rules if rule.detect}
        self._path_rules = frozenset(self._rules).difference(self._line_rules, self._detect_rules)

    @property
    def ruleset(self) -> RuleSetT:
        return self._ruleset

    def rules_for_paths(self, paths: Iterable[str]) -> tuple[str, ...]:
        """Ids of rules whose path selectors pick any of ``paths``, in rule order."""
        found: dict[str, None] = {}
        for path in paths:
            for rule_id in self._matcher.match(path):
                found[rule_id] = None
        return tuple(found)

    def file_matches_and_notes(
        self, changed: ChangedFile
    ) -> tuple[list[tuple[tuple[str, ...], FileMatch]], list[DetectorNote]]:
        """The rules the file triggers, each with the lines and findings that did it, and
        what detectors saw where a rule did not fire.

        Rules are answered in groups sharing one :class:`FileMatch`: every rule that the
        path alone decides shares one per file, so a change of thousands of files makes
        one match per file rather than one per (file, rule).
        """
        previous = changed.previous_path
        if previous and previous != changed.path:
            rule_ids = self.rules_for_paths((changed.path, previous))
        else:
            rule_ids = self._matcher.match(changed.path)
        if not rule_ids:
            return [], []
        if self._path_rules.issuperset(rule_ids):
            return [(rule_ids, self._match(changed, "path"))], []
        by_path: list[str] = []
        results: list[tuple[tuple[str, ...], FileMatch]] = []
        lines: list[LineChange] | None = None
        detections: FileDetections | None = None
        quiet: dict[str, list[str]] = {}
        for rule_id in rule_ids:
            line_rule = self._line_rules.get(rule_id)
            kinds = self._detect_rules.get(rule_id)
            if kinds is not None:
                detections = detections or FileDetections(changed)
                findings = detections.accepted(kinds)
                if findings:
                    results.append(((rule_id,), self._match(changed, "detected", (), findings)))
                    continue
                for name in detections.read_for(kinds):
                    quiet.setdefault(name, []).append(rule_id)
                if line_rule is None:
                    continue
            if line_rule is None:
                by_path.append(rule_id)
                continue
            if changed.patch is None:
                if changed.patch_unavailable:
                    results.append(((rule_id,), self._match(changed, "unknown-lines")))
                continue
            if lines is None:
                lines = list(changed_lines(changed.patch))
            hits = _scan(changed.path, lines, line_rule.regexes)
            if hits:
                results.append(((rule_id,), self._match(changed, "lines", hits)))
        if by_path:
            results.append((tuple(by_path), self._match(changed, "path")))
        notes: list[DetectorNote] = []
        if detections is not None:
            matched = {rule_id for rule_ids, _ in results for rule_id in rule_ids}
            for name, rule_list in quiet.items():
                unmatched = tuple(r for r in rule_list if r not in matched)
                if unmatched:
                    notes.append(
                        DetectorNote(changed.path, name, unmatched, detections.summary(name))
                    )
        return results, notes

    @staticmethod
    def _match(
        changed: ChangedFile,
        reason: str,
        hits: tuple[LineHit, ...] = (),
        findings: tuple[Finding, ...] = (),
    ) -> FileMatch:
        # Positional: one is made per matched file, thousands for a large change.
        return FileMatch(
            changed.path,
            str(changed.status),
            changed.previous_path,
            reason,  # type: ignore[arg-type]
            hits,
            findings,
        )

    def governs(self, group: str, path: str, matched_paths: frozenset[str]) -> bool:
        """Whether a change to ``path`` after a review touches what ``group`` guards.

        A path counts when a path-only rule of the group selects it, or when the group's
        rules matched it in this evaluation (line rules are judged on the current diff).
        """
        if path in matched_paths:
            return True
        for rule_id in self._matcher.match(path):
            rule = self._rules[rule_id]
            if (
                rule.group == group
                and not rule.advisory
                and rule_id not in self._line_rules
                and rule_id not in self._detect_rules
            ):
                return True
        return False


def _scan(
    path: str, lines: list[LineChange], regexes: tuple[re.Pattern[str], ...]
) -> tuple[LineHit, ...]:
    hits: list[LineHit] = []
    for change in lines:
        for regex in regexes:
            if regex.search(change.text):
                hits.append(LineHit(path, change.line, change.side, change.text, regex.pattern))
                break
        if len(hits) >= MAX_LINE_HITS_PER_FILE:
            break
    return tuple(hits)


class CompiledRules(Compiled["RuleSet"]):
    """The service's validated :class:`app.policy.model.RuleSet`, compiled."""


def compile_rules(ruleset: RuleSet) -> CompiledRules:
    return CompiledRules(ruleset)
