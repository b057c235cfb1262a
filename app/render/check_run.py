"""The evaluation as a GitHub check run: conclusion, title, summary and annotations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.policy.result import Conclusion, Evaluation
from app.render import markdown as md
from app.render.context import PullContext

SUMMARY_LIMIT = 65_535
ANNOTATIONS_PER_REQUEST = 50
MAX_ANNOTATIONS = 500
RERUN_ACTION = {
    "label": "Re-run",
    "description": "Evaluate the rules again",
    "identifier": "rerun",
}


@dataclass(frozen=True)
class CheckOutput:
    conclusion: str
    title: str
    summary: str
    text: str
    annotations: tuple[dict[str, Any], ...]


def render_check_run(evaluation: Evaluation, context: PullContext) -> CheckOutput:
    lines: list[str] = []
    if context.expedited:
        lines.append("**Expedited**: the expedited review SLA applies.\n")
    for problem in evaluation.problems:
        marker = "❌" if problem.fatal else "⚠️"
        lines.append(f"{marker} {problem.message}\n")
    if evaluation.requirements:
        lines.append("### Required reviews")
        lines += md.requirements_table(evaluation, context)
        lines.append("")
        lines.append("### Why")
        lines += md.rule_sections(evaluation)
        lines.append("")
    elif not any(p.fatal for p in evaluation.problems):
        lines.append(
            f"No rule matched the {evaluation.files_considered} changed file(s): no review "
            "is required by the organisation's change-approval rules."
        )
        lines.append("")
    suggested = md.suggestion_sections(evaluation)
    if suggested:
        lines.append("### Suggested reviews")
        lines += suggested
        lines.append("")
    notes = md.note_lines(evaluation)
    if notes:
        lines.append("### Read, not counted")
        lines += notes
        lines.append("")
    reviews = [line for req in evaluation.requirements for line in md.review_lines(req)]
    if reviews:
        lines.append("### Reviews")
        lines += reviews
        lines.append("")
    if context.ticket is not None:
        lines.append("### Jira")
        lines.append(_ticket_line(context))
        lines.append("")
    if context.notes:
        lines.append("### Notes")
        lines += [f"- {note}" for note in context.notes]
        lines.append("")
    steps = md.next_steps(evaluation, context)
    if steps:
        lines.append("### Next steps")
        lines += [f"{i}. {step}" for i, step in enumerate(steps, 1)]
    summary = truncate("\n".join(lines), SUMMARY_LIMIT)
    return CheckOutput(
        conclusion=str(evaluation.conclusion),
        title=md.title(evaluation)[:250],
        summary=summary,
        text="",
        annotations=tuple(line_annotations(evaluation)),
    )


def _ticket_line(context: PullContext) -> str:
    ticket = context.ticket
    assert ticket is not None
    if ticket.key and ticket.url:
        head = f"[{ticket.key}]({ticket.url}) ({ticket.state})"
    elif ticket.key:
        head = f"{ticket.key} ({ticket.state})"
    else:
        head = {"off": "No ticket is tracked: Jira is not configured."}.get(
            ticket.state, ticket.state
        )
    return f"{head} {ticket.note}".strip()


def truncate(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` characters, saying how much was left out."""
    if len(text) <= limit:
        return text
    omitted_lines = text[limit - 200 :].count("\n")
    note = f"\n\n… truncated: {omitted_lines} more lines are on the details page."
    return text[: limit - len(note)] + note


def line_annotations(evaluation: Evaluation) -> list[dict[str, Any]]:
    """Annotations on the added lines that showed a finding or matched ``changed_lines``
    (removed lines no longer exist in the head commit, so they are listed in the summary
    only)."""
    level = "warning" if evaluation.conclusion is not Conclusion.SUCCESS else "notice"
    result: list[dict[str, Any]] = []
    for match in evaluation.matches:
        req = evaluation.requirement(match.group)
        group = req.name if req else match.group
        title = f"{match.rule_id}: {group} review"[:255]
        for found in match.files:
            marks = [
                (f.line, f"{f.message} ({match.title}: needs {group} review).")
                for f in found.findings
                if f.side == "added" and f.line is not None
            ]
            marks += [
                (hit.line, f"{match.title}: this line needs {group} review.")
                for hit in found.lines
                if hit.side == "added"
            ]
            for line, message in marks:
                result.append(
                    {
                        "path": found.path,
                        "start_line": line,
                        "end_line": line,
                        "annotation_level": level,
                        "title": title,
                        "message": message[:64_000],
                    }
                )
                if len(result) >= MAX_ANNOTATIONS:
                    return result
    return result
