"""``/deployments``: the deployments waiting for Platform Engineering, and one deployment's
page where a Platform Engineering member approves or rejects it with a reason.

Shown only to signed-in members of the repository's organisation who can read it (as
``/queue``); others get the same 404 as for a deployment that does not exist. The decision
form is CSRF-protected; anyone but a Platform Engineering member is refused (403) and
nothing happens.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from app.deployments.notice import unapproved_lines
from app.store.deployments import Deployment
from app.web.context import Web
from app.web.views import shown

if TYPE_CHECKING:
    from app.container import Gatehouse

RECENT = 20
log = logging.getLogger("gatehouse.web")


def deployments_router(gatehouse: Gatehouse, web: Web) -> APIRouter:
    router = APIRouter()
    gate = gatehouse.deployments
    store = gatehouse.deployment_store

    def zone() -> ZoneInfo:
        compiled = gatehouse.rules.organisation().compiled
        return ZoneInfo(compiled.ruleset.settings.sla.timezone if compiled else "UTC")

    def may_see(login: str, row: Deployment) -> bool:
        owner = row.repository.partition("/")[0]
        via = (row.repository, row.installation_id)
        member = owner.lower() == login.lower() or web.access.is_member(login, owner, via)
        return member and web.access.can_read(login, row.repository, row.installation_id)

    def visible(login: str) -> tuple[list[Deployment], list[Deployment]] | None:
        """Waiting and recently decided deployments ``login`` may see; ``None`` when there
        are some and the user may see none of them (an outsider)."""
        waiting, decided = store.waiting(), store.recent_decisions(RECENT)
        rows = [*waiting, *decided]
        allowed = {row.repository for row in rows if may_see(login, row)}
        if rows and not allowed:
            return None
        return (
            [r for r in waiting if r.repository in allowed],
            [r for r in decided if r.repository in allowed],
        )

    def summary(row: Deployment, tz: ZoneInfo) -> dict[str, Any]:
        verdict = row.detail.get("verdict") or {}
        return {
            "id": row.id,
            "repository": row.repository,
            "environment": row.environment,
            "sha": row.sha,
            "ref": row.detail.get("ref") or "",
            "creator": row.detail.get("creator") or "",
            "state": row.state,
            "protected": row.protected,
            "requested_at": shown(row.created_at, tz),
            "decided_at": shown(row.decided_at, tz),
            "decided_by": row.decided_by or "",
            "rationale": row.rationale or "",
            "unapproved": len(verdict.get("unapproved") or []),
        }

    @router.get("/deployments", response_model=None)
    async def deployments(request: Request) -> Response:
        session = web.session(request)
        login = web.signed_in(request, session)
        found = await run_in_threadpool(visible, login)
        if found is None:
            return web.not_found(session)
        tz = zone()
        waiting, decided = found
        deciders = {
            row.id for row in waiting if await run_in_threadpool(platform_member, login, row)
        }
        return web.render(
            session,
            "deployments.html",
            waiting=[{**summary(row, tz), "may_decide": row.id in deciders} for row in waiting],
            decided=[summary(row, tz) for row in decided],
        )

    def platform_member(login: str, row: Deployment) -> bool | None:
        """Whether ``login`` may decide; ``None`` when it cannot be told now (GitHub did
        not answer about the team, or the rules do not load)."""
        try:
            return gate.is_platform_member(login, row)
        except Exception:
            log.warning("cannot tell whether %s is in Platform Engineering", login, exc_info=True)
            return None

    async def readable(login: str, deployment: int) -> Deployment | None:
        row = await run_in_threadpool(store.get, deployment)
        if row is None or not await run_in_threadpool(may_see, login, row):
            return None
        return row

    @router.get("/deployments/{deployment}", response_model=None)
    async def one(request: Request, deployment: int) -> Response:
        session = web.session(request)
        login = web.signed_in(request, session)
        row = await readable(login, deployment)
        if row is None:
            return web.not_found(session)
        member = row.waiting and bool(await run_in_threadpool(platform_member, login, row))
        verdict = row.detail.get("verdict") or {}
        flash = session.pop("flash")
        return web.render(
            session,
            "deployment.html",
            deployment=summary(row, zone()),
            repository_url=row.detail.get("repository_url") or "",
            base_sha=row.detail.get("base_sha") or "",
            base_deployment=row.detail.get("base_deployment"),
            verdict=verdict,
            unapproved=list(zip(verdict.get("unapproved") or [], _lines(verdict), strict=True)),
            approved=verdict.get("approved") or [],
            may_decide=member,
            message=(flash or {}).get("text") if isinstance(flash, dict) else None,
            error=bool(flash.get("error")) if isinstance(flash, dict) else False,
        )

    @router.post("/deployments/{deployment}", response_model=None)
    async def decide(request: Request, deployment: int) -> Response:
        session = web.session(request)
        login = web.signed_in(request, session)
        form = await web.checked_form(request, session)
        if form is None:
            return web.refused_form(session)
        row = await readable(login, deployment)
        if row is None:
            return web.not_found(session)
        member = await run_in_threadpool(platform_member, login, row)
        if member is None:
            return web.unavailable(session)
        if not member:
            return web.message(
                session,
                "Not allowed",
                "Only Platform Engineering members may approve or reject a deployment.",
                status=403,
            )
        page = f"/deployments/{row.id}"
        decision = form.get("decision", "")
        rationale = " ".join(form.get("rationale", "").split())
        if decision not in ("approve", "reject") or not rationale:
            text = "Not decided: give a reason." if rationale == "" else "Not decided."
            session.set("flash", {"text": text, "error": True})
            return web.redirect(session, page)
        outcome = await run_in_threadpool(gate.decide, row.id, login, decision, rationale)
        session.set("flash", _flash(outcome.status, outcome.deployment, outcome.error))
        return web.redirect(session, page)

    return router


def _lines(verdict: dict[str, Any]) -> list[str]:
    return unapproved_lines(verdict, slack=False)


def _flash(status: str, row: Deployment | None, error: str) -> dict[str, Any]:
    if status == "decided" and row is not None:
        return {"text": f"Deployment {row.state}; GitHub was told."}
    if status == "already" and row is not None:
        who = f" by @{row.decided_by}" if row.decided_by else ""
        return {"text": f"Already {row.state}{who}.", "error": True}
    if status == "busy":
        return {"text": "Someone is deciding right now; reload in a moment.", "error": True}
    return {"text": f"Not decided: {error or 'GitHub did not take it'}. Try again.", "error": True}
