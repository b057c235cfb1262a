from __future__ import annotations

from datetime import datetime, timedelta

from app.store import Database, TimerState, TimerStore
from tests.dbutil import ManualClock, race


def schedule(store: TimerStore, key: str, due: datetime, **payload: object) -> None:
    store.schedule(key, "sla", due, dict(payload))


def test_a_timer_is_claimed_only_once_it_is_due(database: Database, clock: ManualClock) -> None:
    store = TimerStore(database)
    schedule(store, "sla:1", clock() + timedelta(hours=1), pr=1)
    assert store.claim_due("w1", 60) == []
    clock.advance(3600)
    [timer] = store.claim_due("w1", 60)
    assert (timer.key, timer.kind, timer.payload, timer.state) == (
        "sla:1",
        "sla",
        {"pr": 1},
        TimerState.RUNNING,
    )
    assert store.claim_due("w2", 60) == []


def test_due_timers_are_claimed_once_by_racing_owners(
    database: Database, clock: ManualClock
) -> None:
    store = TimerStore(database)
    for index in range(12):
        schedule(store, f"t{index:02}", clock() - timedelta(minutes=index))
    batches = race(6, lambda i: [t.key for t in TimerStore(database).claim_due(f"w{i}", 60, 3)])
    claimed = [key for batch in batches for key in batch]
    assert sorted(claimed) == [f"t{index:02}" for index in range(12)]


def test_due_timers_come_earliest_first_up_to_the_limit(
    database: Database, clock: ManualClock
) -> None:
    store = TimerStore(database)
    for key, minutes in [("b", 5), ("a", 10), ("c", 1)]:
        schedule(store, key, clock() - timedelta(minutes=minutes))
    assert [t.key for t in store.claim_due("w1", 60, limit=2)] == ["a", "b"]


def test_scheduling_again_moves_the_timer(database: Database, clock: ManualClock) -> None:
    store = TimerStore(database)
    schedule(store, "sla:1", clock() + timedelta(minutes=5))
    store.schedule("sla:1", "sla", clock() + timedelta(hours=2), {"expedited": True})
    [timer] = store.pending()
    assert (timer.due_at, timer.payload) == (clock() + timedelta(hours=2), {"expedited": True})


def test_a_fired_timer_is_not_rearmed_unless_asked(database: Database, clock: ManualClock) -> None:
    store = TimerStore(database)
    schedule(store, "remind", clock())
    store.claim_due("w1", 60)
    assert store.finish("remind", "w1")
    schedule(store, "remind", clock())
    assert store.pending() == [] and store.claim_due("w1", 60) == []
    store.schedule("remind", "sla", clock(), {}, rearm=True)
    assert [t.key for t in store.claim_due("w1", 60)] == ["remind"]


def test_a_cancelled_timer_does_not_fire(database: Database, clock: ManualClock) -> None:
    store = TimerStore(database)
    schedule(store, "sla:1", clock())
    assert store.cancel("sla:1")
    assert not store.cancel("sla:1")
    assert store.claim_due("w1", 60) == []
    timer = store.get("sla:1")
    assert timer is not None and timer.state is TimerState.CANCELLED


def test_a_timer_whose_owner_died_fires_again_after_the_lease(
    database: Database, clock: ManualClock
) -> None:
    store = TimerStore(database)
    schedule(store, "sla:1", clock())
    store.claim_due("dead", 30)
    clock.advance(31)
    [timer] = store.claim_due("alive", 30)
    assert timer.attempts == 2
    assert not store.finish("sla:1", "dead")
    assert store.finish("sla:1", "alive")


def test_renewing_keeps_a_long_run_from_being_taken_over(
    database: Database, clock: ManualClock
) -> None:
    store = TimerStore(database)
    schedule(store, "sla:1", clock())
    schedule(store, "sla:2", clock())
    assert len(store.claim_due("live", 6)) == 2
    for _ in range(10):
        clock.advance(2)
        assert store.renew(["sla:1", "sla:2"], "live", 6) == {"sla:1", "sla:2"}
        assert store.claim_due("other", 6) == []
    schedule(store, "sla:2", clock() + timedelta(hours=1))  # moved meanwhile
    assert store.renew(["sla:1", "sla:2"], "live", 6) == {"sla:1"}
    assert store.renew([], "live", 6) == set()


def test_a_failed_timer_is_due_again_after_the_retry_delay(
    database: Database, clock: ManualClock
) -> None:
    store = TimerStore(database)
    schedule(store, "sla:1", clock())
    store.claim_due("w1", 6)
    assert store.retry_later("sla:1", "w1", 120)
    assert not store.retry_later("sla:1", "w1", 120)
    assert store.renew(["sla:1"], "w1", 6) == set()
    clock.advance(119)
    assert store.claim_due("w2", 6) == []
    clock.advance(1)
    [timer] = store.claim_due("w2", 6)
    assert timer.attempts == 2
    assert store.finish("sla:1", "w2")


def test_rescheduling_during_a_run_keeps_the_new_time(
    database: Database, clock: ManualClock
) -> None:
    store = TimerStore(database)
    schedule(store, "sla:1", clock())
    store.claim_due("w1", 60)
    schedule(store, "sla:1", clock() + timedelta(hours=1))
    assert not store.finish("sla:1", "w1")
    [timer] = store.pending()
    assert (timer.state, timer.due_at) == (TimerState.PENDING, clock() + timedelta(hours=1))


def test_scheduling_the_same_timer_again_leaves_a_run_alone(
    database: Database, clock: ManualClock
) -> None:
    store = TimerStore(database)
    schedule(store, "sla:1", clock(), pr=1)
    store.claim_due("w1", 60)
    schedule(store, "sla:1", clock(), pr=1)  # a redelivered event
    assert store.finish("sla:1", "w1")


def test_pending_lists_armed_timers_earliest_first(database: Database, clock: ManualClock) -> None:
    store = TimerStore(database)
    schedule(store, "late", clock() + timedelta(days=2))
    schedule(store, "soon", clock() + timedelta(hours=1))
    schedule(store, "gone", clock())
    store.cancel("gone")
    assert [t.key for t in store.pending()] == ["soon", "late"]
    assert store.get("never") is None
