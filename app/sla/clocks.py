"""SLA clocks for a pull request, as a reconcile extension.

A group's clock starts when its review is first requested; the first review by a member
(any state) is the feedback that stops it. The due time is business time from
``settings.sla`` (standard, or expedited once ``/expedite`` ran). Reminder and breach
timers are armed in the database, keyed by group and due time, so a moved deadline arms
new ones and a stale one finds nothing to do.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from app.policy.model import SlaSettings
from app.policy.snapshot import ReviewState
from app.pulls.extension import ReconcileState
from app.render.context import DueInfo
from app.sla.business_time import BusinessCalendar
from app.sla.humanize import format_due
from app.sla.moments import parse_moment
from app.store import RecordStore, TimerStore

REMIND_KIND = "sla-remind"
BREACH_KIND = "sla-breach"


def calendar_for(sla: SlaSettings, cache: dict[str, BusinessCalendar]) -> BusinessCalendar:
    key = sla.model_dump_json()
    if key not in cache:
        cache[key] = BusinessCalendar.from_settings(sla)
    return cache[key]


def due_time(
    sla: SlaSettings,
    calendar: BusinessCalendar,
    requested_at: datetime,
    expedited_at: datetime | None,
) -> tuple[datetime, str]:
    if expedited_at is not None:
        start = max(requested_at, expedited_at)
        return calendar.add_business_hours(start, sla.expedited.business_hours), "expedited"
    return calendar.add_business_days(requested_at, sla.standard.business_days), "standard"


class SlaClocks:
    def __init__(
        self, records: RecordStore, timers: TimerStore, now: Callable[[], datetime]
    ) -> None:
        self.records = records
        self.timers = timers
        self.now = now
        self._calendars: dict[str, BusinessCalendar] = {}

    def decides(self, state: ReconcileState) -> bool:
        """Database only: runs before the check is published."""
        return True

    def contribute(self, state: ReconcileState) -> None:
        snap = state.snapshot
        assert snap.number is not None
        sla = state.ruleset.settings.sla
        calendar = calendar_for(sla, self._calendars)
        now = self.now()
        doc = self.records.load(snap.repository, snap.number)
        clocks: dict[str, Any] = dict(doc.get("sla", {}))
        expedite = doc.get("expedite") or {}
        state.expedited = bool(expedite)
        expedited_at = parse_moment(expedite.get("at")) if expedite else None
        changed = False
        for req in state.evaluation.requirements:
            clock = dict(clocks.get(req.group, {}))
            if "requested_at" not in clock:
                if req.group not in state.requests.asked:
                    continue
                clock["requested_at"] = now.isoformat()
            requested_at = parse_moment(clock["requested_at"])
            assert requested_at is not None
            if not clock.get("feedback_at"):
                feedback = _first_member_review(state, req.group)
                if feedback is not None:
                    clock["feedback_at"] = feedback.isoformat()
            due, kind = due_time(sla, calendar, requested_at, expedited_at)
            clock.update(due_at=due.isoformat(), kind=kind)
            if clock != clocks.get(req.group):
                clocks[req.group] = clock
                changed = True
            if clock.get("feedback_at") or req.satisfied:
                continue
            state.due[req.group] = DueInfo(
                format_due(due, now, calendar), overdue=now >= due, kind=kind
            )
            self._arm(snap.repository, snap.number, req.group, due, sla.remind_before_minutes)
        if changed:
            self.records.update(snap.repository, snap.number, lambda d: d.update(sla=clocks))

    def _arm(self, repo: str, number: int, group: str, due: datetime, remind_minutes: int) -> None:
        payload = {"repository": repo, "number": number, "group": group, "due_at": due.isoformat()}
        stamp = due.astimezone().strftime("%Y%m%dT%H%M")
        remind_at = due - timedelta(minutes=remind_minutes)
        if remind_minutes and remind_at > self.now():
            self.timers.schedule(
                f"{REMIND_KIND}:{repo}#{number}:{group}:{stamp}", REMIND_KIND, remind_at, payload
            )
        self.timers.schedule(
            f"{BREACH_KIND}:{repo}#{number}:{group}:{stamp}", BREACH_KIND, due, payload
        )


def _first_member_review(state: ReconcileState, group: str) -> datetime | None:
    """The first review by a member of ``group``, in any state: the SLA's feedback."""
    members = {m.github.lower() for m in state.ruleset.groups[group].members}
    members |= {m.lower() for m in state.snapshot.group_members.get(group, frozenset())}
    for review in state.snapshot.reviews:
        if review.reviewer.lower() not in members or review.state is ReviewState.PENDING:
            continue
        at = parse_moment(review.submitted_at)
        if at is not None:
            return at
    return None
