"""The fake GitHub's HTTP front: one FastAPI app answering the REST operations gatehouse
uses, the way GitHub answers them, and the few github.com pages a browser goes through to
sign in or register an App (``site_oauth``, ``site_manifest``; not REST, so unchecked).

Every request is checked against GitHub's published description (refused with 422, or 404
for an unknown endpoint, and listed in ``state.violations``), authenticated, counted against a
rate-limit budget (and, when set, the secondary limit on bursts of writes), given any
injected fault, answered by its handler, tagged with an ETag (``If-None-Match`` answers 304
for free) and recorded in ``state.requests``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import secrets
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs

from fastapi import FastAPI, Request, Response

from app.sandbox.contract import OpenApiContract
from app.sandbox.fake_github import (
    routes_apps,
    routes_checks,
    routes_deployments,
    routes_issues,
    routes_pulls,
    routes_users,
)
from app.sandbox.fake_github import routes_repos as _routes_repos
from app.sandbox.fake_github.auth import Identity, authenticate
from app.sandbox.fake_github.limits import SECONDARY_LIMIT, admit_write
from app.sandbox.fake_github.records import Fault, RecordedRequest
from app.sandbox.fake_github.site_manifest import manifest_router
from app.sandbox.fake_github.site_oauth import oauth_router
from app.sandbox.fake_github.state import DEFAULT_HTML_BASE, GitHubState
from app.sandbox.fake_github.web import Call, GitHubError, Reply, find_route, rate_status
from app.sandbox.server import ServerThread, serving
from app.sandbox.shared_dir import shared_file

__all__ = ["create_app", "serve_github"]
_ROUTE_MODULES = (
    routes_apps,
    routes_checks,
    routes_deployments,
    routes_issues,
    routes_pulls,
    _routes_repos,
    routes_users,
)
_METHODS = ["GET", "POST", "PATCH", "PUT", "DELETE"]
logger = logging.getLogger(__name__)


@functools.cache
def shared_contract() -> OpenApiContract | None:
    """GitHub's description from the shared folder; when absent, says once that nothing is
    checked."""
    path = shared_file("github", "openapi", "github-rest-subset.json")
    if path is None:
        logger.warning("GitHub's API description is absent: the fake GitHub checks no request")
        return None
    return OpenApiContract.load(path, error_schema="basic-error")


def _fault_error(fault: Fault, request_id: str) -> GitHubError:
    if fault.message is not None:
        message = fault.message
    elif fault.status in (403, 429):
        message = SECONDARY_LIMIT.format(id=request_id)
    else:
        message = HTTPStatus(fault.status).phrase
    extra = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
    return GitHubError(fault.status, message, headers=extra)


class Dispatcher:
    """Answers one request at a time under the state's lock."""

    def __init__(self, state: GitHubState, contract: OpenApiContract | None) -> None:
        self.state, self.contract = state, contract

    def answer(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        headers: Mapping[str, str],
        raw_body: bytes,
        base_url: str,
    ) -> Reply:
        with self.state.lock:
            return self._answer(method, path, query, headers, raw_body, base_url)

    def _answer(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        headers: Mapping[str, str],
        raw_body: bytes,
        base_url: str,
    ) -> Reply:
        found = find_route(method, path)
        operation_id = found[0].operation_id if found else None
        label = f"{method} {found[0].template if found else path}"
        identity = Identity(None, None, "anonymous")
        request_id = secrets.token_hex(8).upper()
        body = _json(raw_body)
        counted = False
        try:
            self._check(method, path, query, headers, raw_body, found is not None)
            if found is None:
                raise GitHubError(404, "Not Found", violation=True)
            route, params = found
            if body is _INVALID:
                raise GitHubError(400, "Problems parsing JSON", violation=True)
            identity = authenticate(self.state, route.auth, headers)
            fault = self.state.take_fault(route.operation_id)
            if fault is not None:
                raise _fault_error(fault, request_id)
            counted = route.operation_id != "rate-limit/get"
            if counted and rate_status(self.state, identity.bucket)[1] <= 0:
                raise GitHubError(403, _exhausted(identity))
            _refuse_a_burst(self.state, identity, method, request_id)
            call = Call(self.state, method, params, query, headers, body, base_url, path)
            call.token, call.app, call.bucket = identity.token, identity.app, identity.bucket
            call.user = identity.user
            reply = route.handler(call)
        except GitHubError as error:
            if error.violation:
                self.state.violations.append(f"{label}: {error.status} {error.describe()}")
            reply = Reply(error.status, error.body(), error.headers)
            counted = counted or identity.bucket != "anonymous"
        reply = _conditional(method, reply, headers)
        if counted and reply.status != 304:
            self.state.rate_used[identity.bucket] = self.state.rate_used.get(identity.bucket, 0) + 1
        reply.headers.update(_standard_headers(self.state, identity.bucket, request_id))
        recorded_query = {key: values[-1] for key, values in query.items()}
        recorded_body = None if body is _INVALID else body
        self.state.requests.append(
            RecordedRequest(
                method,
                path,
                operation_id,
                reply.status,
                recorded_query,
                recorded_body,
                self.state.now(),
            )
        )
        return reply

    def _check(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        headers: Mapping[str, str],
        raw_body: bytes,
        routed: bool,
    ) -> None:
        if self.contract is None:
            return
        result = self.contract.check_request(method, path, dict(query), headers, raw_body)
        if result.ok:
            return
        self.state.violations.extend(result.violations)
        if result.operation_id is None or not routed:
            raise GitHubError(404, "Not Found")
        errors = [{"code": "invalid", "message": line} for line in result.violations]
        raise GitHubError(422, "Invalid request.", errors=errors)


_INVALID = object()


def _json(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return _INVALID


def _refuse_a_burst(state: GitHubState, identity: Identity, method: str, request_id: str) -> None:
    """GitHub's secondary-limit answer when the installation's writes are over the limit."""
    installation = identity.token.installation_id if identity.token is not None else None
    refusal = admit_write(state, installation, method)
    if refusal is not None:
        message = SECONDARY_LIMIT.format(id=request_id)
        raise GitHubError(403, message, headers={"Retry-After": str(refusal.retry_after)})


def _exhausted(identity: Identity) -> str:
    if identity.token is not None:
        return f"API rate limit exceeded for installation ID {identity.token.installation_id}."
    return "API rate limit exceeded."


def _conditional(method: str, reply: Reply, headers: Mapping[str, str]) -> Reply:
    """ETags on successful GETs; a matching ``If-None-Match`` gets an empty 304."""
    if method != "GET" or reply.status != 200:
        return reply
    digest = hashlib.sha256(json.dumps(reply.body, sort_keys=True).encode()).hexdigest()
    etag = f'W/"{digest[:40]}"'
    reply.headers["ETag"] = etag
    wanted = {tag.strip() for tag in headers.get("if-none-match", "").split(",")}
    if etag in wanted or etag.removeprefix("W/") in wanted:
        return Reply(304, None, {"ETag": etag})
    return reply


def _standard_headers(state: GitHubState, bucket: str, request_id: str) -> dict[str, str]:
    limit, remaining, used, reset = rate_status(state, bucket)
    return {
        "x-ratelimit-limit": str(limit),
        "x-ratelimit-remaining": str(remaining),
        "x-ratelimit-used": str(used),
        "x-ratelimit-reset": str(reset),
        "x-ratelimit-resource": "core",
        "x-github-request-id": request_id,
        "x-github-api-version-selected": "2022-11-28",
        "x-github-media-type": "github.v3; format=json",
    }


def create_app(state: GitHubState, *, contract: OpenApiContract | bool = True) -> FastAPI:
    """The fake GitHub over ``state``. ``contract``: True checks requests against GitHub's
    description when the shared folder has it, False checks nothing, or a contract to use."""
    chosen = shared_contract() if contract is True else contract or None
    dispatcher = Dispatcher(state, chosen)
    app = FastAPI(title="fake GitHub", docs_url=None, redoc_url=None, openapi_url=None)
    # github.com's pages (sign-in, registering an App) first: the catch-all is the API's.
    app.include_router(oauth_router(state))
    app.include_router(manifest_router(state))

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> Response:
        # github.com's pages have an icon a browser asks for; it is not a REST call.
        return Response(status_code=204)

    @app.api_route("/{rest:path}", methods=_METHODS)
    async def endpoint(request: Request) -> Response:
        raw_path = request.scope.get("raw_path") or request.url.path.encode()
        path = raw_path.decode("latin-1").split("?", 1)[0]
        query = parse_qs(request.url.query, keep_blank_values=True)
        headers = {key.lower(): value for key, value in request.headers.items()}
        base = str(request.base_url).rstrip("/")
        body = await request.body()
        reply = dispatcher.answer(request.method, path, query, headers, body, base)
        if reply.status == 304 or reply.body is None:
            return Response(status_code=reply.status, headers=reply.headers)
        return Response(
            json.dumps(reply.body),
            status_code=reply.status,
            headers=reply.headers,
            media_type="application/json; charset=utf-8",
        )

    return app


@contextmanager
def serve_github(
    state: GitHubState,
    *,
    contract: OpenApiContract | bool = True,
    wrap: Callable[[Any], Any] | None = None,
) -> Iterator[ServerThread]:
    """Serve the fake on a loopback port; ``state.api_url`` (and ``html_base``, unless set
    to something else than its default) point at it meanwhile. ``wrap`` puts ASGI
    middleware around the fake (the load benchmark's network latency)."""
    app = create_app(state, contract=contract)
    with serving(wrap(app) if wrap else app) as server:
        state.api_url = server.url
        if state.html_base == DEFAULT_HTML_BASE:
            state.html_base = server.url
        yield server
