"""What the pages show, computed from stored records: plain data for the templates.

Pure functions of a record document, the rules and "now", so the pages' content is tested
without a browser or a server, and the templates only lay it out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from app.sla.business_time import BusinessCalendar
from app.sla.humanize import relative_due
from app.store.audit import AuditRecord
from app.timestamps import aware_instant

Document = dict[str, Any]


def shown(moment: datetime | None, zone: ZoneInfo) -> str:
    """A time as reviewers read it: in the SLA timezone, to the minute."""
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z") if moment else "—"


@dataclass(frozen=True)
class Clock:
    """One group's review clock on one pull request."""

    group: str
    kind: str
    requested_at: str
    due_at: str
    due: datetime | None
    overdue: bool
    remaining: str


def clocks(doc: Document, now: datetime, calendar: BusinessCalendar) -> dict[str, Clock]:
    zone = calendar.zone
    result: dict[str, Clock] = {}
    for group, clock in (doc.get("sla") or {}).items():
        if not isinstance(clock, dict):
            continue
        due = aware_instant(clock.get("due_at"))
        result[group] = Clock(
            group=group,
            kind=str(clock.get("kind") or "standard"),
            requested_at=shown(aware_instant(clock.get("requested_at")), zone),
            due_at=shown(due, zone),
            due=due,
            overdue=bool(due and now >= due),
            remaining=relative_due(due, now, calendar) if due else "",
        )
    return result


@dataclass(frozen=True)
class QueueEntry:
    """One group's open review request on one pull request."""

    repository: str
    number: int
    title: str
    author: str
    html_url: str
    group: str
    group_name: str
    status: str
    asked: tuple[str, ...]
    approvals: str
    requested_at: str
    due_at: str
    due: datetime | None
    overdue: bool
    remaining: str
    expedited: bool
    expedite_reason: str
    ticket_key: str
    ticket_url: str

    @property
    def owner(self) -> str:
        return self.repository.partition("/")[0]

    def asks(self, login: str) -> bool:
        return f"@{login}".lower() in (a.lower() for a in self.asked)

    def sort_key(self) -> tuple[Any, ...]:
        # Expedited first, then overdue, then the nearest due time; unknown due last.
        due = self.due.timestamp() if self.due else float("inf")
        return (not self.expedited, not self.overdue, due, self.repository, self.number)


STATUS_TEXT = {
    "action_required": "waiting for review",
    "failure": "changes requested",
}


def queue_entries(
    records: Iterable[tuple[str, int, Document]], now: datetime, calendar: BusinessCalendar
) -> list[QueueEntry]:
    """Every open request of every open pull request, expedited first, then by due time."""
    entries: list[QueueEntry] = []
    for repository, number, doc in records:
        evaluation = doc.get("evaluation")
        if not evaluation or doc.get("closed"):
            continue
        own_clocks = clocks(doc, now, calendar)
        expedite = doc.get("expedite") or {}
        ticket = doc.get("ticket_view") or {}
        requested = doc.get("requested_view") or {}
        for group in evaluation.get("groups", []):
            if group.get("conclusion") == "success":
                continue
            name = str(group.get("group"))
            clock = own_clocks.get(name)
            entries.append(
                QueueEntry(
                    repository=repository,
                    number=number,
                    title=str(doc.get("title", "")),
                    author=str(doc.get("author", "")),
                    html_url=str(doc.get("html_url", "")),
                    group=name,
                    group_name=str(group.get("name", name)),
                    status=STATUS_TEXT.get(str(group.get("conclusion")), "waiting"),
                    asked=tuple(requested.get(name, [])),
                    approvals=f"{len(group.get('approved_by', []))} / "
                    f"{group.get('approvals_needed', 1)}",
                    requested_at=clock.requested_at if clock else "—",
                    due_at=clock.due_at if clock else "—",
                    due=clock.due if clock else None,
                    overdue=clock.overdue if clock else False,
                    remaining=clock.remaining if clock else "",
                    expedited=bool(expedite),
                    expedite_reason=str(expedite.get("reason", "")),
                    ticket_key=str(ticket.get("key") or ""),
                    ticket_url=str(ticket.get("url") or ""),
                )
            )
    return sorted(entries, key=QueueEntry.sort_key)


@dataclass
class GroupQueue:
    group: str
    name: str
    entries: list[QueueEntry] = field(default_factory=list)

    @property
    def overdue(self) -> int:
        return sum(1 for e in self.entries if e.overdue)


def by_group(entries: Iterable[QueueEntry], names: dict[str, str]) -> list[GroupQueue]:
    """Entries per group, groups in the rules' order (then any others the records name)."""
    queues = {group: GroupQueue(group, name) for group, name in names.items()}
    for entry in entries:
        queues.setdefault(entry.group, GroupQueue(entry.group, entry.group_name)).entries.append(
            entry
        )
    return list(queues.values())


@dataclass(frozen=True)
class HistoryLine:
    at: str
    kind: str
    actor: str
    summary: str


def history(records: Iterable[AuditRecord], zone: ZoneInfo) -> list[HistoryLine]:
    """The audit log of one pull request, newest first, with consecutive repeats of the same
    evaluation folded (each delivery re-evaluates; a reader wants the changes)."""
    lines: list[HistoryLine] = []
    previous: tuple[str, str] | None = None
    for record in records:
        key = (record.kind, record.summary)
        if record.kind == "evaluation" and key == previous:
            continue
        previous = key
        lines.append(
            HistoryLine(shown(record.at, zone), record.kind, record.actor or "", record.summary)
        )
    return lines[::-1]
