from __future__ import annotations

from collections import Counter
from collections.abc import Collection

import pytest

from app.store import AssignmentStore, Database
from tests.dbutil import race

GROUP = "platform-engineering"
MEMBERS = ["alan", "antonia", "robert"]


def choose_many(
    store: AssignmentStore, count: int, exclude: Collection[str] = ()
) -> list[str | None]:
    return [store.choose(GROUP, MEMBERS, "round-robin", exclude=exclude) for _ in range(count)]


def test_round_robin_cycles_through_the_members(database: Database) -> None:
    assert choose_many(AssignmentStore(database), 7) == MEMBERS * 2 + ["alan"]


def test_round_robin_skips_excluded_members_without_losing_its_place(database: Database) -> None:
    store = AssignmentStore(database)
    assert choose_many(store, 2, exclude={"antonia"}) == ["alan", "robert"]
    assert choose_many(store, 3) == ["alan", "antonia", "robert"]


def test_nobody_is_chosen_when_every_member_is_excluded(database: Database) -> None:
    store = AssignmentStore(database)
    assert store.choose(GROUP, MEMBERS, "round-robin", exclude=MEMBERS) is None
    assert store.choose(GROUP, [], "least-loaded") is None


def test_round_robin_follows_a_changed_member_list(database: Database) -> None:
    store = AssignmentStore(database)
    assert choose_many(store, 2) == ["alan", "antonia"]
    assert store.choose(GROUP, ["alan", "antonia", "dana", "robert"], "round-robin") == "dana"


def test_groups_take_turns_independently(database: Database) -> None:
    store = AssignmentStore(database)
    assert store.choose("architecture", ["x", "y"], "round-robin") == "x"
    assert choose_many(store, 1) == ["alan"]
    assert store.choose("architecture", ["x", "y"], "round-robin") == "y"


def test_least_loaded_picks_whoever_has_fewest_open_assignments(database: Database) -> None:
    store = AssignmentStore(database)
    store.assign("org/r", 1, GROUP, "alan")
    store.assign("org/r", 2, GROUP, "alan")
    store.assign("org/r", 3, GROUP, "antonia")
    store.assign("org/r", 4, "architecture", "robert")  # other groups do not count
    assert store.choose(GROUP, MEMBERS, "least-loaded") == "robert"
    store.assign("org/r", 5, GROUP, "robert")
    store.close("org/r", 1)
    store.close("org/r", 2)
    assert store.choose(GROUP, MEMBERS, "least-loaded") == "alan"


def test_least_loaded_breaks_ties_in_turn(database: Database) -> None:
    store = AssignmentStore(database)
    picks = [store.choose(GROUP, MEMBERS, "least-loaded") for _ in range(4)]
    assert picks == ["alan", "antonia", "robert", "alan"]
    assert store.choose(GROUP, MEMBERS, "least-loaded", exclude={"antonia"}) == "robert"


def test_replicas_choosing_at_once_share_the_work_evenly(database: Database) -> None:
    picks = race(12, lambda _: AssignmentStore(database).choose(GROUP, MEMBERS, "round-robin"))
    assert Counter(picks) == {"alan": 4, "antonia": 4, "robert": 4}


def test_a_pull_request_keeps_its_assignee(database: Database) -> None:
    store = AssignmentStore(database)
    assert store.assign("org/r", 1, GROUP, "alan") == "alan"
    assert store.assign("org/r", 1, GROUP, "robert") == "alan"
    assert store.assignee("org/r", 1, GROUP) == "alan"
    assert store.assignee("org/r", 1, "architecture") is None


def test_closing_and_reopening_a_pull_request(database: Database) -> None:
    store = AssignmentStore(database)
    store.assign("org/r", 1, GROUP, "alan")
    store.assign("org/r", 1, "architecture", "x")
    assert store.close("org/r", 1) == 2
    assert store.close("org/r", 1) == 0
    assert store.choose(GROUP, ["alan", "robert"], "least-loaded") == "alan"
    assert store.assign("org/r", 1, GROUP, "robert") == "alan"  # reopened: same person
    assert store.choose(GROUP, ["alan", "robert"], "least-loaded") == "robert"


def test_an_unknown_strategy_is_refused(database: Database) -> None:
    with pytest.raises(ValueError, match="strategy"):
        AssignmentStore(database).choose(GROUP, MEMBERS, "random")  # type: ignore[arg-type]
