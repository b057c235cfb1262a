"""The evaluation as a short explanation for a person at a terminal."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.policy.result import Evaluation, FileMatch, RuleMatch

if TYPE_CHECKING:  # the model (pydantic) stays unloaded in a cached `gatehouse check`
    from app.policy.model import RuleSet

MAX_FILES = 10
MAX_LINES = 3


def render_text(evaluation: Evaluation, ruleset: RuleSet) -> str:
    out: list[str] = []
    for problem in evaluation.problems:
        out.append(("error: " if problem.fatal else "note: ") + problem.message)
    if not evaluation.requirements:
        if not any(p.fatal for p in evaluation.problems):
            out.append(
                f"No review required: {evaluation.files_considered} changed file(s), "
                "no rule matched."
            )
        out += _suggestions(evaluation) + _notes(evaluation)
        return "\n".join(out) + "\n"
    for req in evaluation.requirements:
        plural = "s" if req.approvals_needed != 1 else ""
        out.append(f"{req.name} review required ({req.approvals_needed} approval{plural})")
        for match in evaluation.matches:
            if match.group == req.group:
                out += _rule_lines(match)
    out += _suggestions(evaluation) + _notes(evaluation)
    out.append("")
    out.append("Next steps:")
    for req in evaluation.requirements:
        group = ruleset.groups[req.group]
        who = ", ".join(m.display for m in group.members) or group.github_team or "the group"
        out.append(
            f"  - get {req.missing or req.approvals_needed} approval(s) from {req.name}: {who}"
        )
    if evaluation.needs_jira:
        out.append(
            f"  - track the change in Jira ({ruleset.settings.jira.project}); "
            "put the key in the PR title, branch or body"
        )
    if any(r.group == "architecture" for r in evaluation.requirements):
        review = ruleset.settings.architecture_review
        out.append(
            f"  - it goes on the agenda of the weekly architecture review "
            f"({review.weekday} {review.time}, {ruleset.settings.sla.timezone})"
        )
    return "\n".join(out) + "\n"


def _suggestions(evaluation: Evaluation) -> list[str]:
    out: list[str] = []
    for suggestion in evaluation.suggestions:
        out.append(f"{suggestion.name} review suggested (advisory: does not block)")
        for match in evaluation.advisories:
            if match.group == suggestion.group:
                out += _rule_lines(match)
    return out


def _notes(evaluation: Evaluation) -> list[str]:
    if not evaluation.notes:
        return []
    return ["Read but not counted:"] + [f"  {note.text}" for note in evaluation.notes[:MAX_FILES]]


def _rule_lines(match: RuleMatch) -> list[str]:
    lines = [f"  {match.rule_id}: {match.title}"]
    if match.assumed:
        lines.append("    (not ruled out: the file list was truncated)")
    for found in match.files[:MAX_FILES]:
        lines += _file_lines(found)
    if len(match.files) > MAX_FILES:
        lines.append(f"    ... and {len(match.files) - MAX_FILES} more file(s)")
    return lines


def _file_lines(found: FileMatch) -> list[str]:
    name = found.path
    if found.previous_path and found.previous_path != found.path:
        name = f"{found.previous_path} -> {found.path}"
    note = {"removed": " (deleted)", "added": " (new)"}.get(found.status, "")
    if found.reason == "unknown-lines":
        note += " (changed lines unknown without a diff: counted; use --diff to decide)"
    lines = [f"    {name}{note}"]
    for hit in found.lines[:MAX_LINES]:
        sign = "+" if hit.side == "added" else "-"
        lines.append(f"      line {hit.line}: {sign} {hit.text.strip()[:100]}")
    for finding in found.findings[:MAX_LINES]:
        where = f"line {finding.line}: " if finding.line is not None else ""
        lines.append(f"      {where}{finding.message}")
    if len(found.findings) > MAX_LINES:
        lines.append(f"      ... and {len(found.findings) - MAX_LINES} more finding(s)")
    if len(found.lines) > MAX_LINES:
        lines.append(f"      ... and {len(found.lines) - MAX_LINES} more matching line(s)")
    return lines
