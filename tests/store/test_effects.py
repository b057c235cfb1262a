from __future__ import annotations

from app.store import ClaimStatus, Database, EffectStore
from tests.dbutil import ManualClock, race

KEY = "jira-ticket:org/repo#7"


def test_an_effect_claimed_by_twenty_racing_workers_is_acquired_once(database: Database) -> None:
    store = EffectStore(database)
    claims = race(20, lambda i: EffectStore(database).claim(KEY, f"w{i}", 60).status)
    assert sorted(claims) == sorted([ClaimStatus.ACQUIRED] + [ClaimStatus.BUSY] * 19)
    effect = store.get(KEY)
    assert effect is not None and effect.attempts == 1 and not effect.done


def test_a_completed_effect_returns_its_result_to_every_later_claim(database: Database) -> None:
    store = EffectStore(database)
    assert store.claim(KEY, "w1", 60).acquired
    assert store.complete(KEY, "w1", {"issue": "LFXV2-302"})
    for owner in ("w1", "w2"):
        claim = store.claim(KEY, owner, 60)
        assert claim.done and claim.result == {"issue": "LFXV2-302"}


def test_a_busy_claim_says_who_holds_it_until_when(database: Database, clock: ManualClock) -> None:
    store = EffectStore(database)
    store.claim(KEY, "w1", 60)
    claim = store.claim(KEY, "w2", 60)
    assert claim.busy and claim.holder == "w1"
    assert claim.lease_expires_at == clock.advance(60)


def test_a_released_effect_can_be_tried_again(database: Database) -> None:
    store = EffectStore(database)
    store.claim(KEY, "w1", 60)
    assert store.release(KEY, "w1", "HTTP 503 from Jira")
    assert store.claim(KEY, "w2", 60).acquired
    effect = store.get(KEY)
    assert effect is not None
    assert (effect.owner, effect.attempts, effect.last_error) == ("w2", 2, "HTTP 503 from Jira")


def test_an_abandoned_claim_is_taken_over_after_its_lease(
    database: Database, clock: ManualClock
) -> None:
    store = EffectStore(database)
    store.claim(KEY, "dead", 30)
    clock.advance(29)
    assert store.claim(KEY, "w2", 30).busy
    clock.advance(1)
    assert store.claim(KEY, "w2", 30).acquired
    assert not store.complete(KEY, "dead", {"issue": "LFXV2-1"})
    assert store.complete(KEY, "w2", {"issue": "LFXV2-2"})
    effect = store.get(KEY)
    assert effect is not None and effect.done and effect.result == {"issue": "LFXV2-2"}


def test_a_done_effect_cannot_be_released_or_completed_again(database: Database) -> None:
    store = EffectStore(database)
    store.claim(KEY, "w1", 60)
    store.complete(KEY, "w1", {"n": 1})
    assert not store.release(KEY, "w1")
    assert not store.complete(KEY, "w1", {"n": 2})
    assert store.claim(KEY, "w1", 60).result == {"n": 1}


def test_an_unknown_effect_has_no_record(database: Database) -> None:
    assert EffectStore(database).get("never-claimed") is None
