"""The details page a check run links to: the last evaluation of a pull request."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, Response

if TYPE_CHECKING:
    from app.container import Gatehouse

STYLE = (
    "body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}"
    "table{border-collapse:collapse}"
    "td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}"
    "code{background:#f4f4f4;padding:0 .2rem}.success{color:#1a7f37}.failure{color:#cf222e}"
    ".action_required{color:#9a6700}"
)


def pages_router(gatehouse: Gatehouse) -> APIRouter:
    router = APIRouter()

    @router.get("/pulls/{owner}/{repo}/{number}", response_model=None)
    async def details(owner: str, repo: str, number: int, format: str = "html") -> Response:
        doc = await run_in_threadpool(gatehouse.records.load, f"{owner}/{repo}", number)
        if not doc.get("evaluation"):
            return HTMLResponse("<p>gatehouse has not evaluated this pull request.</p>", 404)
        if format == "json":
            return JSONResponse({k: v for k, v in doc.items() if not k.startswith("comment_")})
        return HTMLResponse(render_page(f"{owner}/{repo}", number, doc))

    return router


def render_page(repo: str, number: int, doc: dict[str, Any]) -> str:
    view = doc["evaluation"]
    title = escape(doc.get("title", ""))
    link = escape(doc.get("html_url", ""))
    parts = [
        f"<!doctype html><meta charset=utf-8><title>gatehouse · {escape(repo)}#{number}</title>",
        f"<style>{STYLE}</style>",
        f"<h1>{escape(repo)}#{number}: {title}</h1>",
        f"<p><a href='{link}'>Open on GitHub</a> · conclusion: "
        f"<b class='{escape(view['conclusion'])}'>{escape(view['conclusion'])}</b></p>",
    ]
    for problem in view.get("problems", []):
        parts.append(f"<p class=failure><pre>{escape(problem['message'])}</pre></p>")
    if view["groups"]:
        parts.append(
            "<h2>Required reviews</h2><table><tr><th>Group<th>Approvals<th>Status<th>Asked<th>Due"
        )
        requested = doc.get("requested_view", {})
        due = doc.get("due_view", {})
        for group in view["groups"]:
            asked = ", ".join(requested.get(group["group"], [])) or "—"
            due_text = (due.get(group["group"]) or {}).get("text", "—")
            parts.append(
                f"<tr><td>{escape(group['name'])}<td>{len(group['approved_by'])} / "
                f"{group['approvals_needed']}<td class='{escape(group['conclusion'])}'>"
                f"{escape(group['override'] or group['conclusion'])}"
                f"<td>{escape(asked)}<td>{escape(due_text)}"
            )
        parts.append("</table>")
    else:
        parts.append("<p>No review required.</p>")
    for rule in view["rules"]:
        parts.append(f"<h3><code>{escape(rule['id'])}</code> {escape(rule['title'])}</h3><ul>")
        for found in rule["files"]:
            parts.append(f"<li><code>{escape(found['path'])}</code> ({escape(found['status'])})")
            lines = "".join(
                f"<li>line {h['line']}: <code>{escape(h['text'])}</code>"
                for h in found["lines"][:50]
            )
            if lines:
                parts.append(f"<ul>{lines}</ul>")
        parts.append("</ul>")
    reviews = [(g, r) for g in view["groups"] for r in g["reviews"]]
    if reviews:
        parts.append("<h2>Reviews</h2><ul>")
        for group, review in reviews:
            parts.append(
                f"<li>@{escape(review['reviewer'])} ({escape(review['state'].lower())}, "
                f"{escape(group['name'])}): {escape(review['explanation'])}"
            )
        parts.append("</ul>")
    ticket = doc.get("ticket_view")
    if ticket:
        parts.append(
            f"<h2>Jira</h2><p>{escape(str(ticket.get('key') or ''))} {escape(ticket['state'])} "
            f"{escape(ticket.get('note', ''))}</p>"
        )
    return "".join(parts)
