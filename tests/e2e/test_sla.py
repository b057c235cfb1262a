"""Review deadlines in business time: shown, reminded, breached, once each."""

from __future__ import annotations

from datetime import date

from app.policy.loader import load_rules_dir
from app.reporting.report import build_report, render_text
from app.sandbox.clock import ManualClock
from app.sandbox.world import AUTHOR, REPO, Sandbox
from app.settings import SHIPPED_RULES
from app.sla.business_time import BusinessCalendar
from tests.e2e.changes import WORKFLOW

# The sandbox clock starts on Monday 2026-11-30 at 09:00 in Los Angeles (17:00 UTC).


def test_due_time_is_shown_in_the_sla_timezone(sandbox: Sandbox) -> None:
    number = sandbox.open_pull("Add deploy workflow", [WORKFLOW])
    run = sandbox.check_run(number)
    # 16 business hours: Monday 09:00-17:00 and Tuesday 09:00-17:00
    assert "2026-12-01 17:00 PST (in 2 business days)" in run.summary
    assert "2026-12-01 17:00 PST" in sandbox.github.comments(REPO, number)[0].body


def test_reminder_then_breach_each_sent_once(sandbox: Sandbox, clock: ManualClock) -> None:
    number = sandbox.open_pull("Add deploy workflow", [WORKFLOW])
    clock.advance(hours=29)  # Tuesday 14:00 PST: nothing yet
    sandbox.settle()
    assert sandbox.slack.messages()[-1].text.count("reminder") == 0
    clock.advance(hours=1, minutes=30)  # 15:30: the reminder (2 hours before 17:00) is due
    sandbox.settle()
    reminders = [m for m in sandbox.slack.messages() if "reminder" in m.text]
    assert len(reminders) == 1 and "<@U0PLATF001>" in reminders[0].text
    clock.advance(hours=2)  # 17:30: overdue
    sandbox.settle()
    sandbox.settle()
    breaches = [m for m in sandbox.slack.messages() if "past its" in m.text]
    assert len(breaches) == 1
    run = sandbox.check_run(number)
    assert "**overdue**" in run.summary


def test_first_member_review_stops_the_clock(sandbox: Sandbox, clock: ManualClock) -> None:
    number = sandbox.open_pull("Add deploy workflow", [WORKFLOW])
    sandbox.review(number, "alan-sherman", "COMMENTED", body="Looking at it")
    clock.advance(days=3)
    sandbox.settle()
    assert [
        m for m in sandbox.slack.messages() if "reminder" in m.text or "past its" in m.text
    ] == []


def test_expedite_switches_to_four_business_hours(sandbox: Sandbox) -> None:
    number = sandbox.open_pull("Hotfix", [WORKFLOW])
    sandbox.comment(number, AUTHOR, "/expedite outage")
    assert "2026-11-30 13:00 PST (in 4 business hours)" in sandbox.check_run(number).summary


def test_service_restart_keeps_clocks_and_sends_missed_reminders(
    sandbox: Sandbox, clock: ManualClock
) -> None:
    number = sandbox.open_pull("Add deploy workflow", [WORKFLOW])
    sandbox.restart(process=False)
    clock.advance(days=3)  # the deadline passed while the service was down
    sandbox.restart()
    sandbox.settle()
    assert len([m for m in sandbox.slack.messages() if "past its" in m.text]) == 1
    assert "**overdue**" in sandbox.check_run(number).summary


def test_an_away_reviewer_is_replaced_when_the_reminder_falls_due(
    sandbox: Sandbox, clock: ManualClock
) -> None:
    number = sandbox.open_pull("Add deploy workflow", [WORKFLOW])
    assert sandbox.github.requested_reviewers(REPO, number) == ["alan-sherman"]
    # Alan falls ill on Tuesday and marks himself away for two days.
    sandbox.service.away.add("alan-sherman", date(2026, 12, 1), date(2026, 12, 2))
    clock.advance(hours=30, minutes=30)  # Tuesday 15:30 PST: the reminder is due
    sandbox.settle()
    sandbox.settle()
    assert sandbox.github.requested_reviewers(REPO, number) == ["antonia-gaete"]
    texts = [m.text for m in sandbox.slack.messages()]
    [handover] = [t for t in texts if "in place of" in t]
    assert "<@U0PLATF002>" in handover and "Alan Sherman, who is away" in handover
    [reminder] = [t for t in texts if "reminder" in t]
    assert "<@U0PLATF002>" in reminder and "<@U0PLATF001>" not in reminder
    [issue] = sandbox.jira.issues()
    assert issue.assignee_id == "000000:00000000-0000-4000-8000-000000000002"
    assert sandbox.service.assignments.assignee(REPO, number, "platform-engineering") == (
        "antonia-gaete"
    )
    comment = sandbox.github.comments(REPO, number)[0].body
    kinds = [r.kind for r in sandbox.service.audit.export()]
    assert kinds.count("reviewer-replaced") == 1
    report = build_report(
        sandbox.service.audit.export(),
        sandbox.service.records.load,
        BusinessCalendar.from_settings(load_rules_dir(SHIPPED_RULES).settings.sla),
        since=None,
        now=clock.now(),
    )
    assert report.replacements == 1
    assert "Reviewers replaced while away: 1" in render_text(report)
    assert "@antonia-gaete" in comment
