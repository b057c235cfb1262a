"""Run an ASGI application as a real HTTP server on a free loopback port, in a thread.

The fakes and the end-to-end tests use this so that PyGithub and httpx talk to them over
real sockets, exactly as they talk to GitHub, Jira and Slack.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn


def bind_loopback(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A listening-ready TCP socket on ``host``; port 0 lets the kernel choose."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    return sock


class ServerThread:
    """A uvicorn server bound to 127.0.0.1 on a port chosen by the kernel."""

    def __init__(
        self,
        app: Any,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        sock: socket.socket | None = None,
    ) -> None:
        """``sock``: a socket bound beforehand with :func:`bind_loopback`, so that a service
        can be told its own URL before it is built."""
        self._sock = sock or bind_loopback(host, port)
        self.host, self.port = self._sock.getsockname()[:2]
        config = uvicorn.Config(app, log_level="warning", lifespan="on", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, name=f"server:{self.port}", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _run(self) -> None:
        self._server.run(sockets=[self._sock])

    def start(self, timeout: float = 10.0) -> ServerThread:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"server on {self.url} did not start")
            time.sleep(0.005)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._server.should_exit = True
        self._thread.join(timeout)
        self._sock.close()


@contextmanager
def serving(app: Any) -> Iterator[ServerThread]:
    """Serve ``app`` for the duration of the ``with`` block."""
    server = ServerThread(app).start()
    try:
        yield server
    finally:
        server.stop()
