"""Who verifies a merged change, by when, and how the pull request shows it."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from app.policy.model import BusinessDays, SlaSettings
from app.verification.plan import (
    Verifier,
    choose_verifier,
    jira_line,
    needs_verification,
    section,
    verification_due,
)

LA = ZoneInfo("America/Los_Angeles")


def evaluation(*groups: tuple[str, list[str]]) -> dict[str, Any]:
    return {"groups": [{"group": g, "approved_by": approved} for g, approved in groups]}


@pytest.mark.parametrize(
    ("view", "expected"),
    [
        pytest.param(evaluation(("platform-engineering", [])), True, id="platform-engineering"),
        pytest.param(
            evaluation(("architecture", []), ("platform-engineering", ["alan"])),
            True,
            id="both-groups",
        ),
        pytest.param(evaluation(("architecture", ["arch"])), False, id="architecture-only"),
        pytest.param(evaluation(), False, id="nothing-required"),
        pytest.param(None, False, id="never-evaluated"),
    ],
)
def test_verification_follows_a_platform_engineering_requirement(
    view: dict[str, Any] | None, expected: bool
) -> None:
    assert needs_verification(view) is expected


@pytest.mark.parametrize(
    ("view", "assignee", "expected"),
    [
        pytest.param(
            evaluation(("platform-engineering", ["antonia"])),
            "alan",
            Verifier("antonia", "approved"),
            id="the-member-whose-approval-counted",
        ),
        pytest.param(
            evaluation(("platform-engineering", ["antonia", "robert"])),
            None,
            Verifier("antonia", "approved"),
            id="the-first-of-several-approvals",
        ),
        pytest.param(
            evaluation(("platform-engineering", [])),
            "alan",
            Verifier("alan", "assignee"),
            id="no-approval-counted-falls-back-to-the-assignee",
        ),
        pytest.param(
            evaluation(("platform-engineering", [])),
            "@alan",
            Verifier("alan", "assignee"),
            id="a-requested-login-reads-as-the-assignee",
        ),
        pytest.param(
            evaluation(("platform-engineering", [])),
            "@my-org/platform",
            Verifier(None, "group"),
            id="a-team-request-leaves-the-group",
        ),
        pytest.param(
            evaluation(("platform-engineering", [])),
            None,
            Verifier(None, "group"),
            id="nobody-asked-leaves-the-group",
        ),
        pytest.param(
            evaluation(("platform-engineering", ["Dana"])),
            "dana",
            Verifier(None, "group"),
            id="never-the-author",
        ),
    ],
)
def test_who_is_asked_to_verify(
    view: dict[str, Any], assignee: str | None, expected: Verifier
) -> None:
    assert choose_verifier(view, assignee, author="dana") == expected


@pytest.mark.parametrize(
    ("merged", "days", "due"),
    [
        pytest.param("2026-11-30T09:00", 2, "2026-12-01T17:00", id="monday-morning"),
        pytest.param("2026-11-13T15:00", 2, "2026-11-17T15:00", id="friday-afternoon-to-tuesday"),
        pytest.param("2026-11-14T10:00", 2, "2026-11-17T17:00", id="saturday-counts-from-monday"),
        pytest.param("2026-11-25T12:00", 2, "2026-11-30T12:00", id="over-thanksgiving"),
        pytest.param("2026-11-30T09:00", 0.5, "2026-11-30T13:00", id="half-a-day"),
    ],
)
def test_due_is_business_days_after_the_merge(merged: str, days: float, due: str) -> None:
    sla = SlaSettings(holidays="US", verification=BusinessDays(business_days=days))
    moment = datetime.fromisoformat(merged).replace(tzinfo=LA)
    assert verification_due(sla, moment).isoformat() == f"{due}:00-08:00"


def test_the_default_is_two_business_days() -> None:
    assert SlaSettings().verification == BusinessDays(business_days=2)


def test_an_open_verification_says_who_and_when() -> None:
    text = section(
        {"state": "open", "failures": [], "transition": {"outcome": "moved", "status": "QA"}},
        verifier="@antonia",
        due="2026-12-01 17:00 PST (in 2 business days)",
        ticket="[LFXV2-1](https://jira/browse/LFXV2-1)",
        shown={},
    )
    assert text.splitlines()[0] == "**Verification**"
    assert "@antonia: please verify" in text
    assert "Due: 2026-12-01 17:00 PST (in 2 business days)." in text
    assert "Jira: [LFXV2-1](https://jira/browse/LFXV2-1) is in QA." in text


def test_a_closed_verification_lists_failures_before_the_verification() -> None:
    record = {
        "state": "verified",
        "verified_by": "alan",
        "verified_at": "T2",
        "note": "fixed",
        "failures": [{"by": "antonia", "at": "T1", "note": "still runs on push"}],
    }
    text = section(
        record, verifier="@antonia", due="", ticket=None, shown={"T1": "one", "T2": "two"}
    )
    lines = [line for line in text.splitlines() if line]
    assert lines[1:] == [
        "❌ Failed (@antonia, one): still runs on push",
        "✅ Verified by @alan on two: fixed",
    ]
    assert "Due" not in text


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        pytest.param(
            {"transition": {"wanted": "Verify", "outcome": "moved", "status": "In Verification"}},
            "Jira: K is in In Verification.",
            id="moved",
        ),
        pytest.param(
            {
                "transition": {"wanted": "Verify", "outcome": "moved", "status": "In Verification"},
                "done": {"wanted": "Done", "outcome": "moved", "status": "Done"},
            },
            "Jira: K is in Done.",
            id="the-done-transition-is-the-latest",
        ),
        pytest.param(
            {"transition": {"wanted": "Verify", "outcome": "not-offered", "status": "To Do"}},
            "Jira: K offers no “Verify” transition from To Do; it was left as it is.",
            id="not-offered",
        ),
        pytest.param(
            {"transition": {"wanted": "Verify", "outcome": "failed"}},
            "Jira: K; Jira did not answer when gatehouse tried “Verify”.",
            id="jira-failed",
        ),
        pytest.param({}, "Jira: K.", id="no-transition-configured"),
    ],
)
def test_the_jira_line_says_where_the_ticket_stands(record: dict[str, Any], expected: str) -> None:
    assert jira_line(record, "K") == expected


def test_no_ticket_no_jira_line() -> None:
    assert jira_line({"transition": {"outcome": "moved"}}, None) == ""
