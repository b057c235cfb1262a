"""Decide which reviews a pull request needs and whether it has them.

``evaluate`` is a pure function of the rules and a :class:`PullSnapshot`; it returns an
:class:`Evaluation` holding the conclusion and every reason behind it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from app.policy.compiled import CompiledRules, compile_rules
from app.policy.model import RuleSet
from app.policy.result import (
    Conclusion,
    Evaluation,
    FileMatch,
    GroupRequirement,
    Problem,
    RuleMatch,
)
from app.policy.reviews import judge_reviews
from app.policy.snapshot import ChangedFile, Override, PullSnapshot


@dataclass
class _Accumulator:
    files: list[FileMatch] = field(default_factory=list)


def match_files(compiled: CompiledRules, files: Iterable[ChangedFile]) -> tuple[RuleMatch, ...]:
    """Match changed files to rules; lines are scanned only where a rule needs them."""
    hits: dict[str, _Accumulator] = {}
    for changed in files:
        for rule_id, found in compiled.file_matches(changed):
            hits.setdefault(rule_id, _Accumulator()).files.append(found)
    matches = []
    for rule in compiled.ruleset.rules:
        if rule.id in hits:
            matches.append(
                RuleMatch(
                    rule_id=rule.id,
                    title=rule.title,
                    group=rule.group,
                    approvals=compiled.ruleset.approvals_for(rule),
                    jira=rule.jira,
                    files=tuple(hits[rule.id].files),
                )
            )
    return tuple(matches)


def _assumed_matches(ruleset: RuleSet, matched: set[str]) -> list[RuleMatch]:
    """Rules that unseen files might match, when GitHub truncated the file list."""
    return [
        RuleMatch(
            rule_id=rule.id,
            title=rule.title,
            group=rule.group,
            approvals=ruleset.approvals_for(rule),
            jira=rule.jira,
            files=(),
            assumed=True,
        )
        for rule in ruleset.rules
        if rule.id not in matched
    ]


def evaluate(
    ruleset: RuleSet, snapshot: PullSnapshot, compiled: CompiledRules | None = None
) -> Evaluation:
    """The decision for one pull request. Never fails open: unknowns count against it."""
    compiled = compiled or compile_rules(ruleset)
    matches = list(match_files(compiled, snapshot.files))
    problems: list[Problem] = []
    if snapshot.files_truncated:
        matches += _assumed_matches(ruleset, {m.rule_id for m in matches})
        problems.append(
            Problem(
                "truncated",
                f"GitHub lists at most {len(snapshot.files):,} changed files and this pull "
                "request has more: every group whose rules the unseen files could match is "
                "required.",
                fatal=False,
            )
        )
    requirements = _requirements(compiled, snapshot, matches)
    conclusion = max(
        (req.conclusion for req in requirements), key=lambda c: c.rank, default=Conclusion.SUCCESS
    )
    return Evaluation(
        conclusion=conclusion,
        matches=tuple(matches),
        requirements=requirements,
        problems=tuple(problems),
        files_considered=len(snapshot.files),
        files_truncated=snapshot.files_truncated,
    )


def _requirements(
    compiled: CompiledRules, snapshot: PullSnapshot, matches: list[RuleMatch]
) -> tuple[GroupRequirement, ...]:
    ruleset = compiled.ruleset
    by_group: dict[str, list[RuleMatch]] = {}
    for found in matches:
        by_group.setdefault(found.group, []).append(found)
    overrides = {o.group: o for o in snapshot.overrides}
    requirements = []
    for group_id, group in ruleset.groups.items():
        if group_id not in by_group:
            continue
        group_matches = by_group[group_id]
        members = {m.github.lower() for m in group.members}
        members |= {login.lower() for login in snapshot.group_members.get(group_id, frozenset())}
        needed = max(found.approvals for found in group_matches)
        matched_paths = frozenset(
            path for found in group_matches for f in found.files for path in _names(f)
        )

        def governs(path: str, g: str = group_id, m: frozenset[str] = matched_paths) -> bool:
            return compiled.governs(g, path, m)

        outcomes, approved, blocked = judge_reviews(snapshot, members, governs)
        conclusion = (
            Conclusion.FAILURE
            if blocked
            else Conclusion.SUCCESS
            if len(approved) >= needed
            else Conclusion.ACTION_REQUIRED
        )
        override_text = None
        override = overrides.get(group_id)
        if override is not None:
            conclusion, override_text = _apply_override(override)
        requirements.append(
            GroupRequirement(
                group=group_id,
                name=group.name,
                rules=tuple(found.rule_id for found in group_matches),
                approvals_needed=needed,
                approved_by=approved,
                blocked_by=blocked,
                reviews=outcomes,
                conclusion=conclusion,
                override=override_text,
            )
        )
    return tuple(requirements)


def _names(found: FileMatch) -> tuple[str, ...]:
    return (found.path, found.previous_path) if found.previous_path else (found.path,)


def _apply_override(override: Override) -> tuple[Conclusion, str]:
    verb = "approved" if override.approve else "rejected"
    text = f"final decision by @{override.decided_by}: {verb} ({override.rationale})"
    return (Conclusion.SUCCESS if override.approve else Conclusion.FAILURE), text


def failed_evaluation(message: str) -> Evaluation:
    """An evaluation that could not be made: the check fails and says why."""
    return Evaluation(
        conclusion=Conclusion.FAILURE,
        matches=(),
        requirements=(),
        problems=(Problem("config", message),),
    )
