from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Collection, Iterator
from pathlib import Path

import pytest

from app.github.calls import GitHubThrottled
from app.jobs import IntakeWorker, backoff_delay
from app.pulls.later import defer
from app.store import Database, Delivery, DeliveryState, DeliveryStore
from tests.dbutil import BACKEND_PARAMS, ManualClock, open_database

FAST_RETRY = (0.01, 0.05)


@pytest.fixture(params=BACKEND_PARAMS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A fresh database on the real clock: leases and retry delays really pass."""
    with open_database(request.param, tmp_path) as db:
        yield db


@pytest.fixture
def deliveries(database: Database) -> DeliveryStore:
    return DeliveryStore(database)


def record(store: DeliveryStore, delivery_id: str, key: str = "org/repo#1") -> None:
    assert store.record(
        delivery_id,
        "pull_request",
        "opened",
        b"{}",
        repository="org/repo",
        ordering_key=key,
        installation_id=1,
    )


def state_of(store: DeliveryStore, delivery_id: str) -> tuple[DeliveryState, int]:
    delivery = store.get(delivery_id)
    assert delivery is not None
    return delivery.state, delivery.attempts


def test_a_notified_delivery_is_picked_up_at_once(deliveries: DeliveryStore) -> None:
    picked = threading.Event()
    worker = IntakeWorker(deliveries, lambda d: picked.set(), concurrency=2, poll_interval=30)
    with worker:
        time.sleep(0.1)  # the threads find the queue empty and go idle for 30 s
        started = time.monotonic()
        record(deliveries, "d-1")
        worker.notify()
        assert picked.wait(5)
        assert time.monotonic() - started < 2.0  # far below the 30 s poll
        assert worker.drain(5)
    assert state_of(deliveries, "d-1") == (DeliveryState.DONE, 1)


def test_each_pull_request_is_handled_in_arrival_order_by_four_threads(
    deliveries: DeliveryStore,
) -> None:
    keys, per_key = ["A", "B"], 6
    for index in range(per_key):
        for key in keys:
            record(deliveries, f"{key}-{index}", key)
    handled: dict[str, list[int]] = defaultdict(list)
    in_flight: set[str] = set()
    overlaps: list[str] = []
    lock = threading.Lock()

    def handle(delivery: Delivery) -> None:
        with lock:
            if delivery.ordering_key in in_flight:
                overlaps.append(delivery.delivery_id)
            in_flight.add(delivery.ordering_key)
            handled[delivery.ordering_key].append(int(delivery.delivery_id.split("-")[1]))
        time.sleep(0.01)
        with lock:
            in_flight.discard(delivery.ordering_key)

    with IntakeWorker(deliveries, handle, concurrency=4, poll_interval=0.02) as worker:
        assert worker.drain(20)
    assert overlaps == []
    assert dict(handled) == {key: list(range(per_key)) for key in keys}


def test_different_pull_requests_are_handled_at_the_same_time(deliveries: DeliveryStore) -> None:
    started = {"A": threading.Event(), "B": threading.Event()}
    saw_the_other: dict[str, bool] = {}

    def handle(delivery: Delivery) -> None:
        key = delivery.ordering_key
        started[key].set()
        saw_the_other[key] = started["B" if key == "A" else "A"].wait(5)

    record(deliveries, "a", "A")
    record(deliveries, "b", "B")
    with IntakeWorker(deliveries, handle, concurrency=2, poll_interval=0.02) as worker:
        assert worker.drain(10)
    assert saw_the_other == {"A": True, "B": True}


def test_a_failing_handler_is_retried_until_it_succeeds(deliveries: DeliveryStore) -> None:
    calls: list[int] = []

    def flaky(delivery: Delivery) -> None:
        calls.append(delivery.attempts)
        if delivery.attempts < 3:
            raise ConnectionError("GitHub answered 502")

    record(deliveries, "d-1")
    with IntakeWorker(deliveries, flaky, backoff=FAST_RETRY, poll_interval=0.02) as worker:
        assert worker.drain(10)
    assert calls == [1, 2, 3]
    assert state_of(deliveries, "d-1") == (DeliveryState.DONE, 3)


def test_a_delivery_that_keeps_failing_is_given_up_and_the_next_one_runs(
    deliveries: DeliveryStore, caplog: pytest.LogCaptureFixture
) -> None:
    handled: list[str] = []

    def handle(delivery: Delivery) -> None:
        handled.append(delivery.delivery_id)
        if delivery.delivery_id == "a1":
            raise RuntimeError("boom")

    record(deliveries, "a1")
    record(deliveries, "a2")
    worker = IntakeWorker(
        deliveries, handle, max_attempts=3, backoff=FAST_RETRY, poll_interval=0.02
    )
    with caplog.at_level(logging.ERROR, logger="app.jobs.intake"), worker:
        assert worker.drain(10)
    assert handled == ["a1", "a1", "a1", "a2"]
    failed = deliveries.get("a1")
    assert failed is not None
    assert (failed.state, failed.last_error) == (DeliveryState.FAILED, "RuntimeError: boom")
    assert state_of(deliveries, "a2") == (DeliveryState.DONE, 1)
    assert "giving up on delivery a1" in caplog.text


def test_a_long_handler_keeps_its_claim(deliveries: DeliveryStore) -> None:
    started, release = threading.Event(), threading.Event()
    intruder_claims: list[Delivery | None] = []

    def slow(delivery: Delivery) -> None:
        started.set()
        release.wait(5)

    record(deliveries, "d-1")
    with IntakeWorker(deliveries, slow, concurrency=1, lease_seconds=0.6) as worker:
        assert started.wait(5)
        deadline = time.monotonic() + 1.5  # more than twice the lease
        while time.monotonic() < deadline:
            intruder_claims.append(deliveries.claim("intruder", 0.6))
            time.sleep(0.05)
        release.set()
        assert worker.drain(5)
    assert intruder_claims and set(intruder_claims) == {None}
    assert state_of(deliveries, "d-1") == (DeliveryState.DONE, 1)


class CountingStore(DeliveryStore):
    """Records each renewal: which deliveries one statement renewed."""

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self.renewals: list[list[str]] = []

    def renew(self, delivery_ids: Collection[str], owner: str, lease_seconds: float) -> set[str]:
        self.renewals.append(sorted(delivery_ids))
        return super().renew(delivery_ids, owner, lease_seconds)


def test_one_renewal_per_beat_covers_every_delivery_in_flight(database: Database) -> None:
    store = CountingStore(database)
    for key in "ABCD":
        record(store, f"d-{key}", key)
    all_started, release = threading.Barrier(5), threading.Event()

    def slow(delivery: Delivery) -> None:
        all_started.wait(5)
        release.wait(5)

    worker = IntakeWorker(store, slow, concurrency=4, lease_seconds=3, heartbeat_seconds=0.1)
    with worker:
        all_started.wait(5)
        time.sleep(1.0)  # ten beats
        release.set()
        assert worker.drain(5)
    busy = [ids for ids in store.renewals if ids == ["d-A", "d-B", "d-C", "d-D"]]
    assert 5 <= len(busy) <= 12, store.renewals
    assert all(len(ids) <= 4 for ids in store.renewals)


def test_stopping_keeps_renewing_until_the_running_handler_ends(
    deliveries: DeliveryStore,
) -> None:
    started = threading.Event()
    record(deliveries, "d-1")

    def slow(delivery: Delivery) -> None:
        started.set()
        time.sleep(1.5)

    worker = IntakeWorker(deliveries, slow, concurrency=1, lease_seconds=0.6)
    worker.start()
    assert started.wait(5)
    stopping = threading.Thread(target=worker.stop)
    stopping.start()
    intruder_claims = []
    while stopping.is_alive():
        intruder_claims.append(deliveries.claim("intruder", 0.6))
        time.sleep(0.05)
    assert intruder_claims and set(intruder_claims) == {None}
    assert state_of(deliveries, "d-1") == (DeliveryState.DONE, 1)


def test_a_lease_lapsed_during_a_stall_is_not_run_twice_by_its_own_worker(
    tmp_path: Path,
) -> None:
    clock = ManualClock()
    with open_database("sqlite", tmp_path, now=clock) as db:
        store = DeliveryStore(db)
        record(store, "d-1")
        started, release = threading.Event(), threading.Event()
        runs: list[int] = []

        def stalled(delivery: Delivery) -> None:
            runs.append(delivery.attempts)
            started.set()
            release.wait(5)

        # The heartbeat is too slow to run during the test: the stall outlives the lease.
        worker = IntakeWorker(store, stalled, concurrency=2, lease_seconds=600, poll_interval=0.02)
        with worker:
            assert started.wait(5)
            clock.advance(601)
            deadline = time.monotonic() + 5
            while state_of(store, "d-1")[1] < 2 and time.monotonic() < deadline:
                time.sleep(0.01)
            assert state_of(store, "d-1") == (DeliveryState.RUNNING, 2)
            release.set()
            assert worker.drain(5)
        assert runs == [1]
        assert state_of(store, "d-1")[0] is DeliveryState.DONE


def test_a_delivery_left_by_a_dead_worker_is_processed_after_its_lease(
    deliveries: DeliveryStore,
) -> None:
    record(deliveries, "d-1")
    assert deliveries.claim("dead-replica", 0.2) is not None
    handled = threading.Event()
    with IntakeWorker(deliveries, lambda d: handled.set(), poll_interval=0.05) as worker:
        assert handled.wait(5)
        assert worker.drain(5)
    assert state_of(deliveries, "d-1") == (DeliveryState.DONE, 2)


def test_drain_reports_a_timeout_while_work_remains(deliveries: DeliveryStore) -> None:
    release = threading.Event()
    record(deliveries, "d-1")
    with IntakeWorker(deliveries, lambda d: release.wait(5), poll_interval=0.02) as worker:
        assert not worker.drain(0.2)
        release.set()
        assert worker.drain(5)


class FlakyStore(DeliveryStore):
    """A store whose first claim fails as if the database dropped the connection."""

    failed = False

    def claim(self, owner: str, lease_seconds: float) -> Delivery | None:
        if not self.failed:
            self.failed = True
            raise ConnectionError("database went away")
        return super().claim(owner, lease_seconds)


def test_the_worker_survives_a_database_outage(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    flaky = FlakyStore(database)
    record(flaky, "d-1")
    with (
        caplog.at_level(logging.ERROR),
        IntakeWorker(flaky, lambda d: None, concurrency=1, poll_interval=0.02) as worker,
    ):
        assert worker.drain(5)
    assert "cannot claim a delivery" in caplog.text
    assert state_of(flaky, "d-1") == (DeliveryState.DONE, 1)


def test_stop_ends_every_thread(deliveries: DeliveryStore) -> None:
    worker = IntakeWorker(deliveries, lambda d: None, concurrency=3, poll_interval=10)
    worker.start()
    started = time.monotonic()
    assert worker.stop(5)
    assert time.monotonic() - started < 2
    assert not [t for t in threading.enumerate() if t.name.startswith("gatehouse-intake")]


@pytest.mark.parametrize(
    ("attempts", "expected"),
    [
        pytest.param(1, 2.0, id="first-failure-waits-base"),
        pytest.param(2, 4.0, id="doubles"),
        pytest.param(4, 16.0, id="keeps-doubling"),
        pytest.param(9, 60.0, id="capped"),
    ],
)
def test_retry_delays_grow_exponentially_up_to_the_cap(attempts: int, expected: float) -> None:
    assert backoff_delay(attempts, 2.0, 60.0) == expected


def test_a_stuck_follow_up_never_holds_up_the_next_checks(deliveries: DeliveryStore) -> None:
    """One check-lane thread: while a delivery's follow-up hangs (Jira not answering), the
    next deliveries are decided; the stuck one stays claimed until its follow-up ends."""
    release = threading.Event()
    decided: list[str] = []

    def handle(delivery: Delivery) -> None:
        decided.append(delivery.delivery_id)
        if delivery.delivery_id == "d-1":
            defer(lambda: release.wait(10) and None)

    worker = IntakeWorker(deliveries, handle, concurrency=1, poll_interval=0.05)
    with worker:
        record(deliveries, "d-1", "org/repo#1")
        worker.notify()
        wait_for(lambda: decided == ["d-1"])
        for index in (2, 3):
            record(deliveries, f"d-{index}", f"org/repo#{index}")
        worker.notify()
        wait_for(lambda: len(decided) == 3)
        assert state_of(deliveries, "d-2")[0] is DeliveryState.DONE
        assert state_of(deliveries, "d-1")[0] is DeliveryState.RUNNING
        release.set()
        assert worker.drain(5)
    assert state_of(deliveries, "d-1") == (DeliveryState.DONE, 1)


def test_a_failing_follow_up_retries_its_delivery(deliveries: DeliveryStore) -> None:
    runs: list[int] = []

    def handle(delivery: Delivery) -> None:
        runs.append(1)

        def follow_up() -> None:
            if len(runs) == 1:
                raise RuntimeError("Slack is down")

        defer(follow_up)

    worker = IntakeWorker(deliveries, handle, concurrency=1, backoff=FAST_RETRY, poll_interval=0.02)
    with worker:
        record(deliveries, "d-1")
        worker.notify()
        wait_for(lambda: len(runs) == 2)
        assert worker.drain(5)
    assert state_of(deliveries, "d-1") == (DeliveryState.DONE, 2)


def test_work_held_back_by_rate_limits_is_postponed_without_using_an_attempt(
    database: Database, deliveries: DeliveryStore
) -> None:
    runs: list[int] = []

    def handle(delivery: Delivery) -> None:
        runs.append(1)
        if len(runs) < 4:  # held back until now, by the store's own clock
            raise GitHubThrottled("checks/create", database.now().timestamp(), "secondary")

    worker = IntakeWorker(deliveries, handle, concurrency=1, max_attempts=2, poll_interval=0.02)
    with worker:
        record(deliveries, "d-1")
        worker.notify()
        wait_for(lambda: len(runs) == 4)
        assert worker.drain(5)
    assert state_of(deliveries, "d-1") == (DeliveryState.DONE, 1)


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)
