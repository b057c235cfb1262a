"""``gatehouse serve``: the webhook service under uvicorn."""

from __future__ import annotations

import argparse
from typing import Any

from app.logs import configure_logging
from app.settings import load_settings


def add_serve_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = sub.add_parser("serve", help="run the webhook service")
    serve.add_argument("--host", default="0.0.0.0", help="address to bind (default 0.0.0.0)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.add_argument("--log-level", default="info", choices=("debug", "info", "warning", "error"))
    serve.set_defaults(handler=run_serve)


def server_settings(log_level: str = "info") -> dict[str, Any]:
    """The uvicorn settings ``gatehouse serve`` runs with (``bench/webhook.py`` serves both
    of its apps with them too).

    ``loop`` and ``http`` are uvicorn's ``auto``: uvloop and httptools when installed (the
    ``uvicorn[standard]`` extra), else asyncio and h11. No access log: the service logs
    what it does with each delivery itself.
    """
    return {
        "loop": "auto",
        "http": "auto",
        "log_level": log_level,
        "access_log": False,
        "log_config": None,
    }


def run_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from app.container import Gatehouse
    from app.web.app import create_app

    configure_logging(args.log_level.upper())
    settings = load_settings()
    settings.require_service()
    gatehouse = Gatehouse(settings)
    app = create_app(gatehouse)
    uvicorn.run(app, host=args.host, port=args.port, **server_settings(args.log_level))
    return 0
