"""The fake Jira's HTTP surface: every request is recorded, held to Jira's published
description, subject to injected faults, authenticated, then answered by its handler.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import re
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request, Response

from app.sandbox.fake_jira.handlers import OPERATIONS, Call, Handler, Reply
from app.sandbox.fake_jira.model import Fault, JiraError, RecordedRequest, User
from app.sandbox.fake_jira.state import JiraState

JSON = "application/json;charset=UTF-8"
NOT_AUTHENTICATED = "You are not authenticated. Authentication required to perform this operation."
_JIRA_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d{4}$")
_ANY_METHOD = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


def create_jira_app(state: JiraState) -> FastAPI:
    """A Jira Cloud site answering exactly the REST v3 operations gatehouse may call.

    Any other path or method is answered 404 and listed in ``state.violations``.
    """
    app = FastAPI(title="Jira Cloud (fake)", openapi_url=None, docs_url=None, redoc_url=None)
    for method, path, operation_id, handler in OPERATIONS:
        endpoint = _endpoint(state, operation_id, handler)
        app.add_api_route(path, endpoint, methods=[method], name=operation_id)
    app.add_api_route("/{anything:path}", _endpoint(state, None, None), methods=_ANY_METHOD)
    return app


def _endpoint(state: JiraState, operation_id: str | None, handler: Handler | None) -> Any:
    async def endpoint(request: Request) -> Response:
        body = await request.body()
        query: dict[str, list[str]] = {}
        for name, value in request.query_params.multi_items():
            query.setdefault(name, []).append(value)
        violations = _request_violations(state, request, query, body)
        if handler is None and not violations:
            violations = (f"{request.method} {request.url.path}: not a Jira operation",)
        fault = state.take_fault(operation_id)
        if fault is not None and fault.delay_seconds > 0:
            await asyncio.sleep(fault.delay_seconds)
        reply = _answer(state, request, fault, handler, query, body)
        content = b"" if reply.body is None else json.dumps(reply.body).encode()
        headers = dict(reply.headers)
        if reply.body is not None:
            headers["content-type"] = JSON
        state.record(
            RecordedRequest(
                request.method,
                request.url.path,
                {name: values[-1] for name, values in query.items()},
                operation_id,
                reply.status,
                _json_or_none(body),
            ),
            violations,
            _response_violations(state, operation_id, reply, headers, content),
        )
        return Response(content, status_code=reply.status, headers=headers)

    return endpoint


def _answer(
    state: JiraState,
    request: Request,
    fault: Fault | None,
    handler: Handler | None,
    query: Mapping[str, list[str]],
    body: bytes,
) -> Reply:
    if fault is not None and fault.status is not None:
        headers = {} if fault.retry_after is None else {"Retry-After": str(fault.retry_after)}
        error = JiraError(fault.status, [HTTPStatus(fault.status).phrase])
        return Reply(fault.status, error.body(), headers)
    with state.locked() as store:
        user = _authenticate(state, request.headers.get("authorization"))
        if user is None:
            return Reply(401, JiraError(401, [NOT_AUTHENTICATED]).body())
        if handler is None:
            return Reply(404, JiraError(404, [f"null for uri: {request.url}"]).body())
        base = str(request.base_url).rstrip("/")
        call = Call(base, user, dict(request.path_params), query, body)
        try:
            return handler(store, call)
        except JiraError as error:
            return Reply(error.status, error.body())


def _authenticate(state: JiraState, authorization: str | None) -> User | None:
    scheme, _, encoded = (authorization or "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        email, _, token = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return state.store.authenticate(email, token)


def _request_violations(
    state: JiraState, request: Request, query: Mapping[str, list[str]], body: bytes
) -> tuple[str, ...]:
    """The one place requests are held to Jira's description (unchecked without it)."""
    if state.contract is None:
        return ()
    result = state.contract.check_request(
        request.method, request.url.path, dict(query), dict(request.headers), body or None
    )
    return result.violations


def _response_violations(
    state: JiraState,
    operation_id: str | None,
    reply: Reply,
    headers: Mapping[str, str],
    content: bytes,
) -> tuple[str, ...]:
    """Departures of the fake's own answer from the description.

    Where Jira and its description disagree the fake answers as Jira does, and the answer
    is held to the description's intent rather than its letter: a 204 has no body (the
    description gives it a JSON ``content``); the unfiltered remote-link list is an array
    of ``RemoteIssueLink`` (typed as one object, while the description's own example is an
    array); timestamps read ``+0000`` (``date-time`` wants ``+00:00``).
    """
    contract = state.contract
    if contract is None or operation_id is None or reply.status == 204:
        return ()
    if reply.body is None:
        return contract.check_response(operation_id, reply.status, headers, content)
    items = reply.body if isinstance(reply.body, list) else [reply.body]
    found: list[str] = []
    for item in items:
        described = json.dumps(_rfc3339_offsets(item)).encode()
        found += contract.check_response(operation_id, reply.status, headers, described)
    return tuple(found)


def _rfc3339_offsets(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _rfc3339_offsets(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_rfc3339_offsets(item) for item in value]
    if isinstance(value, str) and _JIRA_TIME.match(value):
        return f"{value[:-2]}:{value[-2:]}"
    return value


def _json_or_none(body: bytes) -> Any:
    try:
        return json.loads(body) if body else None
    except ValueError:
        return None
