"""``POST /webhook`` as GitHub sees it, over real HTTP, on SQLite and PostgreSQL: what is
answered 2xx is already in the database, each delivery id is recorded once, and whatever
is refused leaves no trace."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
from sqlalchemy import func, select, text
from starlette.types import Message

from app.container import Gatehouse, Runtime
from app.sandbox.fake_github.payloads import sign
from app.sandbox.server import ServerThread
from app.sandbox.world import generate_key
from app.settings import SHIPPED_RULES, ServiceSettings
from app.store import Database
from app.store.delivery_writer import DeliveryWriter, NewDelivery
from app.store.schema import DeliveryRow
from app.web.app import create_app
from app.web.metrics import Metrics
from app.web.webhook import MAX_BODY_BYTES, WebhookEndpoint
from tests.dbutil import BACKEND_PARAMS, database_url

SECRET = "webhook-test-secret"
REPO = "acme/web"


@dataclass
class Service:
    """gatehouse serving ``/webhook`` on a free port; its worker never runs, so what the
    tests find in the database is exactly what the webhook recorded."""

    url: str
    gatehouse: Gatehouse
    wake_ups: list[None] = field(default_factory=list)

    def recorded(self) -> dict[str, int]:
        """How many rows each delivery id has."""
        with self.gatehouse.db.session(write=False) as session:
            rows = session.execute(
                select(DeliveryRow.delivery_id, func.count()).group_by(DeliveryRow.delivery_id)
            )
            return {delivery_id: count for delivery_id, count in rows}


@pytest.fixture(params=BACKEND_PARAMS)
def service(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Service]:
    with database_url(request.param, tmp_path) as url:
        settings = ServiceSettings(
            GITHUB_APP_ID=4242,
            GITHUB_PRIVATE_KEY=generate_key()[0],
            GITHUB_WEBHOOK_SECRET=SECRET,
            GITHUB_API_URL="http://127.0.0.1:9",  # never called: nothing processes deliveries
            GATEHOUSE_RULES_DIR=SHIPPED_RULES,
            GATEHOUSE_DATABASE_URL=url,
            _env_file=None,
        )
        gatehouse = Gatehouse(settings, Runtime())
        service = Service("", gatehouse)
        gatehouse.worker.notify = lambda: service.wake_ups.append(None)  # type: ignore[method-assign]
        server = ServerThread(create_app(gatehouse, manage_worker=False)).start()
        service.url = f"{server.url}/webhook"
        try:
            yield service
        finally:
            server.stop()
            gatehouse.writer.stop()
            gatehouse.db.dispose()


def opened(number: int) -> dict[str, Any]:
    return {
        "action": "opened",
        "number": number,
        "pull_request": {"number": number, "title": "Deploy from shared runners"},
        "repository": {"full_name": REPO},
        "installation": {"id": 1},
    }


def signed(event: str, body: bytes, delivery_id: str) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery_id,
        "X-Hub-Signature-256": sign(SECRET, body),
    }


async def deliver_together(
    url: str, deliveries: list[tuple[str, dict[str, Any]]], check: Any = None
) -> list[httpx.Response]:
    """POST every (delivery id, payload) at once, one connection each; ``check`` is called
    with each answer the moment it arrives."""
    limits = httpx.Limits(max_connections=len(deliveries))
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:

        async def one(delivery_id: str, payload: dict[str, Any]) -> httpx.Response:
            body = json.dumps(payload).encode()
            headers = signed("pull_request", body, delivery_id)
            answer = await client.post(url, content=body, headers=headers)
            if check is not None:
                check(delivery_id, answer)
            return answer

        return await asyncio.gather(*(one(i, p) for i, p in deliveries))


def test_concurrent_deliveries_are_each_answered_202_and_recorded_once(service: Service) -> None:
    committed_when_answered: list[str] = []

    def check(delivery_id: str, answer: httpx.Response) -> None:
        if delivery_id in service.recorded():
            committed_when_answered.append(delivery_id)

    deliveries = [(f"delivery-{n}", opened(n)) for n in range(48)]
    with _database_busy(service.gatehouse.db, seconds=0.5):
        answers = asyncio.run(deliver_together(service.url, deliveries, check))

    assert [a.status_code for a in answers] == [202] * 48
    assert {a.json()["status"] for a in answers} == {"accepted"}
    assert service.recorded() == {f"delivery-{n}": 1 for n in range(48)}
    assert sorted(committed_when_answered) == sorted(i for i, _ in deliveries), (
        "a delivery was answered 202 before it was committed"
    )
    assert 1 <= len(service.wake_ups) <= 48, "the worker is woken for new deliveries"


def test_a_delivery_sent_again_while_the_first_is_in_flight_is_recorded_once(
    service: Service,
) -> None:
    same = [("delivery-again", opened(7))] * 12 + [("delivery-other", opened(8))]
    answers = asyncio.run(deliver_together(service.url, same))

    statuses = [answer.json()["status"] for answer in answers[:12]]
    assert [a.status_code for a in answers] == [202] * 13
    assert sorted(statuses) == ["accepted"] + ["duplicate"] * 11
    assert service.recorded() == {"delivery-again": 1, "delivery-other": 1}


def test_a_redelivery_after_the_first_was_recorded_is_a_duplicate(service: Service) -> None:
    body = json.dumps(opened(3)).encode()
    first = httpx.post(service.url, content=body, headers=signed("pull_request", body, "d-1"))
    # The worker is woken on the event loop's next turn, which may come after the answer.
    deadline = time.monotonic() + 5
    while not service.wake_ups and time.monotonic() < deadline:
        time.sleep(0.01)
    wake_ups = len(service.wake_ups)
    again = httpx.post(service.url, content=body, headers=signed("pull_request", body, "d-1"))

    assert (first.status_code, first.json()["status"]) == (202, "accepted")
    assert (again.status_code, again.json()["status"]) == (202, "duplicate")
    assert service.recorded() == {"d-1": 1}
    assert len(service.wake_ups) == wake_ups, "a duplicate does not wake the worker"


def test_missing_or_wrong_signatures_are_refused_with_401_and_leave_no_trace(
    service: Service,
) -> None:
    body = json.dumps(opened(1)).encode()
    headers = signed("pull_request", body, "d-unsigned")
    unsigned = {k: v for k, v in headers.items() if k != "X-Hub-Signature-256"}
    wrong = {**headers, "X-Hub-Signature-256": sign("another-secret", body)}
    not_sha256 = {**headers, "X-Hub-Signature-256": headers["X-Hub-Signature-256"][7:]}
    tampered = body.replace(b'"opened"', b'"closed"')

    answers = [
        httpx.post(service.url, content=body, headers=unsigned),
        httpx.post(service.url, content=body, headers=wrong),
        httpx.post(service.url, content=body, headers=not_sha256),
        httpx.post(service.url, content=tampered, headers=headers),
    ]

    assert [a.status_code for a in answers] == [401] * 4
    assert {a.json()["status"] for a in answers} == {"bad-signature"}
    assert service.recorded() == {}
    assert service.wake_ups == []


@pytest.mark.parametrize(
    ("body", "event"),
    [
        pytest.param(b'{"action": "opened",', "pull_request", id="truncated-json"),
        pytest.param(b"[1, 2]", "pull_request", id="json-array"),
        pytest.param(json.dumps(opened(1)).encode(), "", id="no-event-header"),
    ],
)
def test_malformed_deliveries_are_refused_with_400(
    service: Service, body: bytes, event: str
) -> None:
    answer = httpx.post(service.url, content=body, headers=signed(event, body, "d-bad"))

    assert (answer.status_code, answer.json()["status"]) == (400, "malformed")
    assert service.recorded() == {}


def test_events_gatehouse_does_not_handle_are_answered_200_and_not_recorded(
    service: Service,
) -> None:
    body = json.dumps({"action": "created", "repository": {"full_name": REPO}}).encode()
    answer = httpx.post(service.url, content=body, headers=signed("star", body, "d-star"))

    assert (answer.status_code, answer.json()["status"]) == (200, "ignored")
    assert service.recorded() == {}


def test_a_body_declared_over_25_mib_is_refused_with_413_before_it_is_read(
    service: Service,
) -> None:
    host, port = service.url.removeprefix("http://").removesuffix("/webhook").split(":")
    head = (
        f"POST /webhook HTTP/1.1\r\nHost: {host}\r\nX-GitHub-Event: pull_request\r\n"
        f"Content-Length: {MAX_BODY_BYTES + 1}\r\n\r\n"
    )
    with socket.create_connection((host, int(port)), timeout=10) as client:
        client.sendall(head.encode())  # and not one byte of the body
        answer = client.recv(4096)

    assert answer.startswith(b"HTTP/1.1 413 ")
    assert service.recorded() == {}


def test_a_streamed_body_is_refused_with_413_once_it_passes_25_mib() -> None:
    writer = cast(DeliveryWriter, _NeverWriter())
    endpoint = WebhookEndpoint(SECRET.encode(), writer, lambda: None, Metrics())
    chunk = b"x" * (1024 * 1024)
    sent: list[Message] = []
    received = 0

    async def receive() -> Message:
        nonlocal received
        received += 1
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/webhook", "headers": []}
    asyncio.run(endpoint(scope, receive, send))

    assert sent[0]["status"] == 413
    assert received == MAX_BODY_BYTES // len(chunk) + 1, "it stops reading at the limit"


def test_when_the_database_refuses_the_delivery_it_is_answered_503_and_a_retry_is_recorded(
    service: Service,
) -> None:
    body = json.dumps(opened(5)).encode()
    headers = signed("pull_request", body, "d-retry")
    with _table_renamed(service.gatehouse.db):
        refused = httpx.post(service.url, content=body, headers=headers)
    retried = httpx.post(service.url, content=body, headers=headers)

    assert (refused.status_code, refused.json()["status"]) == (503, "not-recorded")
    assert (retried.status_code, retried.json()["status"]) == (202, "accepted")
    assert service.recorded() == {"d-retry": 1}


def test_other_methods_are_answered_405(service: Service) -> None:
    assert httpx.get(service.url).status_code == 405


def test_answers_are_counted_by_event_and_outcome(service: Service) -> None:
    deliveries = [(f"delivery-{n}", opened(n)) for n in range(5)] + [("delivery-0", opened(0))]
    asyncio.run(deliver_together(service.url, deliveries))
    httpx.post(service.url, content=b"{}", headers={"X-GitHub-Event": "pull_request"})

    metrics = httpx.get(service.url.removesuffix("/webhook") + "/metrics").text
    assert 'gatehouse_deliveries_total{event="pull_request",outcome="accepted"} 5.0' in metrics
    assert 'gatehouse_deliveries_total{event="pull_request",outcome="duplicate"} 1.0' in metrics
    assert 'gatehouse_deliveries_total{event="pull_request",outcome="bad-signature"} 1.0' in metrics


class _NeverWriter:
    async def record(self, delivery: NewDelivery) -> bool:
        raise AssertionError("nothing should be recorded")


@contextmanager
def _database_busy(db: Database, seconds: float) -> Iterator[None]:
    """Another connection holds the deliveries table's write lock for the first ``seconds``
    of the ``with`` block, so every commit in it has to wait."""
    held, done = threading.Event(), threading.Event()

    def hold() -> None:
        with db.engine.begin() as connection:  # on SQLite: BEGIN IMMEDIATE
            if db.is_postgresql:
                connection.execute(text("LOCK TABLE deliveries IN SHARE MODE"))
            held.set()
            done.wait(seconds)

    holder = threading.Thread(target=hold)
    holder.start()
    assert held.wait(10)
    try:
        yield
    finally:
        done.set()
        holder.join(10)


@contextmanager
def _table_renamed(db: Database) -> Iterator[None]:
    """The deliveries table is away for the ``with`` block: every insert fails."""
    with db.engine.begin() as connection:
        connection.execute(text("ALTER TABLE deliveries RENAME TO deliveries_away"))
    try:
        yield
    finally:
        with db.engine.begin() as connection:
            connection.execute(text("ALTER TABLE deliveries_away RENAME TO deliveries"))


def test_a_delivery_id_too_long_to_store_is_refused_and_spoils_no_other_delivery(
    service: Service,
) -> None:
    deliveries = [("x" * 129, opened(1)), ("delivery-fine", opened(2))]
    answers = asyncio.run(deliver_together(service.url, deliveries))

    assert [a.status_code for a in answers] == [400, 202]
    assert service.recorded() == {"delivery-fine": 1}
