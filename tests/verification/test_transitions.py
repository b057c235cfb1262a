"""Finding the transition a setting names among those Jira offers, and moving once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from app.jira import JiraError
from app.store import Database, EffectStore
from app.tracking.transitions import (
    ALREADY,
    FAILED,
    MOVED,
    NOT_OFFERED,
    Move,
    find_transition,
    move_once,
)
from tests.db_fixtures import clock, database

__all__ = ["clock", "database"]

OFFERED = [
    {"id": "11", "name": "Start Progress", "to": {"name": "In Progress"}},
    {"id": "21", "name": "Verify", "to": {"name": "In Verification"}},
    {"id": "41", "name": "Done", "to": {"name": "Done"}},
    {"id": "51", "name": "In Progress", "to": {"name": "Blocked"}},
    {"id": "61", "name": "Hidden", "to": {"name": "Archived"}, "isAvailable": False},
]


@pytest.mark.parametrize(
    ("wanted", "expected"),
    [
        pytest.param("Verify", "21", id="by-transition-name"),
        pytest.param("In Verification", "21", id="by-target-status"),
        pytest.param("  in verification ", "21", id="case-and-spaces-do-not-matter"),
        pytest.param("DONE", "41", id="done"),
        pytest.param("In Progress", "51", id="a-transition-name-wins-over-a-status-name"),
        pytest.param("Archived", None, id="an-unavailable-transition-is-not-offered"),
        pytest.param("Closed", None, id="not-offered"),
    ],
)
def test_find_transition(wanted: str, expected: str | None) -> None:
    found = find_transition(OFFERED, wanted)
    assert (found or {}).get("id") == expected


class RecordingJira:
    """Only the calls a transition makes, recorded."""

    base_url = "https://jira.example"

    def __init__(self, offered: list[dict[str, Any]], status: str = "To Do") -> None:
        self.offered = offered
        self.status = status
        self.moves: list[tuple[str, str]] = []
        self.fail = False

    def transitions(self, key: str) -> list[dict[str, Any]]:
        if self.fail:
            raise JiraError("getTransitions", 503, "unavailable")
        return self.offered

    def transition(self, key: str, transition_id: str) -> None:
        self.moves.append((key, transition_id))

    def get_issue(self, key: str) -> dict[str, Any] | None:
        return {"key": key, "fields": {"status": {"name": self.status}}}


def test_a_move_happens_once_and_is_heard_of_once(database: Database) -> None:
    effects = EffectStore(database)
    jira = RecordingJira(OFFERED)
    heard: list[str] = []
    for _ in range(3):
        move = move_once(
            jira, effects, "verify-transition:o/r#1", "K-1", "In Verification", heard_of(heard)
        )
        assert (move.outcome, move.status) == (MOVED, "In Verification")
    assert jira.moves == [("K-1", "21")]
    assert heard == [MOVED]


def test_a_transition_not_offered_is_noted_never_raised(database: Database) -> None:
    effects = EffectStore(database)
    jira = RecordingJira(OFFERED[:1], status="To Do")
    move = move_once(jira, effects, "a", "K-1", "In Verification", heard_of([]))
    assert move.outcome == NOT_OFFERED and move.status == "To Do"
    assert move.offered == ("Start Progress (-> In Progress)",)
    assert jira.moves == []


def test_a_ticket_already_in_the_status_is_left_there(database: Database) -> None:
    jira = RecordingJira([], status="In Verification")
    move = move_once(jira, EffectStore(database), "b", "K-1", "in verification", heard_of([]))
    assert move.outcome == ALREADY and jira.moves == []


def test_a_jira_error_is_reported_and_the_move_is_tried_again(database: Database) -> None:
    effects = EffectStore(database)
    jira = RecordingJira(OFFERED)
    jira.fail = True
    assert move_once(jira, effects, "c", "K-1", "Verify", heard_of([])).outcome == FAILED
    jira.fail = False
    assert move_once(jira, effects, "c", "K-1", "Verify", heard_of([])).outcome == MOVED
    assert jira.moves == [("K-1", "21")]


def heard_of(outcomes: list[str]) -> Callable[[Move], None]:
    return lambda move: outcomes.append(move.outcome)
