from __future__ import annotations

from typing import Any

import pytest

from app.store import ConflictError, Database, RecordStore
from tests.dbutil import race

REPO = "org/repo"


def test_a_pull_request_without_a_record_loads_as_empty(database: Database) -> None:
    assert RecordStore(database).load(REPO, 1) == {}


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda doc: {**doc, "jira": "LFXV2-1"}, id="returns-a-new-document"),
        pytest.param(lambda doc: doc.update(jira="LFXV2-1"), id="changes-in-place"),
    ],
)
def test_update_stores_what_the_function_produces(database: Database, change: Any) -> None:
    store = RecordStore(database)
    assert store.update(REPO, 1, change) == {"jira": "LFXV2-1"}
    assert store.load(REPO, 1) == {"jira": "LFXV2-1"}
    assert store.load(REPO, 2) == {}


def test_loaded_documents_are_private_copies(database: Database) -> None:
    store = RecordStore(database)
    store.update(REPO, 1, lambda doc: {"asked": ["alan"]})
    loaded = store.load(REPO, 1)
    loaded["asked"].append("robert")
    assert store.load(REPO, 1) == {"asked": ["alan"]}


def test_concurrent_updates_are_never_lost(database: Database) -> None:
    store = RecordStore(database)

    def bump(doc: dict[str, Any]) -> None:
        doc["count"] = doc.get("count", 0) + 1

    def worker(_: int) -> None:
        for _ in range(5):
            store.update(REPO, 1, bump)

    race(6, worker)
    assert store.load(REPO, 1) == {"count": 30}


def test_update_gives_up_when_the_document_keeps_changing(database: Database) -> None:
    store = RecordStore(database)
    store.update(REPO, 1, lambda doc: {"n": 0})

    def interfering(doc: dict[str, Any]) -> dict[str, Any]:
        # Another replica writes between this read and this write, every time.
        other = RecordStore(database)
        other.update(REPO, 1, lambda d: {"n": d["n"] + 1} if d["n"] < 1000 else None)
        return {"n": -1}

    with pytest.raises(ConflictError, match="org/repo#1"):
        store.update(REPO, 1, interfering)


def test_all_open_lists_only_pull_requests_not_closed(database: Database) -> None:
    store = RecordStore(database)
    store.update("org/b", 2, lambda doc: {"closed": False})
    store.update("org/a", 9, lambda doc: {"title": "x"})
    store.update("org/a", 3, lambda doc: {"closed": True})
    store.update("org/a", 1, lambda doc: {"closed": "yes"})  # only true closes
    assert store.all_open() == [
        ("org/a", 1, {"closed": "yes"}),
        ("org/a", 9, {"title": "x"}),
        ("org/b", 2, {"closed": False}),
    ]
    store.update("org/a", 3, lambda doc: {"closed": False})
    assert [number for _, number, _ in store.all_open()] == [1, 3, 9, 2]


def test_a_batch_writes_once_at_the_end_and_keeps_a_concurrent_change(
    database: Database,
) -> None:
    store, other = RecordStore(database), RecordStore(database)
    store.update(REPO, 1, lambda d: d.update(seen=0))
    with store.batched():
        store.update(REPO, 1, lambda d: d.update(check="created"))
        store.update(REPO, 1, lambda d: d.update(seen=d["seen"] + 1))
        assert store.load(REPO, 1) == {"seen": 1, "check": "created"}, "the batch sees itself"
        assert other.load(REPO, 1) == {"seen": 0}, "nothing stored before the end"
        other.update(REPO, 1, lambda d: d.update(timer="armed"))  # another replica, meanwhile
    assert store.load(REPO, 1) == {"seen": 1, "check": "created", "timer": "armed"}


def test_a_batch_keeps_what_was_recorded_before_an_error(database: Database) -> None:
    store = RecordStore(database)
    with pytest.raises(RuntimeError), store.batched():
        store.update(REPO, 1, lambda d: d.update(check_run=7))
        raise RuntimeError("GitHub failed after the check was created")
    assert store.load(REPO, 1) == {"check_run": 7}
