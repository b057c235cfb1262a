"""A narrow Jira Cloud REST v3 client: only the calls gatehouse makes.

Basic auth with an account e-mail and API token. Errors carry Jira's status and message,
never the credentials. Timeouts are short on purpose: a slow Jira must not hold up the
check, which says "ticket pending" and is completed by a retry.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol
from urllib.parse import quote

import httpx

from app.cooperative_http import CooperativeTransport

log = logging.getLogger("gatehouse.jira")
TIMEOUT = httpx.Timeout(5.0, connect=3.0)


class JiraError(Exception):
    def __init__(self, operation: str, status: int, message: str) -> None:
        super().__init__(f"Jira {operation} failed ({status or 'no answer'}): {message}")
        self.operation = operation
        self.status = status
        self.message = message

    @property
    def auth_problem(self) -> bool:
        return self.status in (401, 403)


class JiraApi(Protocol):
    base_url: str

    def get_issue(self, key: str) -> dict[str, Any] | None: ...
    def create_issue(self, fields: dict[str, Any]) -> str: ...
    def edit_issue(self, key: str, body: dict[str, Any]) -> None: ...
    def assign(self, key: str, account_id: str) -> None: ...
    def add_remote_link(self, key: str, global_id: str, url: str, title: str) -> None: ...
    def add_comment(self, key: str, body_adf: dict[str, Any]) -> None: ...
    def transitions(self, key: str) -> list[dict[str, Any]]: ...
    def transition(self, key: str, transition_id: str) -> None: ...
    def browse_url(self, key: str) -> str: ...


class JiraClient:
    def __init__(
        self,
        base_url: str,
        email: str,
        token: str,
        *,
        transport: httpx.BaseTransport | None = None,
        on_call: Any = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(
            base_url=self.base_url,
            auth=(email, token),
            timeout=TIMEOUT,
            headers={"Accept": "application/json", "User-Agent": "gatehouse"},
            # Follow-ups on the event loop wait for Jira/Slack without holding a thread.
            transport=transport or CooperativeTransport(),
        )
        self._on_call = on_call

    def browse_url(self, key: str) -> str:
        return f"{self.base_url}/browse/{key}"

    def _call(self, operation: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            self._note(operation, "unreachable")
            raise JiraError(operation, 0, type(exc).__name__) from None
        self._note(operation, str(response.status_code))
        if response.status_code >= 400 and response.status_code != 404:
            raise JiraError(operation, response.status_code, _message(response))
        return response

    def _note(self, operation: str, outcome: str) -> None:
        if self._on_call is not None:
            self._on_call(operation, outcome)

    def get_issue(self, key: str) -> dict[str, Any] | None:
        response = self._call(
            "getIssue",
            "GET",
            f"/rest/api/3/issue/{quote(key)}",
            params={"fields": "summary,status,assignee,labels"},
        )
        if response.status_code == 404:
            return None
        data: dict[str, Any] = response.json()
        return data

    def create_issue(self, fields: dict[str, Any]) -> str:
        response = self._call("createIssue", "POST", "/rest/api/3/issue", json={"fields": fields})
        if response.status_code == 404:
            raise JiraError("createIssue", 404, _message(response))
        return str(response.json()["key"])

    def edit_issue(self, key: str, body: dict[str, Any]) -> None:
        response = self._call("editIssue", "PUT", f"/rest/api/3/issue/{quote(key)}", json=body)
        if response.status_code == 404:
            raise JiraError("editIssue", 404, _message(response))

    def assign(self, key: str, account_id: str) -> None:
        path = f"/rest/api/3/issue/{quote(key)}/assignee"
        response = self._call("assignIssue", "PUT", path, json={"accountId": account_id})
        if response.status_code == 404:
            raise JiraError("assignIssue", 404, _message(response))

    def add_remote_link(self, key: str, global_id: str, url: str, title: str) -> None:
        """Idempotent: Jira updates the link that has the same ``globalId``."""
        body = {
            "globalId": global_id,
            "application": {"type": "com.github", "name": "GitHub"},
            "relationship": "pull request",
            "object": {"url": url, "title": title[:255]},
        }
        path = f"/rest/api/3/issue/{quote(key)}/remotelink"
        response = self._call("createOrUpdateRemoteIssueLink", "POST", path, json=body)
        if response.status_code == 404:
            raise JiraError("createOrUpdateRemoteIssueLink", 404, _message(response))

    def add_comment(self, key: str, body_adf: dict[str, Any]) -> None:
        path = f"/rest/api/3/issue/{quote(key)}/comment"
        response = self._call("addComment", "POST", path, json={"body": body_adf})
        if response.status_code == 404:
            raise JiraError("addComment", 404, _message(response))

    def transitions(self, key: str) -> list[dict[str, Any]]:
        """The transitions Jira offers gatehouse's account from the issue's status now, each
        with its ``id``, ``name`` and target status ``to``."""
        path = f"/rest/api/3/issue/{quote(key)}/transitions"
        response = self._call("getTransitions", "GET", path)
        if response.status_code == 404:
            raise JiraError("getTransitions", 404, _message(response))
        found = response.json().get("transitions") or []
        return [t for t in found if isinstance(t, dict)]

    def transition(self, key: str, transition_id: str) -> None:
        """Move the issue by one of the transitions :meth:`transitions` offered."""
        path = f"/rest/api/3/issue/{quote(key)}/transitions"
        body = {"transition": {"id": transition_id}}
        response = self._call("doTransition", "POST", path, json=body)
        if response.status_code == 404:
            raise JiraError("doTransition", 404, _message(response))

    def close(self) -> None:
        self._http.close()


def _message(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.text[:200] or response.reason_phrase
    if isinstance(data, dict):
        parts = list(data.get("errorMessages") or [])
        parts += [f"{k}: {v}" for k, v in (data.get("errors") or {}).items()]
        if parts:
            return "; ".join(str(p) for p in parts)[:500]
    return str(data)[:500]
