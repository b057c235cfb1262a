"""The OAuth web flow of a GitHub App, as github.com runs it: the authorisation page, where
a person chooses to sign in, and the exchange of the code for a user access token.

GitHub answers a refused exchange with 200 and an ``error`` field, not an HTTP error, and in
the form encoding unless the client asks for JSON; so does the fake.
"""

from __future__ import annotations

from html import escape
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from app.sandbox.fake_github.accounts import OAuthRefusal, redirect_allowed
from app.sandbox.fake_github.records import App
from app.sandbox.fake_github.site import form_fields, hidden, page, redirect
from app.sandbox.fake_github.state import GitHubState

AUTHORIZE_PATH = "/login/oauth/authorize"
ACCESS_TOKEN_PATH = "/login/oauth/access_token"
_TROUBLESHOOTING = (
    "https://docs.github.com/apps/managing-oauth-apps/"
    "troubleshooting-oauth-app-access-token-request-errors/"
)
REFUSALS = {
    "bad_verification_code": ("The code passed is incorrect or expired.", "#bad-verification-code"),
    "incorrect_client_credentials": (
        "The client_id and/or client_secret passed are incorrect.",
        "#incorrect-client-credentials",
    ),
    "redirect_uri_mismatch": (
        "The redirect_uri MUST match the registered callback URL for this application.",
        "#redirect-uri-mismatch2",
    ),
}


def _target(app: App, given: str) -> str | None:
    """Where the browser goes back to: ``given`` when a callback URL allows it, else the
    first callback URL when none was given; ``None`` when neither works."""
    if given:
        return given if redirect_allowed(given, app.callback_urls) else None
    return app.callback_urls[0] if app.callback_urls else None


def _authorize_form(app: App, fields: dict[str, str], error: str = "") -> str:
    carried = "".join(
        hidden(name, fields[name])
        for name in ("client_id", "redirect_uri", "state")
        if name in fields
    )
    warning = f'<p role="alert">{escape(error)}</p>' if error else ""
    return (
        f"<p>{escape(app.name)} by {escape(app.owner)} wants to know who you are.</p>{warning}"
        f'<form method="post" action="{AUTHORIZE_PATH}">{carried}'
        '<label>Sign in as <input type="text" name="login" required autofocus></label> '
        '<button type="submit">Authorize</button></form>'
    )


def _refused_client(state: GitHubState, fields: dict[str, str]) -> Response | App:
    app = state.app_by_client_id(fields.get("client_id", ""))
    if app is None:
        return page("Not Found", "<p>No application has this client id.</p>", 404)
    if _target(app, fields.get("redirect_uri", "")) is None:
        body = "<p>The redirect_uri is not associated with this application.</p>"
        return page("Redirect URI mismatch", body, 400)
    return app


def _token_answer(body: dict[str, str], accept: str) -> Response:
    if "application/json" in accept:
        return JSONResponse(body)
    return Response(urlencode(body), media_type="application/x-www-form-urlencoded")


def oauth_router(state: GitHubState) -> APIRouter:
    router = APIRouter()

    @router.get(AUTHORIZE_PATH)
    async def authorize_page(request: Request) -> Response:
        fields = dict(request.query_params)
        found = _refused_client(state, fields)
        if not isinstance(found, App):
            return found
        return page(f"Authorize {found.name}", _authorize_form(found, fields))

    @router.post(AUTHORIZE_PATH)
    async def authorize(request: Request) -> Response:
        """Sign in as the login typed; back to the redirect with a code and the state."""
        fields = await form_fields(request)
        found = _refused_client(state, fields)
        if not isinstance(found, App):
            return found
        login = fields.get("login", "").strip()
        user = state.users.get(login.lower())
        if user is None or user.type != "User":
            error = f"There is no GitHub user called {login!r}."
            return page(f"Authorize {found.name}", _authorize_form(found, fields, error))
        given = fields.get("redirect_uri", "")
        target = _target(found, given)
        assert target is not None
        code = state.grant_code(found, user.login, given or None)
        return redirect(target, code=code, state=fields.get("state"))

    @router.post(ACCESS_TOKEN_PATH)
    async def access_token(request: Request) -> Response:
        fields = await form_fields(request)
        try:
            token = state.redeem_code(
                fields.get("client_id", ""),
                fields.get("client_secret", ""),
                fields.get("code", ""),
                fields.get("redirect_uri") or None,
            )
        except OAuthRefusal as refusal:
            description, anchor = REFUSALS[refusal.error]
            body = {
                "error": refusal.error,
                "error_description": description,
                "error_uri": _TROUBLESHOOTING + anchor,
            }
        else:
            body = {"access_token": token.value, "token_type": "bearer", "scope": ""}
        return _token_answer(body, request.headers.get("accept", ""))

    return router
