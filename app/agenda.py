"""The weekly architecture review: which pull requests wait for the Architectural Team.

A pull request is on the agenda while the ``architecture`` group's requirement waits for
approval, or after ``/arch-review`` until an Architectural Team member reviews it; closed
pull requests and decided ones leave the queue. Open pull requests that only advisory
rules point at are listed apart, as suggested: the call may look at them, nothing waits.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from app.policy.model import RuleSet
from app.sla.business_time import current_or_next_call
from app.sla.moments import show_moment
from app.store import RecordStore

ARCHITECTURE = "architecture"


@dataclass(frozen=True)
class AgendaItem:
    repository: str
    number: int
    title: str
    author: str
    url: str
    reason: str
    rules: list[str]
    waiting_since: str


@dataclass(frozen=True)
class Agenda:
    call_start: datetime
    call_end: datetime
    items: list[AgendaItem]
    suggested: list[AgendaItem] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "call_start": self.call_start.isoformat(),
            "call_end": self.call_end.isoformat(),
            "items": [asdict(item) for item in self.items],
            "suggested": [asdict(item) for item in self.suggested],
        }


def build_agenda(records: RecordStore, ruleset: RuleSet, now: datetime) -> Agenda:
    review = ruleset.settings.architecture_review
    start, end = current_or_next_call(
        now,
        review.weekday,
        review.time,
        review.duration_minutes,
        ruleset.settings.sla.timezone,
    )
    items = []
    suggested = []
    for repo, number, doc in records.all_open():
        item = _item(repo, number, doc)
        if item is not None:
            items.append(item)
        else:
            hint = _suggested_item(repo, number, doc)
            if hint is not None:
                suggested.append(hint)
    items.sort(key=lambda i: (i.waiting_since, i.repository, i.number))
    suggested.sort(key=lambda i: (i.repository, i.number))
    return Agenda(start, end, items, suggested)


def _suggested_item(repo: str, number: int, doc: dict[str, Any]) -> AgendaItem | None:
    view = doc.get("evaluation") or {}
    if not any(s.get("group") == ARCHITECTURE for s in view.get("suggested", [])):
        return None
    rules = [
        f"{r['id']}: {r['title']}"
        for r in view.get("rules", [])
        if r["group"] == ARCHITECTURE and r.get("advisory")
    ]
    return AgendaItem(
        repository=repo,
        number=number,
        title=str(doc.get("title", "")),
        author=str(doc.get("author", "")),
        url=str(doc.get("html_url", "")),
        reason="suggested by advisory rules",
        rules=rules,
        waiting_since="",
    )


def _item(repo: str, number: int, doc: dict[str, Any]) -> AgendaItem | None:
    view = doc.get("evaluation") or {}
    group = next((g for g in view.get("groups", []) if g["group"] == ARCHITECTURE), None)
    waiting = group is not None and group["conclusion"] == "action_required"
    flagged = bool(doc.get("agenda")) and not doc.get("agenda_done")
    if not (waiting or flagged):
        return None
    rules = [
        f"{r['id']}: {r['title']}" for r in view.get("rules", []) if r["group"] == ARCHITECTURE
    ]
    since = ((doc.get("sla") or {}).get(ARCHITECTURE) or {}).get("requested_at")
    if flagged:
        since = min(filter(None, [since, doc["agenda"].get("at")]))
        reason = f"/arch-review by @{doc['agenda'].get('by')}"
    else:
        reason = "requires Architectural Team review"
    return AgendaItem(
        repository=repo,
        number=number,
        title=str(doc.get("title", "")),
        author=str(doc.get("author", "")),
        url=str(doc.get("html_url", "")),
        reason=reason,
        rules=rules,
        waiting_since=str(since or ""),
    )


def render_markdown(agenda: Agenda, ruleset: RuleSet) -> str:
    zone = ruleset.settings.sla.timezone
    start = show_moment(agenda.call_start, zone)
    lines = [f"# Architecture review — {start}", ""]
    if not agenda.items:
        lines.append("Nothing is waiting for the Architectural Team.")
        return "\n".join(lines + _suggested_markdown(agenda)) + "\n"
    lines += [
        "| Pull request | Author | Why | Rules | Waiting since |",
        "| --- | --- | --- | --- | --- |",
    ]
    for item in agenda.items:
        since = show_moment(item.waiting_since, zone)
        title = item.title.replace("|", "\\|")
        link = (
            f"[{item.repository}#{item.number}]({item.url}) {title}"
            if item.url
            else f"{item.repository}#{item.number} {title}"
        )
        lines.append(
            f"| {link} | @{item.author} | {item.reason} | {'; '.join(item.rules) or '—'} | {since} |"
        )
    return "\n".join(lines + _suggested_markdown(agenda)) + "\n"


def _suggested_markdown(agenda: Agenda) -> list[str]:
    if not agenda.suggested:
        return []
    lines = ["", "## Suggested (advisory: nothing waits on these)", ""]
    for item in agenda.suggested:
        title = item.title.replace("|", "\\|")
        ref = (
            f"[{item.repository}#{item.number}]({item.url})"
            if item.url
            else f"{item.repository}#{item.number}"
        )
        lines.append(f"- {ref} {title} (@{item.author}): {'; '.join(item.rules) or '—'}")
    return lines


def render_slack(agenda: Agenda, ruleset: RuleSet) -> str:
    from app.slack import escape, link

    start = show_moment(agenda.call_start, ruleset.settings.sla.timezone)
    if not agenda.items:
        return f"Architecture review {start}: nothing is waiting for the Architectural Team."
    lines = [f"Agenda of the architecture review {start}:"]
    for item in agenda.items:
        ref = f"{item.repository}#{item.number}: {item.title}"
        lines.append(f"• {link(item.url, ref)} ({escape(item.reason)})")
    return "\n".join(lines)
