"""What every fake GitHub route shares: the call it receives, the reply it gives, GitHub's
error bodies, pagination with ``Link`` headers, and the table of routes."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlencode

from app.sandbox.contract import template_pattern
from app.sandbox.fake_github.limits import primary_status
from app.sandbox.fake_github.pull_shapes import PullShapes
from app.sandbox.fake_github.records import App, Pull, Repo, Token, UserToken
from app.sandbox.fake_github.state import GitHubState

DOCS = "https://docs.github.com/rest"
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 30


class GitHubError(Exception):
    """An error answer in GitHub's shape. ``violation`` marks a request GitHub refuses because
    the caller got something wrong (as opposed to asking for something that is not there)."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        errors: list[dict[str, Any]] | None = None,
        violation: bool = False,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.errors = status, message, errors
        self.violation = violation
        self.headers = dict(headers or {})

    def describe(self) -> str:
        """The message, followed by the details of each error when there are any."""
        details = "; ".join(str(error.get("message", "")) for error in self.errors or [])
        return f"{self.message} ({details})" if details else self.message

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"message": self.message, "documentation_url": DOCS}
        if self.errors is not None:
            body["errors"] = self.errors
        body["status"] = str(self.status)
        return body


def not_found(message: str = "Not Found") -> GitHubError:
    return GitHubError(404, message)


def invalid(message: str, *details: str) -> GitHubError:
    """A 422 for a request GitHub would refuse; each detail becomes one ``errors`` entry."""
    errors = [{"code": "invalid", "message": detail} for detail in details]
    return GitHubError(422, message, errors=errors or None, violation=True)


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Call:
    """One authenticated request, as a route handler sees it."""

    state: GitHubState
    method: str
    params: dict[str, str]
    query: dict[str, list[str]]
    headers: Mapping[str, str]
    body: Any
    base_url: str
    path: str
    token: Token | None = None
    app: App | None = None
    bucket: str = "anonymous"
    user: UserToken | None = None

    @property
    def shapes(self) -> PullShapes:
        return self.state.shapes(self.base_url)

    def arg(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else None

    def int_param(self, name: str) -> int:
        try:
            return int(self.params[name])
        except ValueError:
            raise not_found() from None

    def repo(self) -> Repo:
        repo = self.state.find_repo(self.params["owner"], self.params["repo"])
        if repo is None:
            raise not_found()
        if self.token is not None and self.token.installation_id != repo.installation_id:
            raise GitHubError(404, "Not Found", violation=True)
        return repo

    def pull(self, key: str = "pull_number") -> tuple[Repo, Pull]:
        repo = self.repo()
        pull = repo.pulls.get(self.int_param(key))
        if pull is None:
            raise not_found()
        return repo, pull

    def actor(self) -> tuple[str, str]:
        """Login and type of whoever the credentials act as (the App's bot user)."""
        if self.app is None:
            return "ghost", "User"
        return f"{self.app.slug}[bot]", "Bot"

    def page(
        self,
        items: list[Any],
        *,
        cap: int | None = None,
        render: Callable[[Any], Any] | None = None,
    ) -> Reply:
        """One page of ``items`` (``per_page`` at most 100, at most ``cap`` items in all),
        each passed through ``render``, with a ``Link`` header ordered as GitHub orders it."""
        visible = items[:cap] if cap is not None else items
        per_page = _positive(self.arg("per_page"), DEFAULT_PER_PAGE, MAX_PER_PAGE)
        page = _positive(self.arg("page"), 1, None)
        last = max(1, -(-len(visible) // per_page))
        chunk = visible[(page - 1) * per_page : page * per_page]
        reply = Reply(200, [render(item) for item in chunk] if render else chunk)
        links = [(min(page - 1, last), "prev")] if page > 1 else []
        if page < last:
            links += [(page + 1, "next"), (last, "last")]
        if page > 1:
            links.append((1, "first"))
        if links:
            reply.headers["Link"] = ", ".join(
                f'<{self._page_url(number)}>; rel="{rel}"' for number, rel in links
            )
        return reply

    def _page_url(self, number: int) -> str:
        query = {key: values[-1] for key, values in self.query.items() if key != "page"}
        query["page"] = str(number)
        return f"{self.base_url}{self.path}?{urlencode(query)}"


def _positive(raw: str | None, default: int, ceiling: int | None) -> int:
    try:
        value = int(raw) if raw is not None else default
    except ValueError:
        value = default
    value = value if value > 0 else default
    return min(value, ceiling) if ceiling else value


def rate_status(state: GitHubState, bucket: str) -> tuple[int, int, int, int]:
    """Limit, remaining, used and reset (epoch seconds) of a rate-limit budget: by default
    5,000 an hour per installation token or App, 60 without credentials."""
    return primary_status(state, bucket)


Handler = Callable[[Call], Reply]


@dataclass(frozen=True)
class Route:
    operation_id: str
    method: str
    template: str
    auth: str
    handler: Handler
    strict: re.Pattern[str]
    lenient: re.Pattern[str]


ROUTES: list[Route] = []


def route(
    method: str, template: str, operation_id: str, *, auth: str = "token"
) -> Callable[[Handler], Handler]:
    """Register a handler. ``auth`` is ``token`` (installation token), ``jwt`` (App JWT),
    ``user`` (user access token), ``member`` (installation or user token) or ``any`` (any
    credential, or none)."""

    def register(handler: Handler) -> Handler:
        strict = template_pattern(template, lenient=False)
        lenient = template_pattern(template, lenient=True)
        ROUTES.append(Route(operation_id, method, template, auth, handler, strict, lenient))
        return handler

    return register


def find_route(method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """The route for ``method path`` (percent-encoded) and its decoded path parameters;
    templates with more literal text win, as on GitHub."""
    ordered = sorted(ROUTES, key=lambda r: -len(re.sub(r"\{[^}]*\}", "", r.template)))
    for attempt in ("strict", "lenient"):
        for candidate in ordered:
            if candidate.method != method:
                continue
            found = getattr(candidate, attempt).match(path)
            if found:
                return candidate, {k: unquote(v) for k, v in found.groupdict().items()}
    return None
