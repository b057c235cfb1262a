"""Sign-in with GitHub: the OAuth web flow of GitHub Apps (SPEC section 9).

``/auth/login`` sends the browser to ``GITHUB_WEB_URL/login/oauth/authorize`` with a
``state`` kept in this browser's session and a ``redirect_uri`` under
``GATEHOUSE_PUBLIC_URL``; ``/auth/callback`` checks the state, exchanges the code for a
user-to-server token, asks ``GET /user`` who that is, and starts the session. The token is
used for that one question and then dropped: what a user may see is asked of GitHub with
the App's own token (``app.web.access``).
"""

from __future__ import annotations

import logging
import secrets
from urllib.parse import quote, urlencode

import httpx
from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from app.web.context import Web, safe_next

log = logging.getLogger("gatehouse.web")
TIMEOUT_SECONDS = 10.0


class SignInFailed(Exception):
    """GitHub did not give a user for the code (expired, reused, or GitHub unreachable)."""


def sign_in_router(web: Web) -> APIRouter:
    router = APIRouter()
    settings = web.gatehouse.settings
    redirect_uri = f"{settings.public_url}/auth/callback"

    @router.get("/auth/login", response_model=None)
    async def login(request: Request, next: str | None = None) -> Response:
        session = web.session(request)
        if not web.sign_in_enabled:
            return web.sign_in_unavailable(session)
        state = secrets.token_urlsafe(24)
        session.set("oauth_state", state)
        session.set("next", safe_next(next))
        query = urlencode(
            {
                "client_id": settings.github_client_id,
                "redirect_uri": redirect_uri,
                "state": state,
                "allow_signup": "false",
            }
        )
        return web.redirect(session, f"{settings.github_web_url}/login/oauth/authorize?{query}")

    @router.get("/auth/callback", response_model=None)
    async def callback(
        request: Request,
        code: str | None = None,
        state: str | None = None,
        error: str | None = None,
    ) -> Response:
        session = web.session(request)
        expected = session.pop("oauth_state")
        target = safe_next(session.pop("next"))
        again = {"href": f"/auth/login?next={quote(target, safe='')}", "text": "Sign in again"}
        if not web.sign_in_enabled:
            return web.sign_in_unavailable(session)
        if error:
            return web.message(
                session, "Sign-in cancelled", f"GitHub answered: {error}.", status=400, link=again
            )
        if (
            not isinstance(expected, str)
            or not state
            or not code
            or not secrets.compare_digest(expected.encode(), state.encode())
        ):
            return web.message(
                session,
                "Sign-in refused",
                "This sign-in was not started from this browser, or it was already used.",
                status=400,
                link=again,
            )
        try:
            login, user_id = await _user_for_code(web, code, redirect_uri)
        except SignInFailed as exc:
            log.warning("sign-in failed: %s", exc)
            return web.message(
                session,
                "Sign-in failed",
                f"GitHub did not confirm who you are ({exc}).",
                status=400,
                link=again,
            )
        session.sign_in(login, user_id)
        log.info("signed in: %s", login)
        return web.redirect(session, target)

    @router.post("/auth/logout", response_model=None)
    async def logout(request: Request) -> Response:
        session = web.session(request)
        if await web.checked_form(request, session) is None:
            return web.refused_form(session)
        session.clear()
        return web.redirect(session, "/")

    return router


async def _user_for_code(web: Web, code: str, redirect_uri: str) -> tuple[str, int]:
    settings = web.gatehouse.settings
    assert settings.github_client_secret is not None
    async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS) as client:
        try:
            exchanged = await client.post(
                f"{settings.github_web_url}/login/oauth/access_token",
                data={
                    "client_id": settings.github_client_id or "",
                    "client_secret": settings.github_client_secret.get_secret_value(),
                    "code": code,
                    "redirect_uri": redirect_uri,
                },
                headers={"Accept": "application/json"},
            )
            answer = exchanged.json() if exchanged.status_code == 200 else {}
            token = answer.get("access_token") if isinstance(answer, dict) else None
            if not token:
                reason = answer.get("error") if isinstance(answer, dict) else None
                raise SignInFailed(str(reason or f"HTTP {exchanged.status_code}"))
            user = await client.get(
                f"{settings.github_api_url}/user",
                headers={
                    "Accept": "application/vnd.github+json",
                    "Authorization": f"Bearer {token}",
                    "X-GitHub-Api-Version": "2022-11-28",
                },
            )
        except (httpx.HTTPError, ValueError) as exc:
            raise SignInFailed(type(exc).__name__) from exc
    data = user.json() if user.status_code == 200 else {}
    if not isinstance(data, dict) or not data.get("login") or data.get("type") == "Bot":
        raise SignInFailed(f"GET /user answered {user.status_code}")
    return str(data["login"]), int(data.get("id") or 0)
