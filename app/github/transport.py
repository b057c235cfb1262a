"""One place where every GitHub REST call goes through PyGithub's requester.

It counts calls by operation and status (the rate limit is the real budget), retries 5xx
with backoff and secondary rate limits after ``Retry-After``, renews a refused installation
token once, and answers GETs from an ETag cache when GitHub says 304 (free of rate limit).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from github import Auth, Github, GithubException

log = logging.getLogger("gatehouse.github")

RETRYABLE = {500, 502, 503, 504}
MAX_ATTEMPTS = 4
MAX_RETRY_AFTER_SECONDS = 60.0
ETAG_CACHE_SIZE = 2048


class GitHubError(Exception):
    """A GitHub call that failed for good; ``status`` is GitHub's HTTP status."""

    def __init__(self, operation: str, status: int, message: str) -> None:
        super().__init__(f"GitHub {operation} failed ({status}): {message}")
        self.operation = operation
        self.status = status
        self.message = message


@dataclass
class CallStats:
    """Calls by (operation, status); shared by all clients of one service."""

    counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    rate_limit_remaining: int | None = None
    observers: list[Callable[[str, str], None]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, operation: str, status: str, remaining: int | None) -> None:
        with self._lock:
            self.counts[(operation, status)] += 1
            if remaining is not None:
                self.rate_limit_remaining = remaining
        for observer in self.observers:
            observer(operation, status)

    def total(self, *, include_not_modified: bool = True) -> int:
        with self._lock:
            return sum(
                n
                for (_, status), n in self.counts.items()
                if include_not_modified or status != "304"
            )

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return {f"{op} {status}": n for (op, status), n in sorted(self.counts.items())}


class Transport:
    """Authenticated, counted, retried access to one GitHub API root."""

    def __init__(
        self,
        api_url: str,
        token: Callable[[], str],
        stats: CallStats,
        *,
        renew: Callable[[], None] = lambda: None,
        sleep: Callable[[float], None] = time.sleep,
        jwt: bool = False,
    ) -> None:
        self._api_url = api_url
        self._token = token
        self._renew = renew
        self._sleep = sleep
        self._jwt = jwt
        self.stats = stats
        self._clients: dict[str, Github] = {}
        self._etags: OrderedDict[str, tuple[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def _requester(self) -> Any:
        token = self._token()
        with self._lock:
            client = self._clients.get(token)
            if client is None:
                auth = Auth.AppAuthToken(token) if self._jwt else Auth.Token(token)
                client = Github(
                    auth=auth,
                    base_url=self._api_url,
                    per_page=100,
                    retry=None,
                    timeout=20,
                    seconds_between_requests=None,
                    seconds_between_writes=None,
                    user_agent="gatehouse",
                )
                self._clients = {token: client}
            return client.requester

    def call(
        self,
        operation: str,
        verb: str,
        url: str,
        *,
        params: dict[str, Any] | None = None,
        body: Any = None,
        cache: bool = False,
    ) -> tuple[dict[str, Any], Any]:
        """Perform one call; returns ``(headers, json)``. Raises :class:`GitHubError`."""
        key = f"{url}?{sorted((params or {}).items())}" if cache else ""
        renewed = False
        for attempt in range(1, MAX_ATTEMPTS + 1):
            headers = {"Accept": "application/vnd.github+json"}
            cached = self._etags.get(key) if cache else None
            if cached:
                headers["If-None-Match"] = cached[0]
            try:
                response_headers, data = self._requester().requestJsonAndCheck(
                    verb, url, parameters=params, headers=headers, input=body
                )
            except GithubException as exc:
                status = exc.status
                remaining = _remaining(exc.headers or {})
                self.stats.record(operation, str(status), remaining)
                if status == 401 and not renewed and not self._jwt:
                    renewed = True
                    self._renew()
                    continue
                wait = _retry_wait(status, exc.headers or {}, exc.data, attempt)
                if wait is not None and attempt < MAX_ATTEMPTS:
                    log.warning("github %s answered %s; retrying in %.1fs", operation, status, wait)
                    self._sleep(wait)
                    continue
                raise GitHubError(operation, status, _message(exc.data)) from None
            remaining = _remaining(response_headers)
            if cached and data is None:
                self.stats.record(operation, "304", remaining)
                return response_headers, cached[1]
            self.stats.record(operation, "ok", remaining)
            if cache:
                etag = _header(response_headers, "etag")
                if etag:
                    with self._lock:
                        self._etags[key] = (etag, data)
                        self._etags.move_to_end(key)
                        while len(self._etags) > ETAG_CACHE_SIZE:
                            self._etags.popitem(last=False)
            return response_headers, data
        raise GitHubError(operation, 0, "retries exhausted")

    def paginate(
        self,
        operation: str,
        url: str,
        params: dict[str, Any] | None = None,
        *,
        limit: int = 0,
        cache: bool = False,
    ) -> list[Any]:
        """Every page of a list (``per_page=100``), up to ``limit`` items when set;
        ``cache`` revalidates each page with its ETag (a 304 costs no rate limit)."""
        items: list[Any] = []
        query: dict[str, Any] | None = {"per_page": 100, **(params or {})}
        next_url: str | None = url
        while next_url:
            headers, data = self.call(operation, "GET", next_url, params=query, cache=cache)
            page = data if isinstance(data, list) else data.get("files", []) if data else []
            items.extend(page)
            if limit and len(items) >= limit:
                return items[:limit]
            next_url = _next_link(_header(headers, "link"))
            query = None
        return items


def _header(headers: dict[str, Any], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return str(value)
    return None


def _remaining(headers: dict[str, Any]) -> int | None:
    value = _header(headers, "x-ratelimit-remaining")
    return int(value) if value and value.isdigit() else None


def _message(data: Any) -> str:
    if isinstance(data, dict):
        return str(data.get("message", data))
    return str(data)


def _retry_wait(status: int, headers: dict[str, Any], data: Any, attempt: int) -> float | None:
    retry_after = _header(headers, "retry-after")
    if status in (403, 429):
        if retry_after and retry_after.isdigit():
            return min(float(retry_after), MAX_RETRY_AFTER_SECONDS)
        if "rate limit" in _message(data).lower():
            return min(float(2**attempt), MAX_RETRY_AFTER_SECONDS)
        return None
    if status in RETRYABLE:
        return 0.25 * float(2 ** (attempt - 1))
    return None


def _next_link(link: str | None) -> str | None:
    if not link:
        return None
    for part in link.split(","):
        section = part.split(";")
        if len(section) > 1 and 'rel="next"' in section[1]:
            return section[0].strip().strip("<>")
    return None
