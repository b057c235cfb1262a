"""The follow-up loop: follow-ups waiting on the network share one thread, installations
take turns, a failing follow-up stops nothing, and the rules that keep shared code safe on
the loop (no network wait inside a transaction, locks taken without blocking) hold."""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from app import cooperative
from app.cooperative_http import CooperativeTransport
from app.github.app import GitHubApp
from app.github.calls import CallStats, GitHubError
from app.jobs.follow_up_loop import FollowUpLoop
from app.store.database import Database
from tests.sandbox.github_site import APP_ID, REPO, KeyPair, open_site


class Rendezvous:
    """An HTTP server that answers nobody until ``expected`` requests are waiting at once
    (503 if they never are within ten seconds): only exchanges that really overlap pass."""

    def __init__(self, expected: int) -> None:
        self.barrier = threading.Barrier(expected, timeout=10)
        barrier = self.barrier

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                try:
                    barrier.wait()
                    status = 200
                except threading.BrokenBarrierError:
                    status = 503
                body = b'{"ok": true}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> Rendezvous:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def loop() -> Iterator[FollowUpLoop]:
    made = FollowUpLoop(capacity=64, per_installation=64, name="test-follow-ups")
    yield made
    made.shutdown()


def wait_for(event: threading.Event) -> None:
    while not event.is_set():
        cooperative.sleep(0.005)


def test_follow_ups_waiting_on_the_network_overlap_on_one_thread(loop: FollowUpLoop) -> None:
    count = 24
    statuses: list[int] = []
    threads: set[int] = set()
    with (
        Rendezvous(count) as server,
        httpx.Client(base_url=server.url, transport=CooperativeTransport()) as http,
    ):

        def follow_up() -> None:
            threads.add(threading.get_ident())
            statuses.append(http.get("/answer").status_code)

        for index in range(count):
            loop.submit(index, follow_up)
        loop.shutdown()
    assert statuses == [200] * count, "every exchange was waiting at the same time"
    assert len(threads) == 1 and threading.get_ident() not in threads


def test_outside_the_loop_the_same_client_blocks_as_usual() -> None:
    with (
        Rendezvous(1) as server,
        httpx.Client(base_url=server.url, transport=CooperativeTransport()) as http,
    ):
        answer = http.get("/answer")
    assert (answer.status_code, answer.json()) == (200, {"ok": True})


def test_a_busy_installation_leaves_places_for_the_others() -> None:
    loop = FollowUpLoop(capacity=2, per_installation=1, name="test-follow-ups")
    release = threading.Event()
    other_ran = threading.Event()
    done: list[str] = []

    def busy(tag: str) -> None:
        wait_for(release)
        done.append(tag)

    def other() -> None:
        done.append("b1")
        other_ran.set()

    for tag in ("a1", "a2", "a3"):
        loop.submit("org-a", functools.partial(busy, tag))
    loop.submit("org-b", other)

    assert other_ran.wait(5), "org-b ran while org-a's follow-ups held their one place"
    assert done == ["b1"]
    release.set()
    loop.shutdown()
    assert done == ["b1", "a1", "a2", "a3"], "queued follow-ups run in order before stopping"
    with pytest.raises(RuntimeError):
        loop.submit("org-a", other)


def test_a_failing_follow_up_does_not_stop_the_ones_behind_it() -> None:
    loop = FollowUpLoop(capacity=1, per_installation=1, name="test-follow-ups")
    done: list[int] = []

    def fail() -> None:
        raise RuntimeError("boom")

    loop.submit(1, fail)
    loop.submit(1, lambda: done.append(2))
    loop.shutdown()
    assert done == [2]


def test_a_network_wait_inside_a_database_transaction_is_refused(
    loop: FollowUpLoop, tmp_path: Path
) -> None:
    db = Database(f"sqlite:///{tmp_path / 'loop.db'}")
    db.migrate()
    errors: list[str] = []

    def follow_up() -> None:
        try:
            with db.session():
                cooperative.sleep(0.01)
        except RuntimeError as exc:
            errors.append(str(exc))
        cooperative.sleep(0.01)  # outside a transaction a wait is fine

    loop.submit(1, follow_up)
    loop.shutdown()
    db.dispose()
    assert errors == ["a network wait inside a database transaction"]


def test_turns_held_across_a_wait_are_taken_in_order_without_stopping_the_loop(
    loop: FollowUpLoop,
) -> None:
    lock = cooperative.Turns()
    inside = threading.Event()
    order: list[str] = []

    def first() -> None:
        with lock:
            inside.set()
            cooperative.sleep(0.05)  # the loop serves the second follow-up meanwhile
            order.append("first")

    def second() -> None:
        wait_for(inside)
        with lock:
            order.append("second")

    loop.submit(1, first)
    loop.submit(2, second)
    loop.shutdown()
    assert order == ["first", "second"]


def test_github_answers_a_follow_up_on_the_loop_as_it_answers_a_thread(
    loop: FollowUpLoop,
) -> None:
    keys = KeyPair.generate()
    with open_site(keys) as site:
        github = GitHubApp(site.url, APP_ID, keys.private_pem, CallStats())
        client = github.installation(1)
        blocking = client.get_pull(REPO, 1)
        answers: dict[str, object] = {}

        def follow_up() -> None:
            answers["pull"] = client.get_pull(REPO, 1)
            answers["files"] = [f["filename"] for f in client.list_files(REPO, 1)]
            try:
                client.get_pull(REPO, 999)
            except GitHubError as exc:
                answers["missing"] = exc.status
            answers["comment"] = client.create_comment(REPO, 1, "from the loop")["body"]

        loop.submit(1, follow_up)
        loop.shutdown()
        site.finish()
    assert answers["pull"] == blocking
    assert answers["files"] == [".github/workflows/ci.yml", "README.md"]
    assert answers["missing"] == 404
    assert answers["comment"] == "from the loop"


def eventually(predicate: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 5
    while not predicate():
        assert time.monotonic() < deadline, "the condition never came true"
        time.sleep(0.002)


def test_threads_and_follow_ups_get_their_turns_in_arrival_order(loop: FollowUpLoop) -> None:
    turns = cooperative.Turns()
    order: list[str] = []
    turns.acquire()  # this thread holds the one place while the others line up

    def take(tag: str) -> None:
        with turns:
            order.append(tag)

    loop.submit("a", functools.partial(take, "follow-up 1"))
    eventually(lambda: turns.waiting() == 1)
    thread = threading.Thread(target=take, args=("thread",))
    thread.start()
    eventually(lambda: turns.waiting() == 2)
    loop.submit("b", functools.partial(take, "follow-up 2"))
    eventually(lambda: turns.waiting() == 3)
    turns.release()
    thread.join(5)
    loop.shutdown()
    assert order == ["follow-up 1", "thread", "follow-up 2"]


def test_a_thread_goes_ahead_of_waiting_follow_ups_when_the_turns_say_so(
    loop: FollowUpLoop,
) -> None:
    """The database's writer queue: the check lane never waits behind follow-ups."""
    turns = cooperative.Turns(reentrant=True, threads_ahead=True)
    order: list[str] = []
    turns.acquire()

    def take(tag: str) -> None:
        with turns:
            order.append(tag)

    for tag in ("follow-up 1", "follow-up 2"):
        loop.submit(tag, functools.partial(take, tag))
    eventually(lambda: turns.waiting() == 2)
    thread = threading.Thread(target=take, args=("check lane",))
    thread.start()
    eventually(lambda: turns.waiting() == 3)
    turns.release()
    thread.join(5)
    loop.shutdown()
    assert order == ["check lane", "follow-up 1", "follow-up 2"]
