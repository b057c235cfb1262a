"""Network time for the fakes: an ASGI middleware that answers each request after a delay
(and, for tests, only once a gate is open).

The load benchmark gives GitHub, Jira and Slack the latency of the real services so that
gatehouse's pipeline is measured waiting on the network as it does in production. The
delay is awaited, so one fake serves many slow requests at once, as the real services do.
An optional observer sees every answered request (method, path, status, request body and
the monotonic time of the answer), which is how the benchmark times completed checks.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Observer = Callable[["Answered"], None]
Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Any]
Send = Callable[[Message], Any]


@dataclass(frozen=True, slots=True)
class Answered:
    method: str
    path: str
    status: int
    body: bytes
    at: float  # time.monotonic() when the answer was sent


class WithLatency:
    """Wrap an ASGI app: every HTTP request waits ``seconds`` before it is handled."""

    def __init__(
        self,
        app: Any,
        seconds: float,
        observe: Observer | None = None,
        *,
        gate: threading.Event | None = None,
    ) -> None:
        self.app = app
        self.seconds = seconds
        self.observe = observe
        self.gate = gate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.seconds > 0:
            await asyncio.sleep(self.seconds)
        gate = self.gate
        while gate is not None and not gate.is_set():
            await asyncio.sleep(0.01)  # held: the service waits as on a hung network
        observe = self.observe
        if observe is None:
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        status = 0

        async def recording_receive() -> Message:
            message: Message = await receive()
            if message["type"] == "http.request":
                chunks.append(message.get("body", b""))
            return message

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                observe(
                    Answered(
                        scope["method"], scope["path"], status, b"".join(chunks), time.monotonic()
                    )
                )

        await self.app(scope, recording_receive, recording_send)
