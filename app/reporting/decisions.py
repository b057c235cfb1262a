"""``gatehouse decisions`` and the ``/decisions`` page: the decision log every team reads.

Built from audit records alone, oldest first:

- ``architecture``: the architecture review call's outcomes (``/arch-decision``, audit
  kind ``arch-decision``): ``approved``, ``changes-requested`` or ``rejected``; every
  outcome is listed, a later one for the same pull request included;
- ``disagreement``: engineering management's final decisions (``/decision``, audit kind
  ``decision``): ``approved`` or ``rejected``;
- ``expedite``: each expedite (``by`` who asked, ``rationale`` the reason) with its
  post-implementation review's outcome as ``decision``: ``pending`` (not merged yet, no
  review opened), ``open``, ``overdue`` or ``done``;
- ``deployment``: deployment approvals (audit kind ``deployment-decision``):
  ``approved`` or ``rejected``, with ``environment`` and ``sha``; ``pull_request`` is
  null.

A pure function of the records: no database, clock or network.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from app.render.markdown import cell
from app.store.audit import AuditRecord

ARCHITECTURE, DISAGREEMENT, EXPEDITE, DEPLOYMENT = (
    "architecture",
    "disagreement",
    "expedite",
    "deployment",
)
SECTIONS: tuple[tuple[str, str], ...] = (
    (ARCHITECTURE, "Architecture review decisions"),
    (DISAGREEMENT, "Disagreement decisions (engineering management)"),
    (EXPEDITE, "Expedites and their post-implementation reviews"),
    (DEPLOYMENT, "Deployment approvals"),
)
PIR_OUTCOMES = {"pir-opened": "open", "pir-overdue": "overdue", "pir-done": "done"}
AUDIT_KINDS = frozenset(
    {"arch-decision", "decision", "expedite", "deployment-decision", *PIR_OUTCOMES}
)
"""The audit kinds the log is built from: ask the store for these only."""
MAX_RATIONALE_SHOWN = 300

_ARCH_WORDS = {"approve": "approved", "changes": "changes-requested", "reject": "rejected"}
_DEPLOY_WORDS = {"approve": "approved", "reject": "rejected"}


@dataclass(frozen=True, slots=True)
class Decision:
    """One entry of the log; ``environment`` and ``sha`` only for a deployment."""

    kind: str
    repository: str | None
    pull_request: int | None
    decision: str
    rationale: str
    by: str | None
    at: datetime
    environment: str | None = None
    sha: str | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "kind": self.kind,
            "repository": self.repository,
            "pull_request": self.pull_request,
            "decision": self.decision,
            "rationale": self.rationale,
            "by": self.by,
            "at": self.at.astimezone(UTC).isoformat(),
        }
        if self.kind == DEPLOYMENT:
            data["environment"] = self.environment
            data["sha"] = self.sha
        return data


def build_decisions(
    records: Iterable[AuditRecord], since: datetime | None = None
) -> list[Decision]:
    """The decisions in ``records`` (oldest first) made at or after ``since``.

    A post-implementation review's outcome updates its expedite's entry; one whose
    expedite is not in ``records`` is left out.
    """
    entries: list[Decision] = []
    expedites: dict[tuple[str, int], int] = {}
    for record in records:
        if record.kind in PIR_OUTCOMES:
            index = expedites.get(_pull(record))
            if index is not None and entries[index].decision != "done":
                entries[index] = replace(entries[index], decision=PIR_OUTCOMES[record.kind])
            continue
        entry = _entry(record)
        if entry is None:
            continue
        if entry.kind == EXPEDITE:
            expedites[_pull(record)] = len(entries)
        entries.append(entry)
    kept = [e for e in entries if since is None or e.at >= since]
    return sorted(kept, key=lambda e: e.at)


def _pull(record: AuditRecord) -> tuple[str, int]:
    return (record.repository or "", record.number or 0)


def _entry(record: AuditRecord) -> Decision | None:
    detail = record.detail
    rationale = str(detail.get("rationale") or "")

    def make(kind: str, decision: str, text: str = rationale, **extra: Any) -> Decision:
        return Decision(
            kind=kind,
            repository=record.repository,
            pull_request=record.number if kind != DEPLOYMENT else None,
            decision=decision,
            rationale=text,
            by=record.actor,
            at=record.at,
            **extra,
        )

    if record.kind == "arch-decision":
        verdict = str(detail.get("decision") or "")
        return make(ARCHITECTURE, _ARCH_WORDS.get(verdict, verdict))
    if record.kind == "decision":
        return make(DISAGREEMENT, "approved" if detail.get("approve") else "rejected")
    if record.kind == "expedite":
        return make(EXPEDITE, "pending", str(detail.get("reason") or ""))
    if record.kind == "deployment-decision":
        verdict = str(detail.get("decision") or "").lower()
        return make(
            DEPLOYMENT,
            _DEPLOY_WORDS.get(verdict, verdict),
            environment=_text(detail.get("environment")),
            sha=_text(detail.get("sha")),
        )
    return None


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def decisions_to_json(decisions: Iterable[Decision]) -> dict[str, Any]:
    """``{"decisions": [...]}``, in the order given."""
    return {"decisions": [d.to_json() for d in decisions]}


def by_kind(decisions: Iterable[Decision]) -> list[tuple[str, str, list[Decision]]]:
    """``(kind, heading, entries)`` for every kind, in :data:`SECTIONS` order."""
    listed = list(decisions)
    return [(kind, heading, [d for d in listed if d.kind == kind]) for kind, heading in SECTIONS]


def render_markdown(decisions: Iterable[Decision], since: datetime | None = None) -> str:
    """One table per kind, oldest first, times in UTC."""
    scope = f"Decisions made since {_utc(since)}" if since else "Every decision recorded"
    lines = ["# Decision log", "", f"{scope}, oldest first; times in UTC.", ""]
    for kind, heading, entries in by_kind(decisions):
        lines += [f"## {heading} ({len(entries)})", ""]
        if not entries:
            lines += ["None.", ""]
            continue
        columns, rows = _table(kind, entries)
        lines.append("| " + " | ".join(columns) + " |")
        lines.append("|" + " --- |" * len(columns))
        lines += ["| " + " | ".join(cell(value) for value in row) + " |" for row in rows]
        lines.append("")
    return "\n".join(lines)


def _table(kind: str, entries: list[Decision]) -> tuple[list[str], list[list[str]]]:
    if kind == DEPLOYMENT:
        return (
            ["When", "Repository", "Environment", "Commit", "Decision", "By", "Rationale"],
            [
                [
                    _utc(e.at),
                    e.repository or "—",
                    e.environment or "—",
                    (e.sha or "—")[:12],
                    e.decision,
                    _who(e.by),
                    _short(e.rationale),
                ]
                for e in entries
            ],
        )
    decision, by, why = (
        ("Post-implementation review", "Expedited by", "Reason")
        if kind == EXPEDITE
        else ("Decision", "By", "Rationale")
    )
    return (
        ["When", "Pull request", decision, by, why],
        [
            [_utc(e.at), pull_reference(e), e.decision, _who(e.by), _short(e.rationale)]
            for e in entries
        ],
    )


def pull_reference(entry: Decision) -> str:
    return f"{entry.repository or '—'}#{entry.pull_request}"


def _who(login: str | None) -> str:
    return f"@{login}" if login else "—"


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_RATIONALE_SHOWN else text[: MAX_RATIONALE_SHOWN - 1] + "…"


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
