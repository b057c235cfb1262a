"""One place where every GitHub REST call goes through PyGithub's requester.

It counts calls by operation and status (the rate limit is the real budget), keeps each
installation within its rate limits (see :mod:`app.github.budget`: check work first,
writes paced, a refusal pauses the installation), caps the requests one installation has in
flight, retries 5xx with backoff, renews a refused installation token once, and answers GETs
from an ETag cache when GitHub says 304 (free of rate limit).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import httpx
from github import Auth, Github, GithubException

from app import cooperative
from app.cooperative_http import CooperativeTransport
from app.github.budget import (
    DEFAULT_CONCURRENCY,
    BudgetPolicy,
    InstallationBudget,
    Priority,
    Refusal,
    priority_of,
)
from app.github.calls import CallStats, GitHubError, GitHubThrottled

__all__ = [
    "CallStats",
    "GitHubError",
    "GitHubThrottled",
    "Priority",
    "Transport",
]

log = logging.getLogger("gatehouse.github")

RETRYABLE = {500, 502, 503, 504}
MAX_ATTEMPTS = 4
MAX_RETRY_AFTER_SECONDS = 60.0
ETAG_CACHE_SIZE = 2048


@dataclass(frozen=True, slots=True)
class _Request:
    """One request as the caller gave it: PyGithub's requester or the awaited client sends it."""

    verb: str
    url: str
    params: dict[str, Any] | None
    headers: dict[str, str]
    body: Any


class _HeldBack(Exception):
    """A request found its installation paused once it had its place: it was not sent."""


class Transport:
    """Authenticated, counted, rate-limited and retried access to one GitHub API root, for
    one installation (or, with ``jwt``, for the App itself)."""

    def __init__(
        self,
        api_url: str,
        token: Callable[[], str],
        stats: CallStats,
        *,
        renew: Callable[[], None] = lambda: None,
        sleep: Callable[[float], None] = cooperative.sleep,
        clock: Callable[[], float] = time.time,
        jwt: bool = False,
        installation_id: int | None = None,
        policy: BudgetPolicy | None = None,
        concurrency: int = DEFAULT_CONCURRENCY,
    ) -> None:
        self._api_url = api_url
        self._token = token
        self._renew = renew
        self._sleep = sleep
        self._jwt = jwt
        self.installation_id = installation_id
        self.stats = stats
        self.budget = InstallationBudget(policy or BudgetPolicy(), clock)
        # Threads and follow-ups on the loop take their turns in order (app.cooperative).
        self._places = cooperative.Turns(concurrency)
        self._catch_up_places = cooperative.Turns(_catch_up_share(concurrency))
        self._clients: dict[str, Github] = {}
        # Follow-ups on the event loop exchange through this client instead of PyGithub's
        # blocking one, so that their waits cost no thread (see app.cooperative).
        self._awaited = httpx.Client(base_url=api_url, timeout=20, transport=CooperativeTransport())
        self._etags: OrderedDict[str, tuple[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def rate_limit_remaining(self) -> int | None:
        """This installation's primary budget as last reported (less what is in flight)."""
        return self.budget.remaining

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

    def _send(self, priority: Priority, request: _Request) -> tuple[dict[str, Any], Any]:
        """One HTTP exchange, holding one of the installation's in-flight places; catch-up
        work may hold only some of them, so a check never queues behind comments. The token
        is fetched first, so a token renewal never waits behind this installation."""
        awaited = cooperative.cooperative()
        requester = None if awaited else self._requester()
        token = self._token() if awaited else ""
        with ExitStack() as places:
            if priority is Priority.CATCH_UP:
                places.enter_context(self._catch_up_places)
            # A check's request takes the next free place before any catch-up work.
            places.enter_context(self._places.turn(ahead=priority is Priority.CHECK))
            if self.budget.hold(priority).reason:
                # A pause began while this request queued for its place: not now.
                raise _HeldBack
            if requester is None:
                return self._exchange_awaited(token, request)
            result: tuple[dict[str, Any], Any] = requester.requestJsonAndCheck(
                request.verb,
                request.url,
                parameters=request.params,
                headers=request.headers,
                input=request.body,
            )
            return result

    def _exchange_awaited(self, token: str, request: _Request) -> tuple[dict[str, Any], Any]:
        """The exchange PyGithub's requester makes, answered the same way (``(headers,
        json)``, :class:`GithubException` from 400 on), but awaited on the follow-up loop."""
        scheme = "Bearer" if self._jwt else "token"
        response = self._awaited.request(
            request.verb,
            request.url,
            params=request.params,
            headers={
                **request.headers,
                "Authorization": f"{scheme} {token}",
                "User-Agent": "gatehouse",
            },
            json=request.body,
        )
        answer_headers = {key.lower(): value for key, value in response.headers.items()}
        data = _json_or_text(response) if response.content else None
        if response.status_code >= 400:
            raise GithubException(response.status_code, data, answer_headers)
        return answer_headers, data

    def _wait_for_turn(self, operation: str, priority: Priority, verb: str) -> None:
        """Sleep until the budget lets this request go, or raise :class:`GitHubThrottled`.

        A pause that began while this request slept (another thread was refused) holds it
        too: it takes a new turn rather than going out into the pause."""
        while True:
            decision = self.budget.admit(priority, verb)
            if isinstance(decision, Refusal):
                self.stats.record_throttled(operation, "refused")
                raise GitHubThrottled(operation, decision.until, decision.reason)
            if decision.wait <= 0:
                return
            self.stats.record_throttled(operation, "waited")
            log.info("github %s waits %.1fs for its rate-limit turn", operation, decision.wait)
            self._sleep(decision.wait)
            self.budget.woke(decision.start)
            if not self.budget.hold(priority).reason:
                return

    def _observe(self, operation: str, status: str, headers: dict[str, Any]) -> None:
        self.budget.observe(headers)
        remaining = _remaining(headers)
        self.stats.record(operation, status, remaining, installation=self.installation_id)

    def call(
        self,
        operation: str,
        verb: str,
        url: str,
        *,
        params: dict[str, Any] | None = None,
        body: Any = None,
        cache: bool = False,
        priority: Priority | None = None,
    ) -> tuple[dict[str, Any], Any]:
        """Perform one call; returns ``(headers, json)``. Raises :class:`GitHubError`, or
        :class:`GitHubThrottled` when the rate limits would hold the call too long.
        ``priority`` defaults to the operation's class (:func:`budget.priority_of`)."""
        chosen = priority or priority_of(operation)
        key = f"{url}?{sorted((params or {}).items())}" if cache else ""
        renewed = False
        attempt = 0
        while attempt < MAX_ATTEMPTS:
            self._wait_for_turn(operation, chosen, verb)
            headers = {"Accept": "application/vnd.github+json"}
            cached = self._etags.get(key) if cache else None
            if cached:
                headers["If-None-Match"] = cached[0]
            try:
                response_headers, data = self._send(
                    chosen, _Request(verb, url, params, headers, body)
                )
            except _HeldBack:
                continue  # nothing was sent: take a new turn
            except GithubException as exc:
                attempt += 1
                renewed = self._after_failure(operation, chosen, exc, attempt, renewed)
                continue
            if cached and data is None:
                self._observe(operation, "304", response_headers)
                return response_headers, cached[1]
            self._observe(operation, "ok", response_headers)
            if cache:
                self._remember(key, response_headers, data)
            return response_headers, data
        raise GitHubError(operation, 0, "retries exhausted")

    def _after_failure(
        self, operation: str, priority: Priority, exc: GithubException, attempt: int, renewed: bool
    ) -> bool:
        """Decide about a failed attempt: return (whether the token has been renewed) to try
        again, or raise. A refused token is renewed once; a rate-limit answer is left to the
        budget, whose next turn waits out the pause or gives up; 5xx are retried."""
        status, headers = exc.status, exc.headers or {}
        self._observe(operation, str(status), headers)
        if status == 401 and not renewed and not self._jwt:
            self._renew()
            return True
        last = attempt >= MAX_ATTEMPTS
        if self.budget.refused(status, headers, _message(exc.data)):
            log.warning("github %s answered %s: rate limited", operation, status)
            if last:
                held = self.budget.hold(priority)
                raise GitHubThrottled(operation, held.until, held.reason) from None
            return renewed
        wait = _retry_wait(status, headers, exc.data, attempt)
        if wait is None or last:
            raise GitHubError(operation, status, _message(exc.data)) from None
        log.warning("github %s answered %s; retrying in %.1fs", operation, status, wait)
        self._sleep(wait)
        return renewed

    def _remember(self, key: str, headers: dict[str, Any], data: Any) -> None:
        etag = _header(headers, "etag")
        if etag:
            with self._lock:
                self._etags[key] = (etag, data)
                self._etags.move_to_end(key)
                while len(self._etags) > ETAG_CACHE_SIZE:
                    self._etags.popitem(last=False)

    def paginate(
        self,
        operation: str,
        url: str,
        params: dict[str, Any] | None = None,
        *,
        limit: int = 0,
        cache: bool = False,
        priority: Priority | None = None,
    ) -> list[Any]:
        """Every page of a list (``per_page=100``), up to ``limit`` items when set;
        ``cache`` revalidates each page with its ETag (a 304 costs no rate limit)."""
        items: list[Any] = []
        query: dict[str, Any] | None = {"per_page": 100, **(params or {})}
        next_url: str | None = url
        while next_url:
            headers, data = self.call(
                operation, "GET", next_url, params=query, cache=cache, priority=priority
            )
            page = data if isinstance(data, list) else data.get("files", []) if data else []
            items.extend(page)
            if limit and len(items) >= limit:
                return items[:limit]
            next_url = _next_link(_header(headers, "link"))
            query = None
        return items


def _json_or_text(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text


def _catch_up_share(concurrency: int) -> int:
    """In-flight places catch-up work may hold: all but a quarter (at least one) kept for
    checks, or all of them when there is only one."""
    return max(1, concurrency - max(1, concurrency // 4))


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
    """How long to wait before retrying a failed call, or ``None`` to give up. The transport
    asks only about answers the budget did not take as rate limits, so in practice only the
    5xx rule applies there; the 403/429 rule is the older, budget-less one."""
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
