"""The transport obeys its installation's budget: what is held back is never sent, a
handed-back call says until when, and few requests are in flight at once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from app.github.budget import BudgetPolicy, Priority
from app.github.transport import CallStats, GitHubError, GitHubThrottled, Transport

START = 1_800_000_000.0
SECONDARY = "You have exceeded a secondary rate limit. Please wait a few minutes."


class Requester:
    """Stands in for PyGithub's requester: answers 200 (or what ``answers`` says) and
    keeps track of how many calls are in flight, optionally holding them at a gate."""

    def __init__(self, gate: threading.Event | None = None) -> None:
        self.gate = gate
        self.sent: list[tuple[str, str]] = []
        self.in_flight = 0
        self.most_in_flight = 0
        self.catch_up_in_flight = 0
        self.most_catch_up = 0
        self._lock = threading.Lock()

    def requestJsonAndCheck(self, verb: str, url: str, **_: Any) -> tuple[dict[str, Any], Any]:
        catch_up = "comments" in url
        with self._lock:
            self.sent.append((verb, url))
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            self.catch_up_in_flight += catch_up
            self.most_catch_up = max(self.most_catch_up, self.catch_up_in_flight)
        if self.gate is not None:
            self.gate.wait(5)
        with self._lock:
            self.in_flight -= 1
            self.catch_up_in_flight -= catch_up
        return {"x-ratelimit-remaining": "4000", "x-ratelimit-limit": "5000"}, {}


def transport(
    requester: Requester, clock: list[float], sleeps: list[float], **options: Any
) -> Transport:
    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        clock[0] += seconds

    made = Transport(
        "http://github.invalid",
        lambda: "ghs_token",
        CallStats(),
        sleep=sleep,
        clock=lambda: clock[0],
        installation_id=7,
        **options,
    )
    made._requester = lambda: requester  # type: ignore[method-assign]
    return made


def test_held_back_catch_up_work_is_handed_back_with_its_time_and_never_sent() -> None:
    requester, clock, sleeps = Requester(), [START], list[float]()
    github = transport(requester, clock, sleeps)
    github.budget.refused(403, {"Retry-After": "30"}, SECONDARY)
    with pytest.raises(GitHubThrottled) as raised:
        github.call("issues/create-comment", "POST", "/repos/a/b/issues/1/comments", body={})
    assert (raised.value.until, raised.value.reason, raised.value.status) == (
        START + 30,
        "secondary",
        429,
    )
    assert isinstance(raised.value, GitHubError), "callers that catch GitHubError still do"
    assert requester.sent == [] and sleeps == []
    assert github.stats.throttled == {("issues/create-comment", "refused"): 1}


def test_a_check_sleeps_out_the_pause_on_the_injected_clock_then_goes() -> None:
    requester, clock, sleeps = Requester(), [START], list[float]()
    github = transport(requester, clock, sleeps)
    github.budget.refused(403, {"Retry-After": "30"}, SECONDARY)
    github.call("checks/update", "PATCH", "/repos/a/b/check-runs/1", body={})
    assert sleeps == [30.0]
    assert requester.sent == [("PATCH", "/repos/a/b/check-runs/1")]
    assert github.stats.throttled == {("checks/update", "waited"): 1}
    assert github.stats.remaining_by_installation == {7: 4000}
    assert github.rate_limit_remaining == 4000


def test_a_caller_can_give_any_call_the_check_priority() -> None:
    requester, clock, sleeps = Requester(), [START], list[float]()
    github = transport(requester, clock, sleeps)
    github.budget.refused(403, {"Retry-After": "30"}, SECONDARY)
    url = "/repos/a/b/issues/1/comments"
    github.call("issues/list-comments", "GET", url, priority=Priority.CHECK)
    assert sleeps == [30.0] and len(requester.sent) == 1


def test_no_more_than_the_installation_concurrency_is_in_flight() -> None:
    gate = threading.Event()
    requester, clock, sleeps = Requester(gate), [START], list[float]()
    github = transport(requester, clock, sleeps, concurrency=4)

    def one(index: int) -> None:
        if index % 2:
            github.call("issues/list-comments", "GET", f"/repos/a/b/issues/{index}/comments")
        else:
            github.call("pulls/get", "GET", f"/repos/a/b/pulls/{index}")

    with ThreadPoolExecutor(max_workers=16) as pool:
        futures = [pool.submit(one, index) for index in range(32)]
        for _ in range(500):
            if len(requester.sent) >= 4:
                break
            threading.Event().wait(0.01)
        threading.Event().wait(0.05)
        held_at_once = requester.in_flight
        gate.set()
        for future in futures:
            future.result()
    assert held_at_once == 4
    assert requester.most_in_flight == 4
    assert requester.most_catch_up <= 3, "one place is always left to checks"
    assert len(requester.sent) == 32


def test_the_apps_own_calls_are_never_paced() -> None:
    requester, clock, sleeps = Requester(), [START], list[float]()
    github = transport(requester, clock, sleeps, policy=BudgetPolicy(writes_per_minute=None))
    for _ in range(200):
        github.call("apps/create-installation-access-token", "POST", "/app/installations/1")
    assert sleeps == [] and len(requester.sent) == 200
