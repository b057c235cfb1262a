from __future__ import annotations

import threading
import time

import pytest

from app.jobs.leases import Heartbeat, check_lease


class Claims:
    """What a process holds, and a store that renews some of it."""

    def __init__(self, held: list[str], renewable: set[str]) -> None:
        self.held = held
        self.renewable = renewable
        self.calls: list[list[str]] = []
        self.lost: list[str] = []

    def renew(self, keys: list[str]) -> set[str]:
        self.calls.append(keys)
        return self.renewable & set(keys)

    def heartbeat(self) -> Heartbeat:
        return Heartbeat(
            "test-leases", lambda: self.held, self.renew, interval=60, on_lost=self.lost.append
        )


def test_a_beat_renews_everything_held_in_one_call() -> None:
    claims = Claims(["d-1", "d-2", "d-3"], {"d-1", "d-2", "d-3"})
    claims.heartbeat().beat()
    assert claims.calls == [["d-1", "d-2", "d-3"]]
    assert claims.lost == []


def test_nothing_held_costs_nothing() -> None:
    claims = Claims([], set())
    claims.heartbeat().beat()
    assert claims.calls == []


def test_a_claim_still_held_but_not_renewed_is_reported_lost() -> None:
    claims = Claims(["d-1", "d-2"], {"d-1"})
    claims.heartbeat().beat()
    assert claims.lost == ["d-2"]


def test_a_claim_settled_during_the_beat_is_not_reported_lost() -> None:
    claims = Claims(["d-1", "d-2"], {"d-1"})

    def renew_while_d2_settles(keys: list[str]) -> set[str]:
        claims.held = ["d-1"]
        return claims.renew(keys)

    heartbeat = claims.heartbeat()
    heartbeat.renew = renew_while_d2_settles
    heartbeat.beat()
    assert claims.lost == []


def test_the_thread_beats_until_stopped_and_survives_a_failing_store() -> None:
    calls = 0
    beating = threading.Event()

    def renew(keys: list[str]) -> set[str]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ConnectionError("database went away")
        beating.set()
        return set(keys)

    heartbeat = Heartbeat("test-leases", lambda: ["d-1"], renew, interval=0.01)
    heartbeat.start()
    try:
        assert beating.wait(5)
    finally:
        heartbeat.stop()
    after_stop = calls
    time.sleep(0.05)
    assert calls == after_stop


@pytest.mark.parametrize(
    ("lease", "heartbeat", "error"),
    [
        pytest.param(6.0, 2.0, None, id="three-beats-per-lease"),
        pytest.param(6.0, 3.0, None, id="two-beats-per-lease"),
        pytest.param(6.0, 4.0, "at least two heartbeats", id="one-late-beat-would-lose-it"),
        pytest.param(0.0, 1.0, "must be positive", id="no-lease"),
        pytest.param(6.0, 0.0, "must be positive", id="no-heartbeat"),
    ],
)
def test_a_heartbeat_must_keep_its_lease_through_a_late_beat(
    lease: float, heartbeat: float, error: str | None
) -> None:
    if error is None:
        check_lease(lease, heartbeat)
    else:
        with pytest.raises(ValueError, match=error):
            check_lease(lease, heartbeat)
