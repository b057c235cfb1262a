"""What every page handler shares: the session, the signed-in user, templates and replies.

Pages run database and GitHub work in the thread pool and never build HTML themselves:
every page is a Jinja2 template with autoescaping on.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, quote, urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from app.web.access import AccessControl
from app.web.session import Session, SessionCodec

if TYPE_CHECKING:
    from app.container import Gatehouse

TEMPLATES = Path(__file__).resolve().parent / "templates"
MAX_FORM_BYTES = 16 * 1024


def template_environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def safe_next(value: str | None) -> str:
    """A page to return to after sign-in: only a path on this service (never another site,
    which would make sign-in an open redirect)."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return "/queue"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return "/queue"
    return value


class PageAnswer(Exception):
    """Ends a page early with ``response`` (the app answers it as is): a visitor who must
    sign in first, say. Handlers read straight through instead of checking at each step."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


class Web:
    """The pages' view of the service."""

    def __init__(self, gatehouse: Gatehouse) -> None:
        self.gatehouse = gatehouse
        settings = gatehouse.settings
        self.public_url = settings.public_url
        self.sign_in_enabled = settings.sign_in_enabled
        self.codec = (
            SessionCodec(
                settings.session_secret.get_secret_value(),
                secure=settings.public_url.startswith("https://"),
                clock=gatehouse.runtime.epoch,
            )
            if settings.sign_in_enabled and settings.session_secret is not None
            else None
        )
        self.access = AccessControl(gatehouse.github, clock=gatehouse.runtime.epoch)
        self.templates = template_environment()

    # sessions ---------------------------------------------------------------------------
    def session(self, request: Request) -> Session:
        return self.codec.read(request) if self.codec else Session()

    def finish(self, response: Response, session: Session) -> Response:
        if self.codec:
            self.codec.write(response, session)
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
            "form-action 'self' " + self._form_targets() + "; frame-ancestors 'none'"
        )
        return response

    def _form_targets(self) -> str:
        web = urlsplit(self.gatehouse.settings.github_web_url)
        return f"{web.scheme}://{web.netloc}"

    # replies ----------------------------------------------------------------------------
    def render(
        self, session: Session, template: str, *, status: int = 200, **context: Any
    ) -> Response:
        login = session.login
        html = self.templates.get_template(template).render(
            user=login,
            csrf_token=session.csrf_token() if login else "",
            sign_in_enabled=self.sign_in_enabled,
            **context,
        )
        return self.finish(HTMLResponse(html, status_code=status), session)

    def message(
        self,
        session: Session,
        heading: str,
        message: str,
        *,
        status: int,
        link: dict[str, str] | None = None,
    ) -> Response:
        return self.render(
            session,
            "message.html",
            status=status,
            heading=heading,
            message=message,
            error=status >= 400,
            link=link,
        )

    def not_found(self, session: Session) -> Response:
        """The one answer for "not there" and "not yours": the two must look the same."""
        return self.message(
            session,
            "Not found",
            "There is nothing here, or you cannot see it with your GitHub account.",
            status=404,
        )

    def unavailable(self, session: Session) -> Response:
        """GitHub could not say what this user may see: show nothing rather than guess."""
        return self.message(
            session,
            "GitHub did not answer",
            "gatehouse could not ask GitHub what you may see, so it shows nothing for now. "
            "Try again in a minute.",
            status=503,
        )

    def redirect(self, session: Session, url: str) -> Response:
        return self.finish(RedirectResponse(url, status_code=303), session)

    def sign_in_first(self, request: Request, session: Session) -> Response:
        """An anonymous visitor is sent to sign in, and back here afterwards (where sign-in
        is not set up, the sign-in page says so and nothing else)."""
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return self.redirect(session, f"/auth/login?next={quote(path, safe='')}")

    def signed_in(self, request: Request, session: Session) -> str:
        """The signed-in user's login; an anonymous visitor is sent to sign in first."""
        login = session.login
        if login is None:
            raise PageAnswer(self.sign_in_first(request, session))
        return login

    def answer_page(self, request: Request, exc: Exception) -> Response:
        """The app's handler for :class:`PageAnswer`, and for :class:`AccessUnknown` from
        any page: GitHub could not say what the user may see, so nothing is shown."""
        if isinstance(exc, PageAnswer):
            return exc.response
        return self.unavailable(self.session(request))

    def sign_in_unavailable(self, session: Session) -> Response:
        return self.message(
            session,
            "Sign-in is not configured",
            "This service shows pull requests only to signed-in users, and sign-in with "
            "GitHub is not set up (GITHUB_CLIENT_ID, GITHUB_CLIENT_SECRET and "
            "GATEHOUSE_SESSION_SECRET).",
            status=404,
        )

    async def form(self, request: Request) -> dict[str, str]:
        """A posted ``application/x-www-form-urlencoded`` form, first value of each field."""
        body = await request.body()
        if len(body) > MAX_FORM_BYTES:
            return {}
        fields = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
        return {key: values[0] for key, values in fields.items() if values}

    def same_origin(self, request: Request) -> bool:
        """A state-changing form must come from this service's own pages: browsers send
        ``Origin`` on form posts, and a cross-site one is refused even with a stolen token."""
        origin = request.headers.get("origin")
        if origin is None or origin == "null":
            return origin is None
        public = urlsplit(self.public_url)
        allowed = {f"{public.scheme}://{public.netloc}"}
        host = request.headers.get("host")
        if host:
            allowed.add(f"{request.url.scheme}://{host}")
        return origin.rstrip("/") in allowed

    async def checked_form(self, request: Request, session: Session) -> dict[str, str] | None:
        """The form when its CSRF token and origin check out, else ``None``."""
        form = await self.form(request)
        if not self.same_origin(request) or not session.csrf_matches(form.get("csrf_token")):
            return None
        return form

    def refused_form(self, session: Session) -> Response:
        return self.message(
            session,
            "Form refused",
            "This form expired or did not come from gatehouse's own page. Reload the page "
            "and try again.",
            status=403,
        )
