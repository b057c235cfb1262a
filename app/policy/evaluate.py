"""Decide which reviews a pull request needs and whether it has them.

``evaluate`` is a pure function of the rules and a :class:`PullSnapshot`; it returns an
:class:`Evaluation` holding the conclusion and every reason behind it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace

from app.policy.call_decisions import demands_review, weigh_call_decision
from app.policy.compiled import Compiled
from app.policy.result import (
    Conclusion,
    DetectorNote,
    Evaluation,
    FileMatch,
    GroupRequirement,
    Problem,
    RuleMatch,
    Suggestion,
)
from app.policy.reviews import judge_reviews
from app.policy.snapshot import ChangedFile, Override, PullSnapshot
from app.policy.views import RuleSetView, approvals_needed


def match_files(
    compiled: Compiled[RuleSetView], files: Iterable[ChangedFile]
) -> tuple[RuleMatch, ...]:
    """Match changed files to rules; lines are scanned only where a rule needs them."""
    return match_files_with_notes(compiled, files)[0]


def match_files_with_notes(
    compiled: Compiled[RuleSetView], files: Iterable[ChangedFile]
) -> tuple[tuple[RuleMatch, ...], tuple[DetectorNote, ...]]:
    """The rules the files trigger, and notes on files detectors read without a match."""
    hits: defaultdict[str, list[FileMatch]] = defaultdict(list)
    notes: list[DetectorNote] = []
    for changed in files:
        found_here, noted = compiled.file_matches_and_notes(changed)
        for rule_ids, found in found_here:
            for rule_id in rule_ids:
                hits[rule_id].append(found)
        if noted:
            notes += noted
    _cancel_moves(hits)
    matches = []
    for rule in compiled.ruleset.rules:
        if rule.id in hits:
            matches.append(
                RuleMatch(
                    rule_id=rule.id,
                    title=rule.title,
                    group=rule.group,
                    approvals=approvals_needed(compiled.ruleset, rule),
                    jira=rule.jira and not rule.advisory,
                    files=tuple(hits[rule.id]),
                    advisory=rule.advisory,
                )
            )
    return tuple(matches), tuple(notes)


def _cancel_moves(hits: dict[str, list[FileMatch]]) -> None:
    """Drop findings that one file adds and another removes under the same key.

    A subject constant moved from ``main.go`` to ``constants.go`` is reported as removed in
    one file and added in the other; across the whole change it is neither. A file left
    with no evidence no longer triggers the rule.
    """
    sides: dict[tuple[str, str], set[str]] = {}
    for files_of_rule in hits.values():
        for found in files_of_rule:
            for finding in found.findings:
                verb = finding.kind.rpartition(".")[2]
                if finding.key is not None and verb in ("added", "removed"):
                    sides.setdefault((finding.detector, finding.key), set()).add(verb)
    moved = {key for key, verbs in sides.items() if len(verbs) == 2}
    if not moved:
        return
    for rule_id in list(hits):
        kept: list[FileMatch] = []
        for found in hits[rule_id]:
            if found.reason != "detected":
                kept.append(found)
                continue
            left = tuple(
                f for f in found.findings if (f.detector, f.key) not in moved or f.key is None
            )
            if left:
                kept.append(replace(found, findings=left))
        if kept:
            hits[rule_id] = kept
        else:
            del hits[rule_id]


def _assumed_matches(ruleset: RuleSetView, matched: set[str]) -> list[RuleMatch]:
    """Rules that unseen files might match, when GitHub truncated the file list."""
    return [
        RuleMatch(
            rule_id=rule.id,
            title=rule.title,
            group=rule.group,
            approvals=approvals_needed(ruleset, rule),
            jira=rule.jira,
            files=(),
            assumed=True,
        )
        for rule in ruleset.rules
        if rule.id not in matched and not rule.advisory
    ]


def evaluate(
    ruleset: RuleSetView, snapshot: PullSnapshot, compiled: Compiled[RuleSetView] | None = None
) -> Evaluation:
    """The decision for one pull request. Never fails open: unknowns count against it."""
    compiled = compiled or Compiled(ruleset)
    found, notes = match_files_with_notes(compiled, snapshot.files)
    matches = [m for m in found if not m.advisory]
    advisories = tuple(m for m in found if m.advisory)
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
        advisories=advisories,
        suggestions=_suggestions(ruleset, advisories, {r.group for r in requirements}),
        notes=_once_per_file(notes),
    )


def _suggestions(
    ruleset: RuleSetView, advisories: tuple[RuleMatch, ...], required: set[str]
) -> tuple[Suggestion, ...]:
    """Groups named by advisory rules only; a group already required is not suggested."""
    by_group: dict[str, list[str]] = {}
    for found in advisories:
        if found.group not in required:
            by_group.setdefault(found.group, []).append(found.rule_id)
    return tuple(
        Suggestion(group, ruleset.groups[group].name, tuple(rules))
        for group, rules in by_group.items()
    )


def _once_per_file(notes: tuple[DetectorNote, ...]) -> tuple[DetectorNote, ...]:
    """One note per file and detector, however many rules read it."""
    kept: dict[tuple[str, str], DetectorNote] = {}
    for note in notes:
        key = (note.path, note.detector)
        if key not in kept:
            kept[key] = note
    return tuple(kept.values())


def _requirements(
    compiled: Compiled[RuleSetView], snapshot: PullSnapshot, matches: list[RuleMatch]
) -> tuple[GroupRequirement, ...]:
    ruleset = compiled.ruleset
    by_group: dict[str, list[RuleMatch]] = {}
    for found in matches:
        by_group.setdefault(found.group, []).append(found)
    overrides = {o.group: o for o in snapshot.overrides}
    calls = {c.group: c for c in snapshot.call_decisions}  # the latest per group wins
    requirements = []
    for group_id, group in ruleset.groups.items():
        if group_id not in by_group and not demands_review(calls.get(group_id)):
            continue
        group_matches = by_group.get(group_id, [])
        members = {m.github.lower() for m in group.members}
        members |= {login.lower() for login in snapshot.group_members.get(group_id, frozenset())}
        needed = max((found.approvals for found in group_matches), default=group.approvals)
        # Only reviews ask what the group governs; without any, skip collecting paths.
        matched_paths = (
            frozenset(path for found in group_matches for f in found.files for path in _names(f))
            if snapshot.reviews
            else frozenset()
        )

        def governs(path: str, g: str = group_id, m: frozenset[str] = matched_paths) -> bool:
            return compiled.governs(g, path, m)

        outcomes, approved, blocked = judge_reviews(snapshot, members, governs)
        call = calls.get(group_id)
        call_outcome = None
        if call is not None:
            weighed = weigh_call_decision(call, snapshot, members, outcomes, approved, blocked)
            outcomes, approved, blocked = weighed.outcomes, weighed.approved, weighed.blocked
            call_outcome = weighed.call
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
                call_outcome=call_outcome,
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
