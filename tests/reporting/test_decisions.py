"""The decision log built from audit records: its JSON shape, markdown and ``since``."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.reporting.decisions import build_decisions, decisions_to_json, render_markdown
from app.store import AuditRecord

START = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
SHA = "a" * 40


def record(
    seq: int,
    kind: str,
    detail: dict[str, Any],
    *,
    hours: float = 0,
    number: int | None = 7,
    actor: str = "ada",
    repository: str = "org/api",
) -> AuditRecord:
    return AuditRecord(
        seq=seq,
        at=START + timedelta(hours=hours),
        kind=kind,
        repository=repository,
        number=number,
        actor=actor,
        summary=kind,
        detail=detail,
    )


LOG = [
    record(1, "evaluation", {"groups": []}),
    record(2, "arch-decision", {"decision": "changes", "rationale": "use the stdlib"}, hours=1),
    record(3, "command", {"argument": "changes use the stdlib"}, hours=1),
    record(4, "arch-decision", {"decision": "approve", "rationale": "agreed"}, hours=2),
    record(
        5,
        "decision",
        {"approve": False, "rationale": "fix the trigger", "group": "platform-engineering"},
        hours=3,
        number=8,
        actor="boss",
    ),
    record(6, "expedite", {"reason": "prod is down"}, hours=4, number=9, actor="dana"),
    record(
        7, "pir-opened", {"key": "LFXV2-9", "due_at": "x"}, hours=5, number=9, actor="gatehouse"
    ),
    record(8, "pir-overdue", {"key": "LFXV2-9"}, hours=30, number=9, actor="gatehouse"),
    record(9, "pir-done", {"key": "LFXV2-9"}, hours=40, number=9, actor="gatehouse"),
    record(10, "pir-overdue", {"key": "LFXV2-9"}, hours=41, number=9, actor="gatehouse"),
    record(
        11,
        "deployment-decision",
        {"environment": "production", "sha": SHA, "decision": "approved", "rationale": "ok"},
        hours=50,
        number=None,
        actor="alan",
    ),
    record(12, "expedite", {"reason": "CVE fix"}, hours=60, number=10, actor="dana"),
]


def test_json_has_exactly_the_documented_shape() -> None:
    data = json.loads(json.dumps(decisions_to_json(build_decisions(LOG))))
    assert data == {
        "decisions": [
            {
                "kind": "architecture",
                "repository": "org/api",
                "pull_request": 7,
                "decision": "changes-requested",
                "rationale": "use the stdlib",
                "by": "ada",
                "at": "2026-03-02T18:00:00+00:00",
            },
            {
                "kind": "architecture",
                "repository": "org/api",
                "pull_request": 7,
                "decision": "approved",
                "rationale": "agreed",
                "by": "ada",
                "at": "2026-03-02T19:00:00+00:00",
            },
            {
                "kind": "disagreement",
                "repository": "org/api",
                "pull_request": 8,
                "decision": "rejected",
                "rationale": "fix the trigger",
                "by": "boss",
                "at": "2026-03-02T20:00:00+00:00",
            },
            {
                "kind": "expedite",
                "repository": "org/api",
                "pull_request": 9,
                "decision": "done",
                "rationale": "prod is down",
                "by": "dana",
                "at": "2026-03-02T21:00:00+00:00",
            },
            {
                "kind": "deployment",
                "repository": "org/api",
                "pull_request": None,
                "decision": "approved",
                "rationale": "ok",
                "by": "alan",
                "at": "2026-03-04T19:00:00+00:00",
                "environment": "production",
                "sha": SHA,
            },
            {
                "kind": "expedite",
                "repository": "org/api",
                "pull_request": 10,
                "decision": "pending",
                "rationale": "CVE fix",
                "by": "dana",
                "at": "2026-03-05T05:00:00+00:00",
            },
        ]
    }


@pytest.mark.parametrize(
    ("later", "outcome"),
    [
        pytest.param([], "pending", id="not-merged-yet"),
        pytest.param(["pir-opened"], "open", id="review-opened"),
        pytest.param(["pir-opened", "pir-overdue"], "overdue", id="review-overdue"),
        pytest.param(["pir-opened", "pir-overdue", "pir-done"], "done", id="review-done"),
        pytest.param(["pir-done", "pir-overdue"], "done", id="done-is-final"),
    ],
)
def test_an_expedite_carries_its_post_implementation_review_outcome(
    later: list[str], outcome: str
) -> None:
    log = [record(1, "expedite", {"reason": "r"})]
    log += [record(i + 2, kind, {}, hours=i + 1) for i, kind in enumerate(later)]
    [entry] = build_decisions(log)
    assert (entry.kind, entry.decision) == ("expedite", outcome)


def test_a_review_of_another_pull_request_leaves_an_expedite_alone() -> None:
    log = [record(1, "expedite", {"reason": "r"}), record(2, "pir-done", {}, number=99)]
    assert build_decisions(log)[0].decision == "pending"


@pytest.mark.parametrize(
    ("since", "kinds"),
    [
        pytest.param(None, ["architecture"] * 2 + ["disagreement", "expedite"], id="everything"),
        pytest.param(
            START + timedelta(hours=2), ["architecture", "disagreement", "expedite"], id="inclusive"
        ),
        pytest.param(START + timedelta(hours=3, seconds=1), ["expedite"], id="later-only"),
        pytest.param(START + timedelta(days=30), [], id="nothing-after"),
    ],
)
def test_since_keeps_decisions_made_at_or_after_it(
    since: datetime | None, kinds: list[str]
) -> None:
    assert [d.kind for d in build_decisions(LOG[:7], since)] == kinds


def test_a_deployment_decision_spelled_as_a_verb_reads_the_same() -> None:
    log = [
        record(
            1,
            "deployment-decision",
            {"environment": "staging", "sha": SHA, "decision": "reject", "rationale": ""},
            number=None,
        )
    ]
    [entry] = build_decisions(log)
    assert (entry.decision, entry.pull_request, entry.environment) == ("rejected", None, "staging")


def test_markdown_has_a_table_per_kind_oldest_first() -> None:
    text = render_markdown(build_decisions(LOG), START)
    assert text.startswith("# Decision log\n\nDecisions made since 2026-03-02 17:00, oldest first")
    arch = text.index("## Architecture review decisions (2)")
    assert text.index("changes-requested") < text.index("| approved | @ada | agreed |")
    assert arch < text.index("## Disagreement decisions") < text.index("## Expedites")
    assert "| 2026-03-02 21:00 | org/api#9 | done | @dana | prod is down |" in text
    assert "| Post-implementation review | Expedited by | Reason |" in text
    assert f"| org/api | production | {SHA[:12]} | approved | @alan | ok |" in text


def test_markdown_escapes_table_cells_and_says_when_a_kind_is_empty() -> None:
    log = [record(1, "arch-decision", {"decision": "reject", "rationale": "a | b\nc"})]
    text = render_markdown(build_decisions(log))
    assert "a \\| b c" in text
    assert text.count("None.") == 3
    assert "Every decision recorded, oldest first; times in UTC." in text
