"""``POST /webhook``: verify, record, answer. The work happens in the intake worker.

The signature is checked in constant time over the raw body before anything is parsed;
a delivery is committed to the database before the 202 is sent, so a delivery answered
2xx is never lost, whatever happens to this process next.

The route is a plain ASGI endpoint, not a FastAPI path operation: a request runs on the
event loop from start to end with no request object, dependency solving or response
rendering, and is answered with one of a few responses built once. The commit itself
happens on the delivery writer's thread, which wakes this loop once per batch it commits.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import orjson
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from app.events.envelope import MalformedBody, routing_fields
from app.events.routing import classify
from app.store.delivery_writer import DeliveryWriter, NewDelivery
from app.web.metrics import Metrics

MAX_BODY_BYTES = 25 * 1024 * 1024
log = logging.getLogger("gatehouse.webhook")


@dataclass(frozen=True, slots=True)
class Answer:
    """One of the webhook's answers, encoded once: ``{"status": ..., "message": ...}``."""

    status: int
    outcome: str
    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes

    @classmethod
    def build(cls, status: int, outcome: str, message: str) -> Answer:
        body = orjson.dumps({"status": outcome, "message": message})
        headers = (
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        )
        return cls(status, outcome, headers, body)


TOO_LARGE = Answer.build(413, "too-large", "the body is larger than 25 MiB")
BAD_SIGNATURE = Answer.build(401, "bad-signature", "missing or wrong X-Hub-Signature-256")
NOT_JSON = Answer.build(400, "malformed", "the body is not valid JSON")
NOT_AN_EVENT = Answer.build(400, "malformed", "expected a JSON object and X-GitHub-Event")
BAD_DELIVERY_ID = Answer.build(400, "malformed", "X-GitHub-Delivery is longer than 128 characters")
MAX_DELIVERY_ID = 128  # the column's size; GitHub's ids are 36-character GUIDs
IGNORED = Answer.build(200, "ignored", "gatehouse does not act on this event")
NOT_RECORDED = Answer.build(503, "not-recorded", "the delivery could not be stored; retry")
DUPLICATE = Answer.build(202, "duplicate", "this delivery was already received")
ACCEPTED = Answer.build(202, "accepted", "queued")


def signature_valid(secret: bytes, body: bytes, header: bytes | None) -> bool:
    """Whether ``header`` is ``sha256=`` and the HMAC of ``body`` (constant-time compare)."""
    if not header or not header.startswith(b"sha256="):
        return False
    expected = b"sha256=" + hmac.digest(secret, body, hashlib.sha256).hex().encode()
    return hmac.compare_digest(expected, header.strip())


@dataclass(slots=True)
class _Headers:
    event: str = ""
    signature: bytes | None = None
    delivery_id: str | None = None
    length: int | None = None

    @classmethod
    def read(cls, raw: Iterable[tuple[bytes, bytes]]) -> _Headers:
        """The headers the webhook reads, from ASGI's lower-cased (name, value) pairs."""
        found = cls()
        for name, value in raw:
            if name == b"x-github-event":
                found.event = value.decode("latin-1")
            elif name == b"x-hub-signature-256":
                found.signature = value
            elif name == b"x-github-delivery":
                found.delivery_id = value.decode("latin-1")
            elif name == b"content-length" and value.isdigit():
                found.length = int(value)
        return found


class _Disconnected(Exception):
    """The client went away before its body arrived: there is nobody to answer."""


async def _read_capped(receive: Receive, declared: int | None) -> bytes | None:
    """The body, or ``None`` once it exceeds the limit (never buffering more than that)."""
    if declared is not None and declared > MAX_BODY_BYTES:
        return None
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            raise _Disconnected
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def webhook_route(endpoint: WebhookEndpoint) -> Route:
    """``POST /webhook`` (another method gets 405)."""
    return Route("/webhook", endpoint, methods=["POST"], name="webhook", include_in_schema=False)


class WebhookEndpoint:
    """The ASGI app behind ``POST /webhook``.

    ``notify`` wakes the intake worker; it is called once per event-loop turn in which
    deliveries were accepted (a committed batch resumes its requests in one turn).
    """

    def __init__(
        self,
        secret: bytes,
        writer: DeliveryWriter,
        notify: Callable[[], None],
        metrics: Metrics,
    ) -> None:
        self._secret = secret
        self._writer = writer
        self._notify = notify
        self._counter = metrics.answers
        self._notify_due = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        given = _Headers.read(scope["headers"])
        try:
            answer = await self._handle(given, receive)
        except _Disconnected:
            return
        self._counter.count(given.event, answer.outcome)
        # A copy: a middleware may add headers to the message's list in place.
        headers = list(answer.headers)
        await send({"type": "http.response.start", "status": answer.status, "headers": headers})
        await send({"type": "http.response.body", "body": answer.body})

    async def _handle(self, headers: _Headers, receive: Receive) -> Answer:
        body = await _read_capped(receive, headers.length)
        if body is None:
            return TOO_LARGE
        if not signature_valid(self._secret, body, headers.signature):
            return BAD_SIGNATURE
        try:
            fields = routing_fields(body)
        except MalformedBody as malformed:
            return NOT_JSON if malformed.reason == "not-json" else NOT_AN_EVENT
        event = headers.event
        if not event:
            return NOT_AN_EVENT
        route = classify(event, fields)
        if route is None:
            return IGNORED
        if headers.delivery_id is not None and len(headers.delivery_id) > MAX_DELIVERY_ID:
            return BAD_DELIVERY_ID  # one bad row would fail the whole batch it is written in
        delivery = NewDelivery(
            delivery_id=headers.delivery_id or f"local-{uuid.uuid4()}",
            event=event,
            action=route.action,
            payload=body,
            repository=route.repository,
            ordering_key=route.ordering_key,
            installation_id=route.installation_id,
        )
        try:
            new = await self._writer.record(delivery)
        except Exception:
            return NOT_RECORDED
        if not new:
            return DUPLICATE
        if not self._notify_due:
            self._notify_due = True
            asyncio.get_running_loop().call_soon(self._notify_worker)
        return ACCEPTED

    def _notify_worker(self) -> None:
        self._notify_due = False
        self._notify()
