from __future__ import annotations

import threading
import time
from collections import defaultdict
from datetime import timedelta

from app.store import Database, Delivery, DeliveryState, DeliveryStore
from tests.dbutil import ManualClock, race


def record(store: DeliveryStore, delivery_id: str, key: str = "org/repo#1") -> bool:
    return store.record(
        delivery_id,
        "pull_request",
        "synchronize",
        b'{"n": 1}',
        repository="org/repo",
        ordering_key=key,
        installation_id=42,
    )


def claimed_id(store: DeliveryStore, owner: str = "w1", lease: float = 60) -> str | None:
    delivery = store.claim(owner, lease)
    return None if delivery is None else delivery.delivery_id


def test_a_recorded_delivery_comes_back_intact(database: Database, clock: ManualClock) -> None:
    store = DeliveryStore(database)
    assert record(store, "d-1")
    delivery = store.claim("w1", 60)
    assert delivery == Delivery(
        seq=delivery.seq if delivery else 0,
        delivery_id="d-1",
        event="pull_request",
        action="synchronize",
        payload=b'{"n": 1}',
        repository="org/repo",
        ordering_key="org/repo#1",
        installation_id=42,
        attempts=1,
        received_at=clock(),
        state=DeliveryState.RUNNING,
        lease_owner="w1",
        lease_expires_at=clock() + timedelta(seconds=60),
    )


def test_a_duplicate_delivery_is_recorded_once(database: Database) -> None:
    store = DeliveryStore(database)
    assert record(store, "d-1") is True
    assert record(store, "d-1") is False
    assert store.pending_count() == 1


def test_replicas_recording_the_same_delivery_at_once_store_it_once(database: Database) -> None:
    results = race(8, lambda _: record(DeliveryStore(database), "d-same"))
    assert sorted(results, key=str) == [False] * 7 + [True]
    assert DeliveryStore(database).pending_count() == 1


def test_racing_claimers_get_a_delivery_exactly_once(database: Database) -> None:
    store = DeliveryStore(database)
    record(store, "d-1")
    results = race(10, lambda i: claimed_id(store, owner=f"w{i}"))
    assert [r for r in results if r is not None] == ["d-1"]


def test_claim_finds_nothing_when_the_queue_is_empty(database: Database) -> None:
    assert DeliveryStore(database).claim("w1", 60) is None


def test_one_pull_request_waits_while_others_run(database: Database) -> None:
    store = DeliveryStore(database)
    for delivery_id, key in [("a1", "A"), ("a2", "A"), ("b1", "B")]:
        record(store, delivery_id, key)
    assert claimed_id(store) == "a1"
    assert claimed_id(store) == "b1"  # another PR proceeds in parallel
    assert claimed_id(store) is None  # a2 waits for a1
    assert store.complete("a1", "w1")
    assert claimed_id(store) == "a2"


def test_deliveries_of_each_pull_request_run_in_arrival_order_across_four_threads(
    database: Database,
) -> None:
    store = DeliveryStore(database)
    keys, per_key = ["A", "B"], 6
    for index in range(per_key):
        for key in keys:
            record(store, f"{key}-{index}", key)
    processed: dict[str, list[int]] = defaultdict(list)
    in_flight: set[str] = set()
    overlaps: list[str] = []
    lock = threading.Lock()

    def work(worker: int) -> None:
        while store.pending_count():
            delivery = store.claim(f"w{worker}", 60)
            if delivery is None:
                time.sleep(0.002)
                continue
            key = delivery.ordering_key
            with lock:
                if key in in_flight:
                    overlaps.append(delivery.delivery_id)
                in_flight.add(key)
                processed[key].append(int(delivery.delivery_id.split("-")[1]))
            time.sleep(0.01)  # long enough for the other threads to try the same key
            with lock:
                in_flight.discard(key)
            assert store.complete(delivery.delivery_id, f"w{worker}")

    race(4, work)
    assert overlaps == []
    assert dict(processed) == {key: list(range(per_key)) for key in keys}


def test_a_crashed_claim_is_reprocessed_after_its_lease_expires(
    database: Database, clock: ManualClock
) -> None:
    store = DeliveryStore(database)
    record(store, "d-1")
    assert claimed_id(store, owner="dead", lease=30) == "d-1"
    assert claimed_id(store, owner="alive") is None
    clock.advance(29)
    assert claimed_id(store, owner="alive") is None
    clock.advance(2)
    delivery = store.claim("alive", 30)
    assert delivery is not None and (delivery.delivery_id, delivery.attempts) == ("d-1", 2)
    assert not store.complete("d-1", "dead")  # the vanished owner's claim is gone
    assert store.complete("d-1", "alive")
    assert store.pending_count() == 0


def test_extending_a_lease_keeps_the_claim(database: Database, clock: ManualClock) -> None:
    store = DeliveryStore(database)
    record(store, "d-1")
    claimed_id(store, owner="slow", lease=10)
    clock.advance(8)
    assert store.extend("d-1", "slow", 10)
    clock.advance(8)
    assert claimed_id(store, owner="other") is None
    clock.advance(3)
    assert claimed_id(store, owner="other") == "d-1"
    assert not store.extend("d-1", "slow", 10)


def test_renewing_keeps_every_claim_of_an_owner_alive_in_one_call(
    database: Database, clock: ManualClock
) -> None:
    store = DeliveryStore(database)
    for key in ("A", "B", "C"):
        record(store, f"d-{key}", key)
    held = [claimed_id(store, owner="live", lease=6) for _ in range(3)]
    assert held == ["d-A", "d-B", "d-C"]
    for _ in range(10):  # a minute of work, a beat every 2 seconds
        clock.advance(2)
        assert store.renew(["d-A", "d-B", "d-C"], "live", 6) == {"d-A", "d-B", "d-C"}
        assert claimed_id(store, owner="other") is None
    delivery = store.get("d-A")
    assert delivery is not None
    assert (delivery.lease_owner, delivery.lease_expires_at) == (
        "live",
        clock() + timedelta(seconds=6),
    )


def test_renewing_leaves_out_claims_the_owner_no_longer_holds(
    database: Database, clock: ManualClock
) -> None:
    store = DeliveryStore(database)
    for key in ("A", "B", "C"):
        record(store, f"d-{key}", key)
    claimed_id(store, owner="stalled", lease=6)
    claimed_id(store, owner="stalled", lease=6)
    claimed_id(store, owner="other", lease=6)
    assert store.complete("d-A", "stalled")
    clock.advance(7)  # d-B's lease ran out: it is taken over
    assert claimed_id(store, owner="other") == "d-B"
    assert store.renew(["d-A", "d-B", "d-C"], "stalled", 6) == set()
    assert store.renew([], "stalled", 6) == set()
    assert store.renew(["d-B", "d-C"], "other", 6) == {"d-B", "d-C"}


def test_a_retried_delivery_keeps_its_place_in_line(database: Database, clock: ManualClock) -> None:
    store = DeliveryStore(database)
    record(store, "a1", "A")
    record(store, "a2", "A")
    claimed_id(store)
    assert store.retry("a1", "w1", "HTTP 502", delay_seconds=10)
    assert claimed_id(store) is None  # a1 is not due yet and a2 must wait for it
    clock.advance(10)
    delivery = store.claim("w1", 60)
    assert delivery is not None
    assert (delivery.delivery_id, delivery.attempts, delivery.last_error) == ("a1", 2, "HTTP 502")
    store.complete("a1", "w1")
    assert claimed_id(store) == "a2"


def test_giving_up_lets_the_next_delivery_of_the_pull_request_run(database: Database) -> None:
    store = DeliveryStore(database)
    record(store, "a1", "A")
    record(store, "a2", "A")
    claimed_id(store)
    assert store.give_up("a1", "w1", "ValueError: bad payload")
    failed = store.get("a1")
    assert failed is not None
    assert (failed.state, failed.last_error) == (DeliveryState.FAILED, "ValueError: bad payload")
    assert claimed_id(store) == "a2"


def test_only_the_claim_holder_settles_a_delivery(database: Database) -> None:
    store = DeliveryStore(database)
    record(store, "d-1")
    claimed_id(store, owner="w1")
    assert not store.complete("d-1", "w2")
    assert not store.retry("d-1", "w2", "x", 0)
    assert not store.give_up("d-1", "w2", "x")
    found = store.get("d-1")
    assert found is not None and found.state is DeliveryState.RUNNING


def test_pending_count_covers_waiting_and_running_deliveries(database: Database) -> None:
    store = DeliveryStore(database)
    for index in range(3):
        record(store, f"d-{index}", f"k{index}")
    claimed_id(store)
    assert store.pending_count() == 3
    store.complete("d-0", "w1")
    assert store.pending_count() == 2
    assert store.get("unknown") is None


def test_pruning_removes_old_processed_deliveries_and_keeps_failures(
    database: Database, clock: ManualClock
) -> None:
    from datetime import timedelta

    store = DeliveryStore(database)
    for delivery_id in ("done-old", "failed-old", "waiting"):
        record(store, delivery_id, key=delivery_id)
    for _ in range(2):
        claimed = store.claim("w1", 60)
        assert claimed is not None
        if claimed.delivery_id == "done-old":
            store.complete(claimed.delivery_id, "w1")
        else:
            store.give_up(claimed.delivery_id, "w1", "broken")
    now = clock.advance(8 * 24 * 3600)
    assert store.prune(now - timedelta(days=7)) == 1
    assert store.get("done-old") is None
    assert store.get("failed-old") is not None and store.get("waiting") is not None


def test_group_commit_reports_which_deliveries_are_new(database: Database) -> None:
    from app.store.delivery_writer import DeliveryWriter, NewDelivery, record_batch

    def item(delivery_id: str) -> NewDelivery:
        return NewDelivery(delivery_id, "pull_request", "opened", b"{}", "o/r", "o/r#1", 1)

    assert record_batch(database, [item("a"), item("b"), item("a")]) == [True, True, False]
    writer = DeliveryWriter(database)
    try:
        futures = [writer.submit(item(i)) for i in ("b", "c", "c", "d")]
        assert [f.result(timeout=10) for f in futures] == [False, True, False, True]
    finally:
        writer.stop()
    assert DeliveryStore(database).pending_count() == 4


def test_a_large_batch_with_one_redelivery_stores_the_rest_once(database: Database) -> None:
    """Rows go in several statements; one id stored before sends the batch through the
    exact look-up, and nothing is stored twice or lost."""
    from app.store.delivery_writer import NewDelivery, record_batch

    def item(delivery_id: str) -> NewDelivery:
        return NewDelivery(delivery_id, "pull_request", "opened", b"{}", "o/r", "o/r#1", 1)

    assert record_batch(database, [item("known")]) == [True]
    ids = [f"d{i}" for i in range(150)] + ["known"]
    assert record_batch(database, [item(i) for i in ids]) == [True] * 150 + [False]
    assert DeliveryStore(database).pending_count() == 151


def test_a_batch_mixing_redeliveries_and_new_ids_names_each(database: Database) -> None:
    """The ids stored before are answered as duplicates, the others as new, and the new
    ones are stored once, in the order they arrived."""
    from app.store.delivery_writer import NewDelivery, record_batch

    def item(delivery_id: str) -> NewDelivery:
        key = f"o/r#{delivery_id}"  # one pull request each: claimed in arrival order
        return NewDelivery(delivery_id, "pull_request", "opened", b"{}", "o/r", key, 1)

    assert record_batch(database, [item("k1"), item("k2")]) == [True, True]
    mixed = ["n1", "k1", "n2", "k2", "n3", "n1"]
    assert record_batch(database, [item(i) for i in mixed]) == [
        True, False, True, False, True, False,
    ]  # fmt: skip
    assert record_batch(database, [item("k2"), item("n3")]) == [False, False]
    store = DeliveryStore(database)
    assert store.pending_count() == 5
    order = [claimed_id(store, owner=f"w{n}") for n in range(5)]
    assert order == ["k1", "k2", "n1", "n2", "n3"]


def test_a_refused_batch_fails_alone_and_the_next_one_is_recorded(database: Database) -> None:
    """A batch the database refuses (here a NOT NULL column left empty) fails its own
    requests (they are answered 503 and redelivered); the writer goes on with the next."""
    import pytest

    from app.store.delivery_writer import DeliveryWriter, NewDelivery

    def item(delivery_id: str, event: str | None = "pull_request") -> NewDelivery:
        return NewDelivery(delivery_id, event, "opened", b"{}", "o/r", "o/r#1", 1)  # type: ignore[arg-type]

    writer = DeliveryWriter(database)
    try:
        with pytest.raises(Exception, match=r"(?i)null"):
            writer.submit(item("broken", event=None)).result(timeout=10)
        assert writer.submit(item("next")).result(timeout=10) is True
        assert writer.submit(item("next")).result(timeout=10) is False
    finally:
        writer.stop()
    assert DeliveryStore(database).pending_count() == 1
