"""Markdown pieces shared by the check run summary and the sticky comment."""

from __future__ import annotations

from app.policy.result import Conclusion, Evaluation, FileMatch, GroupRequirement, RuleMatch
from app.render.context import PullContext

MAX_FILES_PER_RULE = 20
MAX_LINES_PER_FILE = 5
MAX_RATIONALE = 500
STATUS_WORD = {
    Conclusion.SUCCESS: "approved",
    Conclusion.ACTION_REQUIRED: "waiting for approval",
    Conclusion.FAILURE: "changes requested",
}


def code(text: str) -> str:
    """Inline code that survives backticks in the text."""
    text = text.replace("\n", " ")
    fence = "``" if "`" in text else "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def title(evaluation: Evaluation) -> str:
    fatal = [p for p in evaluation.problems if p.fatal]
    if fatal:
        return "gatehouse could not decide: " + fatal[0].message.split("\n")[0][:120]
    if not evaluation.requirements:
        return "No review required"
    waiting = [r for r in evaluation.requirements if not r.satisfied]
    if not waiting:
        return "All required reviews approved"
    rejected = [r for r in waiting if r.call_outcome is not None and r.call_outcome.rejected]
    if rejected:
        return "Rejected at the review call by " + ", ".join(r.name for r in rejected)
    blocked = [r for r in waiting if r.blocked_by]
    if blocked:
        return "Changes requested by " + ", ".join(r.name for r in blocked)
    parts = [f"{r.name} ({len(r.approved_by)}/{r.approvals_needed})" for r in waiting]
    return "Approval needed: " + ", ".join(parts)


def requirements_table(evaluation: Evaluation, context: PullContext) -> list[str]:
    lines = [
        "| Group | Approvals | Status | Asked | Feedback due |",
        "| --- | --- | --- | --- | --- |",
    ]
    for req in evaluation.requirements:
        asked = ", ".join(context.requested.get(req.group, ())) or "—"
        due = context.due.get(req.group)
        due_text = "—" if due is None or req.satisfied else due.text
        if due is not None and due.overdue and not req.satisfied:
            due_text = f"**overdue** {due_text}"
        status = req.override or _status(req)
        lines.append(
            f"| {cell(req.name)} | {len(req.approved_by)} / {req.approvals_needed} "
            f"| {cell(status)} | {cell(asked)} | {cell(due_text)} |"
        )
    return lines


def _status(req: GroupRequirement) -> str:
    word = STATUS_WORD[req.conclusion]
    call = req.call_outcome
    if call is None or not call.standing:
        return word
    if call.rejected:
        word = "rejected"
    return f"{word} (review call: {call.verdict} by @{call.decided_by})"


def rule_sections(evaluation: Evaluation) -> list[str]:
    lines = _match_lines(evaluation, evaluation.matches)
    return lines


def suggestion_sections(evaluation: Evaluation) -> list[str]:
    """Groups that advisory rules suggest: shown, never blocking, nobody asked."""
    if not evaluation.suggestions:
        return []
    names = ", ".join(s.name for s in evaluation.suggestions)
    lines = [f"Suggested (advisory, does not block): {names}.", ""]
    shown = [
        m for m in evaluation.advisories if m.group in {s.group for s in evaluation.suggestions}
    ]
    return lines + _match_lines(evaluation, tuple(shown))


def note_lines(evaluation: Evaluation) -> list[str]:
    """What detectors read without finding what a rule asks for: why a group is not asked."""
    return [f"- {cell(note.text)}" for note in evaluation.notes[:MAX_FILES_PER_RULE]]


def _match_lines(evaluation: Evaluation, matches: tuple[RuleMatch, ...]) -> list[str]:
    lines: list[str] = []
    for match in matches:
        lines.append(
            f"- **{code(match.rule_id)}** {match.title} → {_group_name(evaluation, match)}"
        )
        if match.assumed:
            lines.append("  - not ruled out: GitHub did not list every file")
        for found in match.files[:MAX_FILES_PER_RULE]:
            lines += _file_lines(found)
        if len(match.files) > MAX_FILES_PER_RULE:
            lines.append(f"  - … and {len(match.files) - MAX_FILES_PER_RULE} more files")
    return lines


def _group_name(evaluation: Evaluation, match: RuleMatch) -> str:
    req = evaluation.requirement(match.group)
    return req.name if req else match.group


def _file_lines(found: FileMatch) -> list[str]:
    name = code(found.path)
    if found.previous_path and found.previous_path != found.path:
        name = f"{code(found.previous_path)} → {code(found.path)}"
    extra = {"removed": " (deleted)", "added": " (new)", "renamed": " (renamed)"}.get(
        found.status, ""
    )
    if found.reason == "unknown-lines":
        extra += " (GitHub withheld the diff: counted)"
    lines = [f"  - {name}{extra}"]
    for hit in found.lines[:MAX_LINES_PER_FILE]:
        sign = "+" if hit.side == "added" else "-"
        lines.append(f"    - line {hit.line}: {code(sign + ' ' + hit.text.strip()[:120])}")
    for finding in found.findings[:MAX_LINES_PER_FILE]:
        where = f"line {finding.line}: " if finding.line is not None else ""
        lines.append(f"    - {where}{cell(finding.message)}")
    if len(found.findings) > MAX_LINES_PER_FILE:
        lines.append(f"    - … and {len(found.findings) - MAX_LINES_PER_FILE} more findings")
    if len(found.lines) > MAX_LINES_PER_FILE:
        lines.append(f"    - … and {len(found.lines) - MAX_LINES_PER_FILE} more matching lines")
    return lines


def review_lines(requirement: GroupRequirement) -> list[str]:
    lines = [f"- @{r.reviewer} ({r.state.lower()}): {r.explanation}" for r in requirement.reviews]
    call = requirement.call_outcome
    if call is not None:
        lines.append(
            f"- @{call.decided_by} (review call: {call.verdict}): {call.reason}. "
            f"Rationale: {cell(call.rationale[:MAX_RATIONALE])}"
        )
    return lines


def next_steps(evaluation: Evaluation, context: PullContext) -> list[str]:
    steps: list[str] = []
    for problem in evaluation.problems:
        if problem.fatal:
            steps.append(f"Fix this first: {problem.message}")
    for req in evaluation.requirements:
        if req.satisfied:
            continue
        call = req.call_outcome
        if call is not None and call.rejected:
            steps.append(
                f"{req.name} rejected this change at the review call (@{call.decided_by}: "
                f"{cell(call.rationale[:MAX_RATIONALE])}). Only a new outcome recorded with "
                "`/arch-decision` replaces it; if you disagree, comment "
                "`/disagree <your rationale>`."
            )
            continue
        if req.blocked_by:
            who = ", ".join(f"@{login}" for login in req.blocked_by)
            steps.append(
                f"Address the changes requested by {who} and ask them to review again; "
                "if you disagree, comment `/disagree <your rationale>`."
            )
            continue
        asked = ", ".join(context.requested.get(req.group, ())) or f"a {req.name} member"
        steps.append(f"Wait for {req.missing} approval(s) from {req.name} (asked: {asked}).")
    ticket = context.ticket
    if ticket is not None and ticket.state in ("missing", "invalid"):
        steps.append(ticket.note or "Add a valid Jira key to the title, branch or description.")
    if context.disagreement:
        steps.append(context.disagreement)
    if not steps and evaluation.requirements:
        steps.append("Every required review is in: this pull request may merge.")
    return steps
