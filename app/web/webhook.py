"""``POST /webhook``: verify, record, answer. The work happens in the intake worker.

The signature is checked in constant time over the raw body before anything is parsed;
a delivery is committed to the database before the 202 is sent, so a delivery answered
2xx is never lost, whatever happens to this process next.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import uuid
from collections.abc import Callable

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from app.events.routing import classify
from app.store.delivery_writer import DeliveryWriter, NewDelivery
from app.web.metrics import Metrics

MAX_BODY_BYTES = 25 * 1024 * 1024
log = logging.getLogger("gatehouse.webhook")


def signature_valid(secret: bytes, body: bytes, header: str | None) -> bool:
    if not header or not header.startswith("sha256="):
        return False
    expected = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header.strip().encode())


async def _read_capped(request: Request) -> bytes | None:
    """The body, or ``None`` once it exceeds the limit (never buffering more than that)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit():
        if int(declared) > MAX_BODY_BYTES:
            return None
        return await request.body()  # the server stops reading at the declared length
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def webhook_router(
    secret: bytes, writer: DeliveryWriter, notify: Callable[[], None], metrics: Metrics
) -> APIRouter:
    router = APIRouter()

    def answer(status: int, event: str, outcome: str, message: str) -> JSONResponse:
        metrics.deliveries.labels(event=event or "unknown", outcome=outcome).inc()
        return JSONResponse({"status": outcome, "message": message}, status_code=status)

    @router.post("/webhook")
    async def webhook(request: Request) -> JSONResponse:
        event = request.headers.get("x-github-event", "")
        body = await _read_capped(request)
        if body is None:
            return answer(413, event, "too-large", "the body is larger than 25 MiB")
        if not signature_valid(secret, body, request.headers.get("x-hub-signature-256")):
            return answer(401, event, "bad-signature", "missing or wrong X-Hub-Signature-256")
        try:
            payload = orjson.loads(body)
        except orjson.JSONDecodeError:
            return answer(400, event, "malformed", "the body is not valid JSON")
        if not isinstance(payload, dict) or not event:
            return answer(400, event, "malformed", "expected a JSON object and X-GitHub-Event")
        route = classify(event, payload)
        if route is None:
            return answer(200, event, "ignored", "gatehouse does not act on this event")
        delivery_id = request.headers.get("x-github-delivery") or f"local-{uuid.uuid4()}"
        delivery = NewDelivery(
            delivery_id=delivery_id,
            event=event,
            action=route.action,
            payload=body,
            repository=route.repository,
            ordering_key=route.ordering_key,
            installation_id=route.installation_id,
        )
        try:
            new = await asyncio.wrap_future(writer.submit(delivery))
        except Exception:
            return answer(503, event, "not-recorded", "the delivery could not be stored; retry")
        if not new:
            return answer(202, event, "duplicate", "this delivery was already received")
        notify()
        return answer(202, event, "accepted", "queued")

    return router
