"""github.com's own pages, served by the fake beside its API: signing in through an App's
OAuth client (``site_oauth``) and registering an App from a manifest (``site_manifest``).

They are pages and forms a browser sees, not REST, so GitHub's API description does not
check them; ``routes.create_app`` mounts them ahead of the API's catch-all route. This
module holds what the pages share.
"""

from __future__ import annotations

import json
from html import escape
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse

_STYLE = "body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem}"


def page(title: str, body: str, status: int = 200) -> HTMLResponse:
    """A self-contained page (no external assets); ``body`` is HTML, already escaped."""
    document = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)} · GitHub</title><style>{_STYLE}</style></head>"
        f"<body><main><h1>{escape(title)}</h1>{body}</main></body></html>"
    )
    return HTMLResponse(document, status_code=status)


def hidden(name: str, value: str) -> str:
    return f'<input type="hidden" name="{escape(name)}" value="{escape(value)}">'


def redirect(url: str, **params: str | None) -> RedirectResponse:
    """A 302 to ``url`` with ``params`` added to its query (``None`` ones left out)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query += [(key, value) for key, value in params.items() if value is not None]
    return RedirectResponse(urlunsplit(parts._replace(query=urlencode(query))), status_code=302)


async def form_fields(request: Request) -> dict[str, str]:
    """The fields of a form post (URL-encoded) or of a JSON object body; last value wins."""
    raw = await request.body()
    if "json" in request.headers.get("content-type", ""):
        try:
            decoded = json.loads(raw or b"{}")
        except ValueError:
            return {}
        if not isinstance(decoded, dict):
            return {}
        return {str(key): str(value) for key, value in decoded.items() if value is not None}
    return dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
