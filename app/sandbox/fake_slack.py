"""A fake Slack Web API (``chat.postMessage``, ``chat.update``) served over real HTTP.

It answers as Slack does: HTTP 200 with ``{"ok": false, "error": ...}`` for application
errors, 429 with ``Retry-After`` when rate limited. Every JSON or form body is held to the
JSON Schema in the shared folder (when present); departures are listed in ``violations``
and answered ``invalid_arguments`` unless Slack has a more specific error for them.
"""

from __future__ import annotations

import contextlib
import copy
import json
import threading
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request, Response
from jsonschema import Draft202012Validator

from app.sandbox.clock import Clock, wall_clock
from app.sandbox.shared_dir import shared_file

DEFAULT_TOKEN = "xoxb-0000000000-gatehouse-test"
BOT_USER_ID = "U0GATEHOUSE"
BOT_ID = "B0GATEHOUSE"
MAX_TEXT = 40_000
METHODS = ("chat.postMessage", "chat.update")
_FORM_JSON = ("blocks", "attachments", "metadata")
_BODY_ERRORS = ("invalid_json", "json_not_object")
_FORM_BOOLEANS = ("reply_broadcast", "mrkdwn", "unfurl_links", "unfurl_media", "link_names")


@dataclass(frozen=True)
class SlackMessage:
    channel: str
    ts: str
    text: str
    thread_ts: str | None = None
    blocks: list[Any] | None = None
    edited: bool = False


@dataclass(frozen=True)
class SlackRequest:
    """One call as gatehouse made it (``args`` without the token) and as it was answered."""

    method: str
    args: dict[str, Any]
    status: int
    error: str | None


@dataclass
class _Fault:
    method: str
    answer: int | str
    remaining: int
    retry_after: int | None


@dataclass
class _Channel:
    id: str
    name: str
    bot_is_member: bool
    messages: list[SlackMessage] = field(default_factory=list)


@cache
def _validators(path: Path) -> dict[str, Draft202012Validator]:
    document = json.loads(path.read_text(encoding="utf-8"))
    return {
        name: Draft202012Validator({**document, "$ref": f"#/$defs/{name}"})
        for name in document["$defs"]
        if name.startswith("chat.")
    }


class SlackState:
    """A workspace in memory where gatehouse's bot (``token``) posts and edits messages.

    It starts with one channel, ``#lfx-devops`` (``C0LFXDEVOPS``), the bot a member.
    Message ``ts`` values are read from ``clock``, strictly increasing.
    """

    def __init__(
        self, *, token: str = DEFAULT_TOKEN, check_contract: bool = True, clock: Clock = wall_clock
    ) -> None:
        self.token = token
        self.clock = clock
        self._lock = threading.Lock()
        self._channels: dict[str, _Channel] = {}
        self._requests: list[SlackRequest] = []
        self._violations: list[str] = []
        self._response_violations: list[str] = []
        self._faults: list[_Fault] = []
        self._last_ts = 0
        path = shared_file("slack", "chat-methods.schema.json") if check_contract else None
        self._schemas = _validators(path) if path is not None else {}
        self.add_channel("lfx-devops", "C0LFXDEVOPS")

    def add_channel(self, name: str, channel_id: str, *, bot_is_member: bool = True) -> None:
        with self._lock:
            self._channels[channel_id] = _Channel(channel_id, name.lstrip("#"), bot_is_member)

    def fail_next(
        self,
        method: str = "*",
        status_or_error: int | str = 429,
        times: int = 1,
        retry_after: int | None = None,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` (``*``: any) with a failure.

        An ``int`` is an HTTP status (429 carries ``Retry-After``, 1 second unless given);
        a ``str`` is a Slack error code answered with HTTP 200 and ``ok: false``.
        """
        with self._lock:
            self._faults.append(_Fault(method, status_or_error, times, retry_after))

    def messages(self, channel: str | None = None) -> list[SlackMessage]:
        """Messages in posting order, in one channel (id or name) or in all."""
        with self._lock:
            found = [self._find(channel)] if channel is not None else self._channels.values()
            return sorted(
                (m for c in found if c is not None for m in c.messages), key=lambda m: m.ts
            )

    @property
    def requests(self) -> list[SlackRequest]:
        with self._lock:
            return copy.deepcopy(self._requests)

    @property
    def violations(self) -> list[str]:
        """Every way gatehouse's requests departed from the methods' schema."""
        with self._lock:
            return list(self._violations)

    @property
    def response_violations(self) -> list[str]:
        """Every way the fake's own answers departed from the methods' schema."""
        with self._lock:
            return list(self._response_violations)

    def calls(self, method: str | None = None) -> list[SlackRequest]:
        return [r for r in self.requests if method in (None, r.method)]

    def _find(self, channel: str) -> _Channel | None:
        if channel in self._channels:
            return self._channels[channel]
        name = channel.removeprefix("#")
        return next((c for c in self._channels.values() if c.name == name), None)

    def _take_fault(self, method: str) -> _Fault | None:
        for fault in self._faults:
            if fault.method in ("*", method):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    def _next_ts(self) -> str:
        self._last_ts = max(self._last_ts + 1, int(self.clock().timestamp() * 1_000_000))
        return f"{self._last_ts // 1_000_000:010d}.{self._last_ts % 1_000_000:06d}"

    def _schema_problems(self, name: str, value: Any) -> list[str]:
        validator = self._schemas.get(name)
        if validator is None:
            return []
        errors = sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path))
        return [
            f"{name}: {'.'.join(map(str, e.absolute_path)) or 'body'}: {e.message}" for e in errors
        ]

    def answer(
        self, http_method: str, method: str, content_type: str, authorization: str, body: bytes
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        """(status, headers, JSON answer) for one HTTP call; recorded and checked."""
        args, body_token, problem = _parse(content_type, body)
        scheme, _, bearer = authorization.partition(" ")
        token = bearer if scheme.lower() == "bearer" and bearer else body_token
        status, headers = 200, dict[str, str]()
        answer: dict[str, Any]
        with self._lock:
            if http_method != "POST" or method not in METHODS:
                self._violations.append(f"{http_method} /{method}: not a method gatehouse uses")
            elif problem is not None and problem not in _BODY_ERRORS:
                self._violations.append(f"{method}: {problem}")
            fault = self._take_fault(method)
            if fault is not None:
                status, headers, answer = _fault_answer(fault)
            elif problem in _BODY_ERRORS:
                answer = {"ok": False, "error": problem}
            else:
                answer = self._handle(method, args, token)
            media = content_type.split(";")[0].strip().lower()
            if media == "application/json" and "charset" not in content_type.lower():
                answer["warning"] = "missing_charset"
                answer["response_metadata"] = {"warnings": ["missing_charset"]}
            if method in METHODS:
                self._response_violations += self._schema_problems(f"{method}.response", answer)
            self._requests.append(SlackRequest(method, args, status, answer.get("error")))
        return status, headers, answer

    def _handle(self, method: str, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        """Slack's answer to an authenticated-or-not call whose fault injection is done."""
        if method not in METHODS:
            return {"ok": False, "error": "unknown_method"}
        if token is None:
            return {"ok": False, "error": "not_authed"}
        if token != self.token:
            return {"ok": False, "error": "invalid_auth"}
        problems = self._schema_problems(f"{method}.request", args)
        self._violations.extend(problems)
        channel_ref = args.get("channel")
        channel = self._find(channel_ref) if isinstance(channel_ref, str) and channel_ref else None
        if channel is None or (method == "chat.update" and channel.id != channel_ref):
            return {"ok": False, "error": "channel_not_found"}
        if not channel.bot_is_member:
            return {"ok": False, "error": "not_in_channel"}
        existing = None
        if method == "chat.update":
            existing = next((m for m in channel.messages if m.ts == args.get("ts")), None)
            if existing is None:
                return {"ok": False, "error": "message_not_found"}
        text = args.get("text")
        if not text and not args.get("blocks") and not args.get("attachments"):
            return {"ok": False, "error": "no_text"}
        if isinstance(text, str) and len(text) > MAX_TEXT:
            return {"ok": False, "error": "msg_too_long"}
        if problems:
            return {"ok": False, "error": "invalid_arguments"}
        text = text if isinstance(text, str) else ""
        blocks = args.get("blocks")
        if existing is None:
            message = SlackMessage(channel.id, self._next_ts(), text, args.get("thread_ts"), blocks)
            channel.messages.append(message)
        else:
            message = replace(existing, text=text, blocks=blocks or existing.blocks, edited=True)
            channel.messages[channel.messages.index(existing)] = message
        answer: dict[str, Any] = {"ok": True, "channel": channel.id, "ts": message.ts}
        if method == "chat.update":
            answer["text"] = message.text
        answer["message"] = _message_json(message)
        return answer


def _fault_answer(fault: _Fault) -> tuple[int, dict[str, str], dict[str, Any]]:
    if isinstance(fault.answer, str):
        return 200, {}, {"ok": False, "error": fault.answer}
    if fault.answer == 429:
        retry_after = 1 if fault.retry_after is None else fault.retry_after
        return 429, {"Retry-After": str(retry_after)}, {"ok": False, "error": "ratelimited"}
    return fault.answer, {}, {"ok": False, "error": "fatal_error"}


def _message_json(message: SlackMessage) -> dict[str, Any]:
    body = {"type": "message", "text": message.text, "user": BOT_USER_ID, "bot_id": BOT_ID}
    optional = {"blocks": message.blocks, "thread_ts": message.thread_ts}
    return body | {"ts": message.ts} | {k: v for k, v in optional.items() if v is not None}


def _parse(content_type: str, body: bytes) -> tuple[dict[str, Any], str | None, str | None]:
    """(arguments, token from the body, parse error or violation) for one request body."""
    media = content_type.split(";")[0].strip().lower()
    if media == "application/json":
        try:
            args = json.loads(body or b"{}")
        except ValueError:
            return {}, None, "invalid_json"
        return (args, None, None) if isinstance(args, dict) else ({}, None, "json_not_object")
    if media == "application/x-www-form-urlencoded":
        args = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        token = args.pop("token", None)
        form: dict[str, Any] = dict(args)
        for name in _FORM_JSON:
            if name in form:
                with contextlib.suppress(ValueError):
                    form[name] = json.loads(form[name])
        for name in _FORM_BOOLEANS:
            if name in form and form[name].lower() in ("true", "1", "false", "0"):
                form[name] = form[name].lower() in ("true", "1")
        return form, token, None
    return {}, None, f"content type {content_type or '(none)'} is not one Slack reads"


def create_slack_app(state: SlackState) -> FastAPI:
    """Slack's Web API root (``SLACK_API_URL``): ``POST /chat.postMessage`` and friends."""
    app = FastAPI(title="Slack Web API (fake)", openapi_url=None, docs_url=None, redoc_url=None)

    @app.api_route("/{method}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    async def call(method: str, request: Request) -> Response:
        status, headers, answer = state.answer(
            request.method,
            method,
            request.headers.get("content-type", ""),
            request.headers.get("authorization", ""),
            await request.body(),
        )
        return Response(json.dumps(answer), status, headers, media_type="application/json")

    return app
