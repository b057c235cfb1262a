"""An httpx transport that costs no thread while a follow-up waits for its answer.

Jira's and Slack's clients are plain :class:`httpx.Client` objects. With this transport, an
exchange made by a follow-up on the event loop (see :mod:`app.cooperative`) goes through
httpx's own asynchronous transport and is awaited by the loop; any other caller gets the
ordinary blocking transport. Either way the client sees a complete, read response.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import httpx

from app.cooperative import cooperative, wait

# Every asynchronous pool opened on a loop, to be closed with it (see close_pools).
_pools: dict[asyncio.AbstractEventLoop, list[httpx.AsyncHTTPTransport]] = {}
_pools_lock = threading.Lock()


async def close_pools() -> None:
    """Close the connection pools opened on the running loop; call before closing it."""
    with _pools_lock:
        pools = _pools.pop(asyncio.get_running_loop(), [])
    for pool in pools:
        await pool.aclose()


class CooperativeTransport(httpx.BaseTransport):
    """Blocking exchanges as usual; awaited ones for follow-ups on the event loop.

    The asynchronous connection pool belongs to the loop that opened it, so one is kept per
    loop (in practice the service's single follow-up loop). Each pool is made at its first
    use: a client that only ever waits one way never pays for the other's TLS set-up."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._blocking: httpx.HTTPTransport | None = None
        self._awaited: dict[asyncio.AbstractEventLoop, httpx.AsyncHTTPTransport] = {}
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if not cooperative():
            return self._blocking_pool().handle_request(request)
        return wait(self._exchange(request))

    def _blocking_pool(self) -> httpx.HTTPTransport:
        with self._lock:
            if self._blocking is None:
                self._blocking = httpx.HTTPTransport(**self._options)
            return self._blocking

    def _for_running_loop(self) -> httpx.AsyncHTTPTransport:
        loop = asyncio.get_running_loop()
        with self._lock:
            transport = self._awaited.get(loop)
            if transport is None:
                self._awaited = {
                    known: pool for known, pool in self._awaited.items() if not known.is_closed()
                }
                transport = self._awaited[loop] = httpx.AsyncHTTPTransport(**self._options)
                with _pools_lock:
                    _pools.setdefault(loop, []).append(transport)
            return transport

    async def _exchange(self, request: httpx.Request) -> httpx.Response:
        response = await self._for_running_loop().handle_async_request(request)
        try:
            # Raw bytes: the client decodes any content-encoding itself, as it would the
            # blocking transport's answer.
            content = b"".join([chunk async for chunk in response.aiter_raw()])
        finally:
            await response.aclose()
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            content=content,
            request=request,
            extensions={"http_version": response.extensions.get("http_version", b"HTTP/1.1")},
        )

    def close(self) -> None:
        with self._lock:
            blocking, self._blocking = self._blocking, None
        if blocking is not None:
            blocking.close()
