"""The FastAPI application, built by a factory from a running :class:`Gatehouse`."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.types import Receive, Scope, Send

from app import __version__
from app.container import Gatehouse
from app.web.access import AccessUnknown
from app.web.context import PageAnswer, Web
from app.web.decisions import decisions_router
from app.web.deployments import deployments_router
from app.web.pages import pages_router
from app.web.signin import sign_in_router
from app.web.webhook import WebhookEndpoint, webhook_route


class GatehouseAPI(FastAPI):
    """The service's app. ``POST /webhook`` is answered ahead of FastAPI's middleware stack
    (error pages, exception handlers, body limits, telemetry): the endpoint reads its own
    capped body, answers every outcome itself, and is called for nearly every request the
    service gets, so the layers it never uses would cost a large share of each
    acknowledgement. Every other request, ``/webhook`` with another method included (405),
    goes through FastAPI as usual."""

    webhook: WebhookEndpoint | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            self.webhook is not None
            and scope["type"] == "http"
            and scope["method"] == "POST"
            and _route_path(scope) == "/webhook"
        ):
            await self.webhook(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def _route_path(scope: Scope) -> str:
    """The request's path below the app's mount point (``root_path``), as routes see it."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


def create_app(gatehouse: Gatehouse, *, manage_worker: bool = True) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # Everything loaded at start-up lives as long as the process: keep it out of the
        # collector's scans, or a full collection stalls requests for tens of milliseconds.
        gc.collect()
        gc.freeze()
        if manage_worker:
            gatehouse.start()
        try:
            yield
        finally:
            if manage_worker:
                gatehouse.stop()

    app = GatehouseAPI(
        title="gatehouse", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None
    )
    secret = gatehouse.settings.github_webhook_secret
    assert secret is not None
    webhook = WebhookEndpoint(
        secret.get_secret_value().encode(),
        gatehouse.writer,
        gatehouse.worker.notify,
        gatehouse.metrics,
    )
    app.router.routes.append(webhook_route(webhook))
    app.webhook = webhook
    web = Web(gatehouse)
    app.add_exception_handler(PageAnswer, web.answer_page)
    app.add_exception_handler(AccessUnknown, web.answer_page)
    app.include_router(sign_in_router(web))
    app.include_router(pages_router(gatehouse, web))
    app.include_router(decisions_router(gatehouse, web))
    app.include_router(deployments_router(gatehouse, web))

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz() -> JSONResponse:
        database = await run_in_threadpool(gatehouse.db.ping)
        rules = gatehouse.rules.organisation()
        ready = database and rules.compiled is not None
        body = {
            "status": "ready" if ready else "not ready",
            "database": "ok" if database else "unreachable",
            "rules": "ok" if rules.compiled is not None else rules.error,
        }
        return JSONResponse(body, status_code=200 if ready else 503)

    @app.get("/metrics")
    async def metrics() -> Response:
        pending = await run_in_threadpool(gatehouse.deliveries.pending_count)
        gatehouse.metrics.pending.set(pending)
        gatehouse.metrics.follow_ups.set(gatehouse.worker.following_up())
        return Response(generate_latest(gatehouse.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return app
