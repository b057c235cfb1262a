"""The sandbox runs on one clock: the service and every fake read the time from it, so what
happens does not depend on the day the tests run."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.sandbox.clock import ManualClock
from app.sandbox.world import REPO, Sandbox
from tests.e2e.changes import WORKFLOW

ALAN = "alan-sherman"


@pytest.fixture(
    params=[
        pytest.param(datetime(2019, 6, 1, 17, 0, tzinfo=UTC), id="a Saturday in 2019"),
        pytest.param(datetime(2037, 12, 31, 23, 30, tzinfo=UTC), id="new year's eve 2037"),
    ]
)
def clock(request: pytest.FixtureRequest) -> ManualClock:
    return ManualClock(request.param)


def test_every_fake_takes_its_time_from_the_sandbox_clock(
    sandbox: Sandbox, clock: ManualClock
) -> None:
    opened = clock.now()
    number = sandbox.open_pull("Add deploy workflow", [WORKFLOW])
    merged = clock.advance(hours=2)  # the first installation token has expired by now
    sandbox.review(number, ALAN, "APPROVED")
    sandbox.merge(number)

    pull = sandbox.github.pull(REPO, number)
    assert (pull.created_at, pull.closed_at, pull.merged_at) == (opened, merged, merged)
    assert {request.at for request in sandbox.github.requests} == {opened, merged}
    assert sandbox.github.calls("apps/create-installation-access-token") == 2
    assert sandbox.github.comments(REPO, number)[0].created_at == opened
    [ticket] = sandbox.jira.issues()
    assert ticket.created == opened
    stamps = {float(message.ts) for message in sandbox.slack.messages()}
    moments = (opened.timestamp(), merged.timestamp())  # the ticket; the ask to verify
    assert stamps and all(min(abs(stamp - m) for m in moments) < 1 for stamp in stamps)
