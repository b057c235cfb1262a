from __future__ import annotations

import threading
from collections.abc import Collection

import pytest

from app.jobs.scheduler import RETRY_SECONDS, Scheduler
from app.store import Database, Timer, TimerState, TimerStore
from tests.db_fixtures import clock, database
from tests.dbutil import ManualClock

__all__ = ["clock", "database"]  # the shared fixtures, used by name

LEASE = 6.0


class WatchedTimers(TimerStore):
    """Signals each renewal, so a test can move the clock only once the heartbeat caught up."""

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self.renewed = threading.Event()

    def renew(self, keys: Collection[str], owner: str, lease_seconds: float) -> set[str]:
        renewed = super().renew(keys, owner, lease_seconds)
        self.renewed.set()
        return renewed


def due_now(store: TimerStore, clock: ManualClock, key: str = "sla:1") -> None:
    store.schedule(key, "remind", clock(), {})


def test_a_timer_left_by_a_killed_scheduler_runs_one_lease_later(
    database: Database, clock: ManualClock
) -> None:
    store = TimerStore(database)
    due_now(store, clock)
    assert store.claim_due("killed", LEASE)
    ran: list[Timer] = []
    scheduler = Scheduler(store, lease_seconds=LEASE)
    scheduler.on("remind", ran.append)
    assert scheduler.run_due() == 0
    clock.advance(LEASE)
    assert scheduler.run_due() == 1
    assert [(timer.key, timer.attempts) for timer in ran] == [("sla:1", 2)]


def test_a_failing_timer_is_retried_after_the_retry_delay_not_the_lease(
    database: Database, clock: ManualClock
) -> None:
    store = TimerStore(database)
    due_now(store, clock)
    calls: list[int] = []

    def failing(timer: Timer) -> None:
        calls.append(timer.attempts)
        raise ConnectionError("Slack answered 503")

    scheduler = Scheduler(store, lease_seconds=LEASE)
    scheduler.on("remind", failing)
    assert scheduler.run_due() == 0
    clock.advance(LEASE * 2)
    assert scheduler.run_due() == 0
    assert calls == [1]
    clock.advance(RETRY_SECONDS)
    scheduler.run_due()
    assert calls == [1, 2]


@pytest.mark.parametrize("stop_meanwhile", [False, True], ids=["running", "stopping"])
def test_a_slow_timer_keeps_its_claim_while_its_scheduler_lives(
    database: Database, clock: ManualClock, stop_meanwhile: bool
) -> None:
    store = WatchedTimers(database)
    due_now(store, clock)
    started, release = threading.Event(), threading.Event()

    def slow(timer: Timer) -> None:
        started.set()
        release.wait(10)

    scheduler = Scheduler(store, lease_seconds=LEASE, heartbeat_seconds=0.02)
    scheduler.on("remind", slow)
    scheduler.start()
    stopping = threading.Thread(target=scheduler.stop)
    try:
        assert started.wait(5)
        if stop_meanwhile:
            stopping.start()  # a deploy: the running timer is finished first
        for _ in range(int(LEASE * 3)):
            store.renewed.clear()
            clock.advance(1)
            assert store.renewed.wait(5), "the heartbeat stopped renewing"
            assert store.claim_due("other-replica", LEASE) == []
    finally:
        release.set()
        if stop_meanwhile:
            stopping.join(10)
        else:
            scheduler.stop()
    timer = store.get("sla:1")
    assert timer is not None and (timer.state, timer.attempts) == (TimerState.DONE, 1)
