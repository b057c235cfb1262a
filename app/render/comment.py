"""The one sticky pull-request comment: found again by its hidden marker, then edited."""

from __future__ import annotations

from app.policy.result import Conclusion, Evaluation
from app.render import markdown as md
from app.render.check_run import truncate
from app.render.context import PullContext

MARKER = "<!-- gatehouse:sticky -->"
COMMENT_LIMIT = 65_000
HEADLINE = {
    Conclusion.SUCCESS: "✅ **gatehouse**: every required review is in.",
    Conclusion.ACTION_REQUIRED: "⏳ **gatehouse**: this pull request needs review before merging.",
    Conclusion.FAILURE: "❌ **gatehouse**: this pull request cannot merge yet.",
}
COMMANDS = (
    "<details><summary>Commands</summary>\n\n"
    "- `/expedite REASON` — urgent production fix or security issue: expedited review\n"
    "- `/recheck` — evaluate again now\n"
    "- `/disagree RATIONALE` — after changes were requested: start the disagreement procedure\n"
    "- `/decision approve|reject RATIONALE` — engineering management's final decision\n"
    "- `/arch-review` — put this pull request on the next architecture review agenda\n"
    "- `/arch-decision approve|changes|reject RATIONALE` — the Architectural Team records "
    "the architecture review call's outcome\n"
    "- `/verified [NOTE]` / `/verification-failed NOTE` — after the merge: Platform "
    "Engineering's verification of the deployed change\n"
    "</details>"
)


def render_comment(evaluation: Evaluation, context: PullContext) -> str:
    lines = [MARKER, HEADLINE[evaluation.conclusion], ""]
    if not evaluation.requirements and not evaluation.problems:
        lines.append("No review is required by the change-approval rules.")
        suggested = md.suggestion_sections(evaluation)
        if suggested:
            lines += ["", *suggested]
        return "\n".join(lines)
    if context.expedited:
        lines += ["**Expedited**: the expedited review SLA applies.", ""]
    if evaluation.requirements:
        lines += md.requirements_table(evaluation, context)
        lines.append("")
        lines.append("**Why**")
        lines += md.rule_sections(evaluation)
        lines.append("")
    suggested = md.suggestion_sections(evaluation)
    if suggested:
        lines += [*suggested, ""]
    notes = md.note_lines(evaluation)
    if notes:
        lines += ["Read, not counted:", *notes, ""]
    ticket = context.ticket
    if ticket is not None and ticket.key:
        link = f"[{ticket.key}]({ticket.url})" if ticket.url else ticket.key
        lines += [f"Jira: {link} ({ticket.state}) {ticket.note}".rstrip(), ""]
    elif ticket is not None and ticket.note:
        lines += [f"Jira: {ticket.note}", ""]
    for note in context.notes:
        lines += [f"> {note}", ""]
    steps = md.next_steps(evaluation, context)
    if steps:
        lines.append("**Next steps**")
        lines += [f"{i}. {step}" for i, step in enumerate(steps, 1)]
        lines.append("")
    if context.details_url:
        lines.append(f"Details: {context.details_url}")
        lines.append("")
    lines.append(COMMANDS)
    return truncate("\n".join(lines), COMMENT_LIMIT)


def is_sticky(body: str | None) -> bool:
    return bool(body) and MARKER in (body or "")
