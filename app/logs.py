"""Structured logs: JSON lines when not on a terminal, carrying delivery, repo and PR.

The context travels in a ``contextvars`` variable so a worker thread handling a delivery
tags every line it logs, including those of the GitHub, Jira and Slack clients.
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

_context: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "log_context", default=None
)


@contextmanager
def log_context(**values: Any) -> Iterator[None]:
    """Add fields (``delivery``, ``repository``, ``pr``...) to every log line inside."""
    token = _context.set(
        {**(_context.get() or {}), **{k: v for k, v in values.items() if v is not None}}
    )
    try:
        yield
    finally:
        _context.reset(token)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **(_context.get() or {}),
        }
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class ContextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        base = super().format(record)
        extra = " ".join(f"{k}={v}" for k, v in (_context.get() or {}).items())
        return f"{base} [{extra}]" if extra else base


def configure_logging(level: str = "INFO", *, json_lines: bool | None = None) -> None:
    """JSON when stderr is not a terminal (containers, log shippers), text otherwise."""
    use_json = not sys.stderr.isatty() if json_lines is None else json_lines
    handler = logging.StreamHandler()
    handler.setFormatter(
        JsonFormatter()
        if use_json
        else ContextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("urllib3", "httpx", "httpcore", "github"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
