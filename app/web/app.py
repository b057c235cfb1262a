"""The FastAPI application, built by a factory from a running :class:`Gatehouse`."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from app import __version__
from app.container import Gatehouse
from app.web.access import AccessUnknown
from app.web.context import PageAnswer, Web
from app.web.decisions import decisions_router
from app.web.deployments import deployments_router
from app.web.pages import pages_router
from app.web.signin import sign_in_router
from app.web.webhook import webhook_route


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

    app = FastAPI(
        title="gatehouse", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None
    )
    secret = gatehouse.settings.github_webhook_secret
    assert secret is not None
    app.router.routes.append(
        webhook_route(
            secret.get_secret_value().encode(),
            gatehouse.writer,
            gatehouse.worker.notify,
            gatehouse.metrics,
        )
    )
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
