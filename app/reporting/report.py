"""``gatehouse report``: how the review workflow performed, from the audit log and PR documents.

The report covers the pull requests with at least one audit record at or after ``since``
(all of them without ``since``). For those, it reads their whole history, so "the latest
evaluation" and "the first approval" are the true ones even when they predate ``since``;
events that are counted (expedites, post-implementation reviews, escalations, decisions)
are the ones recorded at or after ``since``.

Waits are business hours of the SLA calendar (``settings.sla``). A review given before
gatehouse recorded the request counts as an immediate answer (zero hours), never as a
negative wait.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from app.sla import BusinessCalendar
from app.store import AuditRecord, Document

PullKey = tuple[str, int]


@dataclass(frozen=True)
class Durations:
    """A set of waits in business hours: how many, median and 90th percentile.

    The 90th percentile interpolates linearly between the sorted values
    (``statistics.quantiles(..., method="inclusive")``); with one value it is that value.
    Both are None when there is no data.
    """

    count: int
    median: float | None
    p90: float | None

    @classmethod
    def of(cls, hours: Sequence[float]) -> Durations:
        if not hours:
            return cls(0, None, None)
        if len(hours) == 1:
            return cls(1, hours[0], hours[0])
        deciles = statistics.quantiles(hours, n=10, method="inclusive")
        return cls(len(hours), statistics.median(hours), deciles[8])

    def to_json(self) -> dict[str, Any]:
        return {"count": self.count, "median": _rounded(self.median), "p90": _rounded(self.p90)}


@dataclass(frozen=True)
class SlaAttainment:
    """Feedback deadlines: met, missed with feedback, and missed while still waiting.

    ``pending`` (open, not due yet) is shown but is neither met nor missed.
    """

    on_time: int
    late: int
    open_overdue: int
    pending: int

    @property
    def share(self) -> float | None:
        """On-time share of the deadlines decided so far; None when none is."""
        decided = self.on_time + self.late + self.open_overdue
        return self.on_time / decided if decided else None


@dataclass(frozen=True)
class Report:
    since: datetime | None
    generated_at: datetime
    pull_requests: int
    required_by_group: dict[str, int]
    required_by_rule: dict[str, int]
    feedback: Durations
    approval: Durations
    sla: SlaAttainment
    expedites: int
    pir_opened: int
    pir_done: int
    pir_overdue: int
    escalations: int
    decisions_approve: int
    decisions_reject: int
    replacements: int = 0
    """Requested reviewers replaced because they were away when a reminder fell due."""

    def to_json(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat() if self.since else None,
            "generated_at": self.generated_at.isoformat(),
            "pull_requests": self.pull_requests,
            "reviews_required": {
                "by_group": self.required_by_group,
                "by_rule": self.required_by_rule,
            },
            "business_hours": {
                "to_first_feedback": self.feedback.to_json(),
                "to_approval": self.approval.to_json(),
            },
            "sla": {
                "on_time": self.sla.on_time,
                "late": self.sla.late,
                "open_overdue": self.sla.open_overdue,
                "pending": self.sla.pending,
                "attainment": _rounded(self.sla.share, 4),
            },
            "expedites": {
                "count": self.expedites,
                "post_implementation_reviews": {
                    "opened": self.pir_opened,
                    "done": self.pir_done,
                    "overdue": self.pir_overdue,
                },
            },
            "escalations": self.escalations,
            "decisions": {"approve": self.decisions_approve, "reject": self.decisions_reject},
            "replaced_away_reviewers": self.replacements,
        }


@dataclass
class _History:
    """What the audit log says about one pull request."""

    active: bool = False
    groups: list[dict[str, Any]] = field(default_factory=list)
    first_approval: dict[str, datetime] = field(default_factory=dict)
    pir_due: datetime | None = None
    pir_done: bool = False


def build_report(
    audit: Iterable[AuditRecord],
    load: Callable[[str, int], Document],
    calendar: BusinessCalendar,
    *,
    since: datetime | None,
    now: datetime,
) -> Report:
    """Compute the report from the whole audit log (oldest first) and ``load(repo, number)``.

    The log is read once, keeping a few values per pull request, never the records.
    """
    histories: dict[PullKey, _History] = {}
    counted: Counter[str] = Counter()
    for record in audit:
        in_window = since is None or record.at >= since
        if in_window:
            counted[_counted_kind(record)] += 1
        if record.repository is None or record.number is None:
            continue
        history = histories.setdefault((record.repository, record.number), _History())
        history.active = history.active or in_window
        _remember(history, record)

    by_group: Counter[str] = Counter()
    by_rule: Counter[str] = Counter()
    feedback: list[float] = []
    approval: list[float] = []
    sla: Counter[str] = Counter()
    pir_overdue = 0
    active = [(key, h) for key, h in sorted(histories.items()) if h.active]
    for (repository, number), history in active:
        doc = load(repository, number)
        by_group.update({g["group"] for g in history.groups})
        by_rule.update({rule for g in history.groups for rule in g.get("rules", [])})
        for group, clock in (doc.get("sla") or {}).items():
            requested = _parse(clock.get("requested_at"))
            if requested is None:
                continue
            answered = _parse(clock.get("feedback_at"))
            if answered is not None:
                feedback.append(max(0.0, calendar.business_hours_between(requested, answered)))
            sla[_sla_outcome(doc, group, answered, _parse(clock.get("due_at")), now)] += 1
            approved = history.first_approval.get(group)
            if approved is not None:
                approval.append(max(0.0, calendar.business_hours_between(requested, approved)))
        done = history.pir_done or bool((doc.get("pir") or {}).get("done"))
        if history.pir_due is not None and not done and history.pir_due <= now:
            pir_overdue += 1

    return Report(
        since=since,
        generated_at=now,
        pull_requests=len(active),
        required_by_group=dict(sorted(by_group.items())),
        required_by_rule=dict(sorted(by_rule.items())),
        feedback=Durations.of(feedback),
        approval=Durations.of(approval),
        sla=SlaAttainment(sla["on_time"], sla["late"], sla["open_overdue"], sla["pending"]),
        expedites=counted["expedite"],
        pir_opened=counted["pir-opened"],
        pir_done=counted["pir-done"],
        pir_overdue=pir_overdue,
        escalations=counted["escalation"],
        replacements=counted["reviewer-replaced"],
        decisions_approve=counted["decision:approve"],
        decisions_reject=counted["decision:reject"],
    )


def _counted_kind(record: AuditRecord) -> str:
    if record.kind == "decision":
        return "decision:approve" if record.detail.get("approve") else "decision:reject"
    return record.kind


def _remember(history: _History, record: AuditRecord) -> None:
    if record.kind == "evaluation":
        history.groups = list(record.detail.get("groups") or [])
    elif record.kind == "approval-counted" and record.detail.get("group"):
        history.first_approval.setdefault(str(record.detail["group"]), record.at)
    elif record.kind == "pir-opened":
        history.pir_due = _parse(record.detail.get("due_at"))
    elif record.kind == "pir-done":
        history.pir_done = True


def _sla_outcome(
    doc: Document, group: str, answered: datetime | None, due: datetime | None, now: datetime
) -> str:
    """``on_time``, ``late``, ``open_overdue``, ``pending`` or ``none`` (no deadline runs).

    A clock without feedback still runs only while the pull request is open and the
    group's requirement is unmet; otherwise there is nothing to attain.
    """
    if due is None:
        return "none"
    if answered is not None:
        return "on_time" if answered <= due else "late"
    if doc.get("closed") or doc.get("merged"):
        return "none"
    groups = (doc.get("evaluation") or {}).get("groups", [])
    waiting = any(g.get("group") == group and g.get("conclusion") != "success" for g in groups)
    if not waiting:
        return "none"
    return "open_overdue" if due <= now else "pending"


def _parse(value: Any) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _rounded(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def render_text(report: Report) -> str:
    """A short plain-text report; every number of :meth:`Report.to_json`, "n/a" where none."""
    scope = f"since {_utc(report.since)}" if report.since else "over all recorded activity"
    sla, share = report.sla, report.sla.share
    lines = [
        f"gatehouse report {scope} (generated {_utc(report.generated_at)})",
        "",
        f"Pull requests with activity: {report.pull_requests}",
        "Reviews required (pull requests):",
        f"  by group: {_counts(report.required_by_group)}",
        f"  by rule:  {_counts(report.required_by_rule)}",
        "",
        f"{'Business hours':<28}{'n':>4}{'median':>9}{'p90':>9}",
        _durations("to first feedback", report.feedback),
        _durations("to approval", report.approval),
        "",
        f"SLA attainment: {'n/a' if share is None else f'{share:.0%}'} "
        f"({sla.on_time} on time, {sla.late} late, {sla.open_overdue} open and overdue; "
        f"{sla.pending} open within the SLA)",
        f"Expedites: {report.expedites}; post-implementation reviews: {report.pir_opened} "
        f"opened, {report.pir_done} done, {report.pir_overdue} overdue",
        f"Escalations: {report.escalations}; decisions: {report.decisions_approve} approve, "
        f"{report.decisions_reject} reject",
        f"Reviewers replaced while away: {report.replacements}",
    ]
    return "\n".join(lines) + "\n"


def _durations(label: str, durations: Durations) -> str:
    def shown(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.1f}"

    return f"  {label:<26}{durations.count:>4}{shown(durations.median):>9}{shown(durations.p90):>9}"


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {count}" for name, count in counts.items()) or "n/a"


def _utc(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
