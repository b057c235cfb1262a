"""A narrow Slack Web API client: ``chat.postMessage`` and ``chat.update``.

Slack answers HTTP 200 with ``ok: false`` for most errors; those, HTTP errors and a 429
become :class:`SlackError` (with ``retry_after`` when Slack gives one).
"""

from __future__ import annotations

from typing import Any, Protocol

import httpx

from app.cooperative_http import CooperativeTransport

TIMEOUT = httpx.Timeout(5.0, connect=3.0)


class SlackError(Exception):
    def __init__(self, method: str, error: str, retry_after: float | None = None) -> None:
        super().__init__(f"Slack {method} failed: {error}")
        self.method = method
        self.error = error
        self.retry_after = retry_after

    @property
    def auth_problem(self) -> bool:
        return self.error in (
            "not_authed",
            "invalid_auth",
            "account_inactive",
            "token_revoked",
            "missing_scope",
            "not_allowed_token_type",
        )


class SlackApi(Protocol):
    def post_message(self, channel: str, text: str) -> tuple[str, str]: ...


class SlackClient:
    def __init__(
        self,
        api_url: str,
        token: str,
        *,
        transport: httpx.BaseTransport | None = None,
        on_call: Any = None,
    ) -> None:
        self._http = httpx.Client(
            base_url=api_url.rstrip("/") + "/",
            timeout=TIMEOUT,
            headers={"Authorization": f"Bearer {token}", "User-Agent": "gatehouse"},
            # Follow-ups on the event loop wait for Jira/Slack without holding a thread.
            transport=transport or CooperativeTransport(),
        )
        self._on_call = on_call

    def _call(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            response = self._http.post(method, json=body)
        except httpx.HTTPError as exc:
            self._note(method, "unreachable")
            raise SlackError(method, f"unreachable ({type(exc).__name__})") from None
        if response.status_code == 429:
            self._note(method, "429")
            retry = response.headers.get("retry-after", "")
            raise SlackError(method, "ratelimited", float(retry) if retry.isdigit() else None)
        if response.status_code >= 400:
            self._note(method, str(response.status_code))
            raise SlackError(method, f"HTTP {response.status_code}")
        data: dict[str, Any] = response.json()
        if not data.get("ok"):
            self._note(method, "error")
            raise SlackError(method, str(data.get("error", "unknown_error")))
        self._note(method, "ok")
        return data

    def _note(self, method: str, outcome: str) -> None:
        if self._on_call is not None:
            self._on_call(method, outcome)

    def post_message(self, channel: str, text: str) -> tuple[str, str]:
        """Post ``text`` (mrkdwn) to ``channel``; returns ``(channel_id, ts)``."""
        data = self._call(
            "chat.postMessage",
            {"channel": channel, "text": text, "unfurl_links": False, "unfurl_media": False},
        )
        return str(data.get("channel", channel)), str(data.get("ts", ""))

    def update_message(self, channel_id: str, ts: str, text: str) -> None:
        self._call("chat.update", {"channel": channel_id, "ts": ts, "text": text})

    def close(self) -> None:
        self._http.close()


def escape(text: str) -> str:
    """Slack's three control characters, so a PR title cannot mention or link anyone."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def link(url: str | None, label: str) -> str:
    """``label`` linked to ``url`` in Slack's markup; just the escaped label without a URL."""
    if not url:
        return escape(label)
    return f"<{url}|{escape(label).replace('|', '¦')}>"
