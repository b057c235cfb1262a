"""The per-installation budget on a hand-driven clock: checks first, catch-up work held
back or handed back, pauses obeyed, writes paced."""

from __future__ import annotations

import pytest

from app.github.budget import (
    BudgetPolicy,
    InstallationBudget,
    Permit,
    Priority,
    Refusal,
    priority_of,
)
from app.github.rate_answers import RateLimited, classify_refusal

START = 1_800_000_000.0
CHECK, CATCH_UP = Priority.CHECK, Priority.CATCH_UP
SECONDARY = "You have exceeded a secondary rate limit. Please wait a few minutes."


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


def budget(clock: Clock, **policy: float | None) -> InstallationBudget:
    return InstallationBudget(BudgetPolicy(**policy), clock)  # type: ignore[arg-type]


def primary(remaining: int, reset_in: float, limit: int = 5000) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Reset": str(int(START + reset_in)),
        "X-RateLimit-Resource": "core",
    }


def permit(decision: Permit | Refusal) -> Permit:
    assert isinstance(decision, Permit), decision
    return decision


def refusal(decision: Permit | Refusal) -> Refusal:
    assert isinstance(decision, Refusal), decision
    return decision


@pytest.mark.parametrize(
    ("operation", "expected"),
    [
        ("checks/create", CHECK),
        ("checks/update", CHECK),
        ("checks/list-for-ref", CHECK),
        ("pulls/list-files", CHECK),
        ("repos/get-content", CHECK),
        ("issues/create-comment", CATCH_UP),
        ("pulls/request-reviewers", CATCH_UP),
        ("issues/add-labels", CATCH_UP),
        ("something/new", CATCH_UP),
    ],
)
def test_check_runs_and_the_reads_deciding_them_go_first(
    operation: str, expected: Priority
) -> None:
    assert priority_of(operation) is expected


@pytest.mark.parametrize(
    ("status", "headers", "message", "expected"),
    [
        pytest.param(403, {"Retry-After": "30"}, SECONDARY, RateLimited(False, None, 30.0),
                     id="retry-after-is-obeyed"),
        pytest.param(429, {"retry-after": "5", "x-ratelimit-remaining": "0"}, "", RateLimited(False, None, 5.0),
                     id="retry-after-comes-before-an-empty-budget"),
        pytest.param(403, primary(0, 900), "API rate limit exceeded for installation ID 1.",
                     RateLimited(True, START + 900, None), id="empty-budget-is-the-primary-limit"),
        pytest.param(403, primary(12, 900), SECONDARY, RateLimited(False), id="secondary-by-its-words"),
        pytest.param(429, {}, "Too Many Requests", RateLimited(False), id="a-bare-429"),
        pytest.param(403, primary(12, 900), "Resource not accessible by integration", None,
                     id="a-permission-403-is-no-rate-limit"),
        pytest.param(502, {"Retry-After": "3"}, "", None, id="a-5xx-is-no-rate-limit"),
    ],
)  # fmt: skip
def test_an_error_answer_is_classified_as_github_documents(
    status: int, headers: dict[str, str], message: str, expected: RateLimited | None
) -> None:
    assert classify_refusal(status, headers, message) == expected


def test_the_reserve_keeps_catch_up_work_back_but_lets_checks_through() -> None:
    clock = Clock()
    limits = budget(clock)
    limits.observe(primary(remaining=250, reset_in=600))
    held = refusal(limits.admit(CATCH_UP, "GET"))
    assert (held.until, held.reason) == (START + 600, "reserve")
    assert permit(limits.admit(CHECK, "GET")).wait == 0
    assert permit(limits.admit(CHECK, "POST")).wait == 0


def test_the_reserve_is_five_percent_of_the_limit_and_at_least_fifty() -> None:
    policy = BudgetPolicy()
    assert (policy.reserve(5000), policy.reserve(15000), policy.reserve(60)) == (250, 750, 50)


def test_catch_up_work_above_the_reserve_goes_at_once() -> None:
    clock = Clock()
    limits = budget(clock)
    limits.observe(primary(remaining=251, reset_in=600))
    assert permit(limits.admit(CATCH_UP, "GET")).wait == 0
    assert refusal(limits.admit(CATCH_UP, "GET")).reason == "reserve", "counted down locally"


def test_the_reset_releases_held_catch_up_work() -> None:
    clock = Clock()
    limits = budget(clock)
    limits.observe(primary(remaining=10, reset_in=600))
    refusal(limits.admit(CATCH_UP, "GET"))
    clock.now = START + 600
    assert permit(limits.admit(CATCH_UP, "GET")).wait == 0
    assert limits.remaining is None, "the old window's count is forgotten"


def test_an_empty_budget_stops_checks_too_until_the_reset() -> None:
    clock = Clock()
    limits = budget(clock)
    limits.observe(primary(remaining=0, reset_in=20))
    assert permit(limits.admit(CHECK, "GET")) == Permit(wait=20, start=START + 20)
    limits.observe(primary(remaining=0, reset_in=900))
    held = refusal(limits.admit(CHECK, "GET"))
    assert (held.until, held.reason) == (START + 900, "primary")


def test_a_primary_limit_answer_waits_for_its_reset() -> None:
    clock = Clock()
    limits = budget(clock)
    message = "API rate limit exceeded for installation ID 1."
    assert limits.refused(403, primary(remaining=0, reset_in=45), message)
    assert permit(limits.admit(CHECK, "GET")).wait == 45
    assert refusal(limits.admit(CATCH_UP, "GET")).until == START + 45


def test_a_secondary_limit_pauses_the_whole_installation_for_its_retry_after() -> None:
    clock = Clock()
    limits = budget(clock)
    assert limits.refused(403, {"retry-after": "30"}, SECONDARY)
    assert permit(limits.admit(CHECK, "PATCH")).start == START + 30
    held = refusal(limits.admit(CATCH_UP, "GET"))
    assert (held.until, held.reason) == (START + 30, "secondary")


def test_without_retry_after_the_pause_is_a_minute_doubling_on_repeats() -> None:
    clock = Clock()
    limits = budget(clock)
    limits.refused(403, {}, SECONDARY)
    assert limits.hold(CHECK).until == START + 60
    clock.now += 60
    limits.refused(403, {}, SECONDARY)
    assert limits.hold(CHECK).until == clock.now + 120
    clock.now += 120 + 600 + 1  # a quiet cool-down: the next refusal starts over
    limits.refused(403, {}, SECONDARY)
    assert limits.hold(CHECK).until == clock.now + 60


def test_a_check_waits_at_most_its_bound_then_is_handed_back() -> None:
    clock = Clock()
    limits = budget(clock)
    limits.refused(429, {"retry-after": "61"}, "")
    assert refusal(limits.admit(CHECK, "POST")).until == START + 61


def test_a_waiter_that_slept_out_the_pause_finds_it_over_on_a_clock_that_stood_still() -> None:
    clock = Clock()
    limits = budget(clock)
    limits.refused(403, {"retry-after": "7"}, SECONDARY)
    first = permit(limits.admit(CHECK, "PATCH"))
    limits.woke(first.start)
    assert permit(limits.admit(CATCH_UP, "GET")).wait == 0


def test_a_burst_of_forty_check_runs_is_not_slowed_even_after_a_burst_of_comments() -> None:
    clock = Clock()
    limits = budget(clock)
    comments = [limits.admit(CATCH_UP, "POST") for _ in range(40)]
    assert all(permit(c).wait == 0 for c in comments)
    checks = [limits.admit(CHECK, "POST") for _ in range(40)]
    assert all(permit(c).wait == 0 for c in checks)


def test_comments_beyond_their_half_of_the_bucket_are_paced_at_the_refill_rate() -> None:
    clock = Clock()
    limits = budget(clock)
    for _ in range(40):
        permit(limits.admit(CATCH_UP, "POST"))
    starts = []
    for _ in range(2):
        turn = permit(limits.admit(CATCH_UP, "POST"))
        starts.append(turn.start)
        clock.now = turn.start
    assert starts == [START + 0.75, START + 1.5], "one every 60/80 s"


def test_catch_up_writes_further_than_two_seconds_away_are_handed_back() -> None:
    clock = Clock()
    limits = budget(clock)
    turns = [limits.admit(CATCH_UP, "POST") for _ in range(43)]
    assert [round(permit(t).wait, 2) for t in turns[40:42]] == [0.75, 1.5]
    held = refusal(turns[42])
    assert (held.until, held.reason) == (START + 2.25, "pacing")


def test_reads_are_never_paced() -> None:
    clock = Clock()
    limits = budget(clock, writes_per_minute=1)
    permit(limits.admit(CATCH_UP, "POST"))
    assert all(permit(limits.admit(CATCH_UP, "GET")).wait == 0 for _ in range(100))


def test_after_a_pause_writes_cool_down_to_one_a_second_and_checks_wait_their_turn() -> None:
    clock = Clock()
    limits = budget(clock)
    limits.refused(403, {"retry-after": "10"}, SECONDARY)
    clock.now = START + 10
    starts = [permit(limits.admit(CHECK, "POST")).start - clock.now for _ in range(5)]
    assert starts == [0, 0, 1, 2, 3]
    assert permit(limits.admit(CATCH_UP, "GET")).wait == 0, "reads are not cooled down"
    held = refusal(limits.admit(CATCH_UP, "POST"))
    assert held.until == START + 14, "comments give way to queued checks"


def test_the_cool_down_ends_ten_minutes_after_the_pause() -> None:
    clock = Clock()
    limits = budget(clock)
    limits.refused(403, {"retry-after": "10"}, SECONDARY)
    clock.now = START + 10 + 600
    assert all(permit(limits.admit(CHECK, "POST")).wait == 0 for _ in range(10))


def test_without_pacing_only_refusals_hold_writes() -> None:
    clock = Clock()
    limits = budget(clock, writes_per_minute=None)
    assert all(permit(limits.admit(CATCH_UP, "POST")).wait == 0 for _ in range(500))
