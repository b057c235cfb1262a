"""``gatehouse report`` numbers on a hand-built history, each checked by hand.

The SLA calendar is the shipped one: America/Los_Angeles, 09:00-17:00, Monday to Friday.
Daylight saving time starts on Sunday 2026-03-08, so times before it are -08:00 and after
it -07:00; the waits below cross that weekend.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from app.policy.loader import load_rules_dir
from app.reporting import Report, build_report, render_text
from app.settings import SHIPPED_RULES
from app.sla import BusinessCalendar
from app.store import AuditLog, Database, RecordStore
from tests.dbutil import open_database

PST = timezone(timedelta(hours=-8))
PDT = timezone(timedelta(hours=-7))
SINCE = datetime(2026, 3, 2, tzinfo=UTC)
NOW = datetime(2026, 3, 12, 12, 0, tzinfo=PDT)
PE, ARCH = "platform-engineering", "architecture"


def pst(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=PST)


def pdt(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=PDT)


class SetClock:
    """A clock the test sets to any instant before each audit entry."""

    def __init__(self) -> None:
        self.at = pst(1, 0)

    def __call__(self) -> datetime:
        return self.at


class History:
    def __init__(self, db: Database, clock: SetClock) -> None:
        self.log, self.records, self.clock = AuditLog(db), RecordStore(db), clock

    def event(
        self, at: datetime, kind: str, pull: str | None, detail: dict[str, Any] | None = None
    ) -> None:
        self.clock.at = at
        repo, number = pull.split("#") if pull else (None, None)
        self.log.append(
            kind,
            repository=repo,
            number=int(number) if number else None,
            actor="someone",
            summary=kind,
            detail=detail,
        )

    def evaluation(self, at: datetime, pull: str, **rules: list[str]) -> None:
        groups = [{"group": g.replace("_", "-"), "rules": r} for g, r in rules.items()]
        self.event(at, "evaluation", pull, {"groups": groups})

    def document(self, pull: str, **doc: Any) -> None:
        repo, number = pull.split("#")
        self.records.update(repo, int(number), lambda d: d.update(doc))


def clock_of(requested: datetime, feedback: datetime | None, due: datetime) -> dict[str, str]:
    clock = {"requested_at": requested.isoformat(), "due_at": due.isoformat()}
    if feedback is not None:
        clock["feedback_at"] = feedback.isoformat()
    return clock


def waiting(group: str) -> dict[str, Any]:
    return {"groups": [{"group": group, "conclusion": "action_required"}]}


def write_history(h: History) -> None:
    # Before --since: must not count anywhere.
    h.evaluation(datetime(2026, 2, 20, 10, tzinfo=PST), "org/old#9", platform_engineering=["x"])
    h.event(datetime(2026, 2, 20, 11, tzinfo=PST), "decision", "org/old#9", {"approve": True})
    h.document("org/old#9", sla={PE: clock_of(pst(1, 9), pdt(12, 9), pst(3, 9))}, closed=True)

    # api#1: a later evaluation drops architecture; feedback 2 h, approval 3 h, on time.
    h.evaluation(
        pst(2, 9),
        "org/api#1",
        platform_engineering=["ci-github-actions"],
        architecture=["arch-dependencies-node"],
    )
    h.evaluation(pst(2, 9, 30), "org/api#1", platform_engineering=["ci-github-actions"])
    h.event(pst(2, 13), "approval-counted", "org/api#1", {"group": PE})
    h.document(
        "org/api#1",
        closed=True,
        merged=True,
        sla={PE: clock_of(pst(2, 10), pst(2, 12), pst(4, 10))},
    )

    # api#2: requested Friday 15:00 PST, across the weekend and the DST change.
    h.evaluation(
        pst(6, 14),
        "org/api#2",
        platform_engineering=["ci-github-actions"],
        architecture=["arch-dependencies-node"],
    )
    h.event(pdt(10, 10), "approval-counted", "org/api#2", {"group": PE})  # 2+8+1 = 11 h
    h.event(pdt(10, 12), "approval-counted", "org/api#2", {"group": PE})  # not the first
    h.event(pdt(11, 9), "escalation", "org/api#2", {"group": ARCH})
    h.event(pdt(11, 15), "decision", "org/api#2", {"approve": True, "group": ARCH})
    h.event(pdt(11, 16), "approval-counted", "org/api#2", {"group": ARCH})  # 2+8+8+7 = 25 h
    h.document(
        "org/api#2",
        sla={
            PE: clock_of(pst(6, 15), pdt(9, 11), pdt(10, 15)),  # 2+2 = 4 h, on time
            ARCH: clock_of(pst(6, 15), pdt(11, 10), pdt(10, 15)),  # 2+8+8+1 = 19 h, late
        },
    )

    # web#3: open, never answered, due long ago; its dispute was rejected.
    h.evaluation(pst(2, 9), "org/web#3", architecture=["arch-api-schemas"])
    h.event(pst(5, 10), "decision", "org/web#3", {"approve": False, "group": ARCH})
    h.document(
        "org/web#3", evaluation=waiting(ARCH), sla={ARCH: clock_of(pst(2, 9), None, pst(3, 17))}
    )

    # web#4: expedited, answered after 8 h against a 4 h SLA, its review done in time.
    h.evaluation(pst(3, 8), "org/web#4", platform_engineering=["iac-terraform"])
    h.event(pst(3, 8, 30), "expedite", "org/web#4", {"reason": "prod is down"})
    h.event(pst(4, 10), "approval-counted", "org/web#4", {"group": PE})  # 8+1 = 9 h
    h.event(pst(4, 12), "pir-opened", "org/web#4", {"due_at": pst(5, 12).isoformat()})
    h.event(pst(5, 9), "pir-done", "org/web#4", {"key": "LFXV2-9"})
    h.document(
        "org/web#4",
        closed=True,
        merged=True,
        pir={"done": True},
        sla={PE: clock_of(pst(3, 9), pst(3, 17), pst(3, 13))},
    )

    # web#5: open and not due yet.
    h.evaluation(pdt(11, 9), "org/web#5", platform_engineering=["ci-github-actions"])
    h.document(
        "org/web#5", evaluation=waiting(PE), sla={PE: clock_of(pdt(11, 9), None, pdt(13, 9))}
    )

    # web#6: expedited and merged; its post-implementation review is past due.
    h.event(pdt(9, 10), "expedite", "org/web#6", {"reason": "CVE"})
    h.event(pdt(9, 12), "pir-opened", "org/web#6", {"due_at": pdt(10, 12).isoformat()})
    h.event(pdt(10, 13), "pir-overdue", "org/web#6", {"key": "LFXV2-10"})
    h.document("org/web#6", closed=True, merged=True, pir={"due_at": pdt(10, 12).isoformat()})

    h.event(pdt(11, 16), "agenda-posted", None, {"items": []})


@pytest.fixture(scope="module")
def calendar() -> BusinessCalendar:
    return BusinessCalendar.from_settings(load_rules_dir(SHIPPED_RULES).settings.sla)


def report_of(
    tmp_path: Path,
    calendar: BusinessCalendar,
    write: Callable[[History], None],
    since: datetime | None = SINCE,
) -> Report:
    clock = SetClock()
    with open_database("sqlite", tmp_path, now=clock) as db:
        write(History(db, clock))
        return build_report(
            AuditLog(db).export(), RecordStore(db).load, calendar, since=since, now=NOW
        )


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory, calendar: BusinessCalendar) -> Report:
    return report_of(tmp_path_factory.mktemp("report"), calendar, write_history)


@pytest.mark.parametrize(
    ("figure", "expected"),
    [
        pytest.param(lambda r: r.pull_requests, 6, id="only pull requests active since count"),
        pytest.param(
            lambda r: r.required_by_group, {ARCH: 2, PE: 4}, id="groups from latest evaluation"
        ),
        pytest.param(
            lambda r: r.required_by_rule,
            {
                "arch-api-schemas": 1,
                "arch-dependencies-node": 1,
                "ci-github-actions": 3,
                "iac-terraform": 1,
            },
            id="rules from latest evaluation",
        ),
        pytest.param(lambda r: r.feedback.count, 4, id="feedback waits counted"),
        pytest.param(lambda r: r.feedback.median, 6.0, id="feedback median of 2 4 8 19"),
        pytest.param(lambda r: r.feedback.p90, 15.7, id="feedback p90 of 2 4 8 19"),
        pytest.param(lambda r: r.approval.count, 4, id="approval waits use first approval"),
        pytest.param(lambda r: r.approval.median, 10.0, id="approval median of 3 9 11 25"),
        pytest.param(lambda r: r.approval.p90, 20.8, id="approval p90 of 3 9 11 25"),
        pytest.param(lambda r: (r.sla.on_time, r.sla.late), (2, 2), id="sla met and late"),
        pytest.param(lambda r: r.sla.open_overdue, 1, id="an unanswered open clock is overdue"),
        pytest.param(lambda r: r.sla.pending, 1, id="a clock not yet due is pending"),
        pytest.param(lambda r: r.sla.share, 0.4, id="sla attainment 2 of 5"),
        pytest.param(lambda r: r.expedites, 2, id="expedites"),
        pytest.param(
            lambda r: (r.pir_opened, r.pir_done, r.pir_overdue),
            (2, 1, 1),
            id="post-implementation reviews opened done overdue",
        ),
        pytest.param(lambda r: r.escalations, 1, id="escalations"),
        pytest.param(
            lambda r: (r.decisions_approve, r.decisions_reject),
            (1, 1),
            id="decisions since the date only",
        ),
    ],
)
def test_report_figures(report: Report, figure: Callable[[Report], Any], expected: Any) -> None:
    value = figure(report)
    if isinstance(expected, float):
        assert value == pytest.approx(expected)
    else:
        assert value == expected


def test_friday_afternoon_to_monday_morning_is_four_business_hours(
    calendar: BusinessCalendar,
) -> None:
    assert calendar.business_hours_between(pst(6, 15), pdt(9, 11)) == pytest.approx(4.0)


def test_without_since_older_activity_counts_too(
    tmp_path: Path, calendar: BusinessCalendar
) -> None:
    everything = report_of(tmp_path, calendar, write_history, since=None)
    assert everything.pull_requests == 7
    assert everything.decisions_approve == 2
    assert everything.required_by_rule["x"] == 1


def test_a_review_before_the_recorded_request_is_an_immediate_answer(
    tmp_path: Path, calendar: BusinessCalendar
) -> None:
    def write(h: History) -> None:
        h.evaluation(pst(3, 10), "org/api#1", platform_engineering=["ci-github-actions"])
        h.event(pst(3, 11), "approval-counted", "org/api#1", {"group": PE})
        h.document("org/api#1", sla={PE: clock_of(pst(3, 12), pst(3, 11), pst(5, 12))})

    report = report_of(tmp_path, calendar, write)
    assert (report.feedback.median, report.approval.median) == (0.0, 0.0)
    assert report.sla.on_time == 1


def test_a_closed_or_approved_unanswered_clock_is_neither_met_nor_missed(
    tmp_path: Path, calendar: BusinessCalendar
) -> None:
    def write(h: History) -> None:
        h.evaluation(pst(2, 10), "org/api#1", platform_engineering=["ci-github-actions"])
        h.document(
            "org/api#1",
            closed=True,
            evaluation=waiting(PE),
            sla={PE: clock_of(pst(2, 10), None, pst(4, 10))},
        )
        h.evaluation(pst(2, 10), "org/api#2", platform_engineering=["ci-github-actions"])
        h.document(
            "org/api#2",
            evaluation={"groups": [{"group": PE, "conclusion": "success"}]},
            sla={PE: clock_of(pst(2, 10), None, pst(4, 10))},
        )

    sla = report_of(tmp_path, calendar, write).sla
    assert (sla.on_time, sla.late, sla.open_overdue, sla.pending, sla.share) == (0, 0, 0, 0, None)


def test_text_report_shows_the_figures(report: Report) -> None:
    text = render_text(report)
    assert "since 2026-03-02 00:00 UTC" in text
    assert "Pull requests with activity: 6" in text
    assert "by group: architecture 2, platform-engineering 4" in text
    assert "to first feedback            4      6.0     15.7" in text
    assert "to approval                  4     10.0     20.8" in text
    assert "SLA attainment: 40% (2 on time, 2 late, 1 open and overdue" in text
    assert "post-implementation reviews: 2 opened, 1 done, 1 overdue" in text
    assert "Escalations: 1; decisions: 1 approve, 1 reject" in text


def test_json_report_carries_the_same_numbers(report: Report) -> None:
    data = report.to_json()
    assert data["business_hours"]["to_first_feedback"] == {"count": 4, "median": 6.0, "p90": 15.7}
    assert data["business_hours"]["to_approval"] == {"count": 4, "median": 10.0, "p90": 20.8}
    assert data["sla"]["attainment"] == 0.4
    assert data["expedites"]["post_implementation_reviews"] == {
        "opened": 2,
        "done": 1,
        "overdue": 1,
    }
    assert data["decisions"] == {"approve": 1, "reject": 1}


def test_no_data_reads_n_a(tmp_path: Path, calendar: BusinessCalendar) -> None:
    report = report_of(tmp_path, calendar, lambda h: None)
    text = render_text(report)
    assert "to first feedback            0      n/a      n/a" in text
    assert "SLA attainment: n/a" in text
    assert "by group: n/a" in text
    assert report.to_json()["business_hours"]["to_approval"] == {
        "count": 0,
        "median": None,
        "p90": None,
    }


def test_one_wait_is_its_own_median_and_p90(tmp_path: Path, calendar: BusinessCalendar) -> None:
    def write(h: History) -> None:
        h.evaluation(pst(2, 10), "org/api#1", platform_engineering=["ci-github-actions"])
        h.document("org/api#1", sla={PE: clock_of(pst(2, 10), pst(2, 15, 30), pst(4, 10))})

    feedback = report_of(tmp_path, calendar, write).feedback
    assert (feedback.count, feedback.median, feedback.p90) == (1, 5.5, 5.5)
