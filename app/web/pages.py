"""gatehouse's pages: a pull request's details, the review queue and a member's own page.

Nothing about a pull request or a person is shown to an anonymous visitor: every page but
the home page needs sign-in, and each shows only what GitHub says the signed-in user can
read (``app.web.access``). "Not there" and "not yours" get the same 404.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from starlette.requests import Request
from starlette.responses import Response

from app.policy.model import SlaSettings
from app.sla.business_time import BusinessCalendar
from app.sla.clocks import calendar_for
from app.store.away import AwayPeriodError
from app.web.context import Web
from app.web.views import STATUS_TEXT, QueueEntry, by_group, clocks, history, queue_entries

if TYPE_CHECKING:
    from app.container import Gatehouse

Document = dict[str, Any]


def pages_router(gatehouse: Gatehouse, web: Web | None = None) -> APIRouter:
    web = web or Web(gatehouse)
    router = APIRouter()
    away = gatehouse.away

    calendars: dict[str, BusinessCalendar] = {}

    def calendar() -> BusinessCalendar:
        """The SLA calendar, built once per rules version (as the SLA clocks do)."""
        compiled = gatehouse.rules.organisation().compiled
        return calendar_for(compiled.ruleset.settings.sla if compiled else SlaSettings(), calendars)

    def group_names() -> dict[str, str]:
        compiled = gatehouse.rules.organisation().compiled
        if compiled is None:
            return {}
        return {gid: group.name for gid, group in compiled.ruleset.groups.items()}

    def visible_entries(login: str) -> list[QueueEntry] | None:
        """Open requests of repositories ``login`` can read, in organisations they belong to;
        ``None`` when there are open requests and the user belongs to none of their
        organisations (an outsider: the page is not theirs)."""
        records = gatehouse.records.all_open()
        via: dict[str, tuple[str, int | None]] = {}
        installations: dict[str, int | None] = {}
        for repository, _number, doc in records:
            installation = doc.get("installation_id")
            installations[repository] = int(installation) if installation else None
            via.setdefault(
                repository.partition("/")[0].lower(), (repository, installations[repository])
            )
        member_of = {
            owner
            for owner, through in via.items()
            if owner == login.lower() or web.access.is_member(login, owner, through)
        }
        if via and not member_of:
            return None
        readable = {
            repository
            for repository, installation in installations.items()
            if repository.partition("/")[0].lower() in member_of
            and web.access.can_read(login, repository, installation)
        }
        entries = queue_entries(records, gatehouse.runtime.now(), calendar())
        return [entry for entry in entries if entry.repository in readable]

    @router.get("/", response_model=None)
    async def home(request: Request) -> Response:
        session = web.session(request)
        if session.login:
            return web.redirect(session, "/queue")
        return web.render(session, "home.html")

    @router.get("/pulls/{owner}/{repo}/{number}", response_model=None)
    async def details(
        request: Request, owner: str, repo: str, number: int, format: str = "html"
    ) -> Response:
        session = web.session(request)
        login = web.signed_in(request, session)
        repository = f"{owner}/{repo}"
        doc = await run_in_threadpool(gatehouse.records.load, repository, number)
        installation = doc.get("installation_id")
        allowed = await run_in_threadpool(
            web.access.can_read, login, repository, int(installation) if installation else None
        )
        if not allowed or not doc.get("evaluation"):
            return web.not_found(session)
        if format == "json":
            body = {k: v for k, v in doc.items() if not k.startswith("comment_")}
            return web.finish(JSONResponse(body), session)
        entries = await run_in_threadpool(gatehouse.audit.for_pull, repository, number)
        cal = calendar()
        evaluation = doc["evaluation"]
        return web.render(
            session,
            "details.html",
            repository=repository,
            number=number,
            title=doc.get("title", ""),
            author=doc.get("author", ""),
            html_url=doc.get("html_url", ""),
            head_sha=doc.get("head_sha", ""),
            closed=bool(doc.get("closed")),
            expedite=doc.get("expedite"),
            evaluation=evaluation,
            conclusion_text=STATUS_TEXT.get(
                evaluation["conclusion"], evaluation["conclusion"]
            ).replace("waiting for review", "review required"),
            status_text={**STATUS_TEXT, "success": "approved"},
            requested=doc.get("requested_view") or {},
            clocks=clocks(doc, gatehouse.runtime.now(), cal),
            reviews=[(g, r) for g in evaluation["groups"] for r in g["reviews"]],
            ticket=doc.get("ticket_view"),
            history=history(entries, cal.zone),
        )

    @router.get("/queue", response_model=None)
    async def queue(request: Request, group: str = "", repo: str = "") -> Response:
        session = web.session(request)
        login = web.signed_in(request, session)
        entries = await run_in_threadpool(visible_entries, login)
        if entries is None:
            return web.not_found(session)
        names = group_names()
        repositories = sorted({e.repository for e in entries})
        shown = [
            e
            for e in entries
            if (not group or e.group == group) and (not repo or e.repository == repo)
        ]
        queues = by_group(shown, {g: n for g, n in names.items() if not group or g == group})
        return web.render(
            session,
            "queue.html",
            queues=queues,
            group_names=names,
            repositories=repositories,
            selected_group=group,
            selected_repo=repo,
        )

    @router.get("/me", response_model=None)
    async def me(request: Request) -> Response:
        session = web.session(request)
        login = web.signed_in(request, session)
        entries = await run_in_threadpool(visible_entries, login)
        mine = [e for e in entries or [] if e.asks(login)]
        compiled = gatehouse.rules.organisation().compiled
        groups = (
            [
                group.name
                for group in compiled.ruleset.groups.values()
                if any(m.github.lower() == login.lower() for m in group.members)
            ]
            if compiled
            else []
        )
        periods = await run_in_threadpool(away.periods, login)
        flash = session.pop("flash")
        return web.render(
            session,
            "me.html",
            groups=groups,
            mine=by_group(mine, {})[0] if mine else _Empty(),
            periods=periods,
            configured=sorted(
                {
                    (period.first, period.last)
                    for group in (compiled.ruleset.groups.values() if compiled else [])
                    for member in group.members
                    if member.github.lower() == login.lower()
                    for period in member.away
                }
            ),
            timezone=calendar().zone.key,
            message=(flash or {}).get("text") if isinstance(flash, dict) else None,
            error=bool(flash.get("error")) if isinstance(flash, dict) else False,
        )

    @router.post("/me/away", response_model=None)
    async def add_away(request: Request) -> Response:
        session = web.session(request)
        login = web.signed_in(request, session)
        form = await web.checked_form(request, session)
        if form is None:
            return web.refused_form(session)
        try:
            first, last = (date.fromisoformat(form.get(k, "")) for k in ("first_day", "last_day"))
            period = await run_in_threadpool(away.add, login, first, last)
        except ValueError as exc:
            text = str(exc) if isinstance(exc, AwayPeriodError) else "give both days as dates"
            session.set("flash", {"text": f"Not added: {text}.", "error": True})
            return web.redirect(session, "/me")
        await run_in_threadpool(
            gatehouse.audit.append,
            "away",
            repository=None,
            number=None,
            actor=login,
            summary=f"away from {period.first_day} to {period.last_day}",
            detail={"first_day": str(period.first_day), "last_day": str(period.last_day)},
        )
        session.set("flash", {"text": f"Away from {first} to {last}."})
        return web.redirect(session, "/me")

    @router.post("/me/away/{period_id}/delete", response_model=None)
    async def remove_away(request: Request, period_id: int) -> Response:
        session = web.session(request)
        login = web.signed_in(request, session)
        if await web.checked_form(request, session) is None:
            return web.refused_form(session)
        removed = await run_in_threadpool(away.remove, login, period_id)
        if removed:
            await run_in_threadpool(
                gatehouse.audit.append,
                "away-removed",
                repository=None,
                number=None,
                actor=login,
                summary=f"away period {period_id} removed",
            )
        session.set("flash", {"text": "Removed." if removed else "No such period."})
        return web.redirect(session, "/me")

    return router


class _Empty:
    """An empty group queue for ``/me`` when nothing waits for the member."""

    entries: list[QueueEntry] = []
