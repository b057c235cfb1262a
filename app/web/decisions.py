"""``/decisions``: the decision log of ``gatehouse decisions`` as a page, for signed-in users.

The log is built by :mod:`app.reporting.decisions` from the audit log. A user sees the
decisions of repositories GitHub says they can read, and deployment decisions only when
they are also a member of the repository's organisation (as on ``/queue``). An anonymous
visitor is sent to sign in; when GitHub cannot be asked, the page shows nothing (503).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from app.reporting.audit_export import DateError, parse_when
from app.reporting.decisions import (
    AUDIT_KINDS,
    DEPLOYMENT,
    SECTIONS,
    Decision,
    build_decisions,
    by_kind,
    pull_reference,
)
from app.web.context import Web
from app.web.views import shown

if TYPE_CHECKING:
    from app.container import Gatehouse


@dataclass(frozen=True)
class DecisionRow:
    """One decision as the page lays it out."""

    when: str
    reference: str
    link: str
    decision: str
    by: str
    rationale: str
    environment: str
    sha: str


@dataclass(frozen=True)
class DecisionSection:
    kind: str
    heading: str
    rows: list[DecisionRow]


def sections(decisions: list[Decision], zone: ZoneInfo) -> list[DecisionSection]:
    """The page's sections, one per kind in the log's order, entries oldest first."""
    return [
        DecisionSection(kind, heading, [_row(d, zone) for d in entries])
        for kind, heading, entries in by_kind(decisions)
    ]


def _row(entry: Decision, zone: ZoneInfo) -> DecisionRow:
    on_pull = entry.pull_request is not None and entry.repository
    return DecisionRow(
        when=shown(entry.at, zone),
        reference=pull_reference(entry) if on_pull else (entry.repository or "—"),
        link=f"/pulls/{entry.repository}/{entry.pull_request}" if on_pull else "",
        decision=entry.decision,
        by=f"@{entry.by}" if entry.by else "—",
        rationale=entry.rationale,
        environment=entry.environment or "",
        sha=entry.sha or "",
    )


def decisions_router(gatehouse: Gatehouse, web: Web) -> APIRouter:
    router = APIRouter()

    def zone() -> ZoneInfo:
        compiled = gatehouse.rules.organisation().compiled
        return ZoneInfo(compiled.ruleset.settings.sla.timezone if compiled else "UTC")

    def visible(login: str, since: datetime | None) -> list[Decision]:
        """The decisions ``login`` may see; asks GitHub once per repository and owner."""
        decisions = build_decisions(gatehouse.audit.export(since, kinds=AUDIT_KINDS), since)
        installations: dict[str, int | None] = {}
        for entry in decisions:
            repository, number = entry.repository, entry.pull_request
            if repository and number is not None and installations.get(repository) is None:
                found = gatehouse.records.load(repository, number).get("installation_id")
                installations[repository] = int(found) if found else None
        readable: dict[str, bool] = {}
        member_of: dict[str, bool] = {}
        kept = []
        for entry in decisions:
            repository = entry.repository
            if not repository:
                continue
            installation = installations.get(repository)
            if repository not in readable:
                readable[repository] = web.access.can_read(login, repository, installation)
            if not readable[repository]:
                continue
            if entry.kind == DEPLOYMENT:
                owner = repository.partition("/")[0].lower()
                if owner not in member_of:
                    member_of[owner] = owner == login.lower() or web.access.is_member(
                        login, owner, (repository, installation)
                    )
                if not member_of[owner]:
                    continue
            kept.append(entry)
        return kept

    @router.get("/decisions", response_model=None)
    async def decisions_page(
        request: Request, since: str = "", repo: str = "", kind: str = ""
    ) -> Response:
        session = web.session(request)
        login = web.signed_in(request, session)
        problem = ""
        start: datetime | None = None
        if since:
            try:
                start = parse_when(since)
            except DateError as exc:
                problem = str(exc)
        entries = await run_in_threadpool(visible, login, start)
        repositories = sorted({e.repository for e in entries if e.repository})
        chosen = [
            e
            for e in entries
            if (not repo or e.repository == repo) and (not kind or e.kind == kind)
        ]
        return web.render(
            session,
            "decisions.html",
            sections=[s for s in sections(chosen, zone()) if not kind or s.kind == kind],
            kinds=SECTIONS,
            repositories=repositories,
            selected_repo=repo,
            selected_kind=kind,
            since=since,
            problem=problem,
            status=400 if problem else 200,
        )

    return router
