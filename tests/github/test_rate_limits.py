"""Rate limits over the wire: gatehouse's GitHub client against the fake GitHub with its
primary budget and secondary limit switched on, on one hand-driven clock that the fake
reads and the client sleeps on."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.github.app import GitHubApp
from app.github.client import InstallationClient
from app.github.transport import CallStats, GitHubThrottled
from app.sandbox.clock import ManualClock
from app.sandbox.fake_github import FileChange, RecordedRequest, SecondaryLimit
from tests.sandbox.github_site import APP_ID, REPO, KeyPair, Site, open_site

TOKEN_OPERATION = "apps/create-installation-access-token"


class SimulatedTime:
    """One clock for the fake and the client; sleeping moves it instead of waiting."""

    def __init__(self) -> None:
        self.clock = ManualClock()

    def epoch(self) -> float:
        return self.clock.now().timestamp()

    def sleep(self, seconds: float) -> None:
        self.clock.advance(seconds=seconds)


@pytest.fixture(scope="module")
def keys() -> KeyPair:
    return KeyPair.generate()


@pytest.fixture
def sim() -> SimulatedTime:
    return SimulatedTime()


@pytest.fixture
def site(keys: KeyPair, sim: SimulatedTime) -> Iterator[Site]:
    with open_site(keys, clock=sim.clock.now) as opened:
        yield opened
        opened.finish()


def connect(site: Site, sim: SimulatedTime) -> tuple[GitHubApp, InstallationClient]:
    """Gatehouse's App client for installation 1, its token already fetched."""
    github = GitHubApp(
        site.url, APP_ID, site.keys.private_pem, CallStats(), sleep=sim.sleep, clock=sim.epoch
    )
    client = github.installation(1)
    client.get_pull(REPO, 1)
    return github, client


def check_body(head_sha: str, index: int) -> dict[str, Any]:
    return {"name": f"check {index}", "head_sha": head_sha, "status": "completed",
            "conclusion": "success", "output": {"title": "ok", "summary": "ok"}}  # fmt: skip


def installation_requests(site: Site) -> list[RecordedRequest]:
    return [r for r in site.state.requests if r.operation_id != TOKEN_OPERATION]


def burst(client: InstallationClient, head_sha: str, index: int) -> GitHubThrottled | None:
    """Write number ``index`` of a burst: two check runs, then a comment, and again."""
    try:
        if index % 3 == 2:
            client.create_comment(REPO, 1, f"note {index}")
        else:
            client.create_check_run(REPO, check_body(head_sha, index))
    except GitHubThrottled as throttled:
        assert index % 3 == 2, "check runs are never handed back here"
        return throttled
    return None


def test_a_burst_creates_every_check_run_and_sends_nothing_while_paused(
    site: Site, sim: SimulatedTime
) -> None:
    site.state.secondary_limit = SecondaryLimit(writes=20, window_seconds=10)
    _, client = connect(site, sim)
    head = site.state.pull(REPO, 1).head_sha
    started = sim.epoch()

    outcomes = [burst(client, head, index) for index in range(45)]

    assert len(site.state.check_runs(REPO, head)) == 30
    throttled = [outcome for outcome in outcomes if outcome is not None]
    assert [t.until for t in throttled] == [started + 10], "only the comment that met the 403"
    assert len(site.state.comments(REPO, 1)) == 15 - len(throttled)
    requests = installation_requests(site)
    [refused] = [index for index, r in enumerate(requests) if r.status == 403]
    paused_from = requests[refused].at
    assert all(r.at >= paused_from + timedelta(seconds=10) for r in requests[refused + 1 :])
    assert max(_writes_per_second(requests[refused + 1 :]).values()) <= 2, "cooled down"
    stats = client.t.stats.throttled
    assert stats[("issues/create-comment", "refused")] == 1
    assert stats[("checks/create", "waited")] >= 1


def test_a_concurrent_burst_creates_every_check_run(site: Site, sim: SimulatedTime) -> None:
    site.state.secondary_limit = SecondaryLimit(writes=20, window_seconds=10)
    _, client = connect(site, sim)
    head = site.state.pull(REPO, 1).head_sha

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(lambda index: burst(client, head, index), range(45)))

    assert len(site.state.check_runs(REPO, head)) == 30
    throttled = [outcome for outcome in outcomes if outcome is not None]
    assert len(site.state.comments(REPO, 1)) + len(throttled) == 15
    assert any(r.status == 403 for r in site.state.requests), "the fake's limit was met"


def test_the_fake_refuses_writes_beyond_its_secondary_limit_when_pacing_is_ignored(
    site: Site, sim: SimulatedTime
) -> None:
    site.state.secondary_limit = SecondaryLimit(writes=3, window_seconds=60)
    other = site.state.open_pull("other/tools", "alice", "Other", [FileChange("a", "added", "")])
    comments = f"/repos/{REPO}/issues/1/comments"
    with site.http() as http, site.http(site.state.issue_token(2)) as elsewhere:
        answers = [http.post(comments, json={"body": f"c{i}"}) for i in range(4)]
        read = http.get(f"/repos/{REPO}/pulls/1")
        other_installation = elsewhere.post(
            f"/repos/other/tools/issues/{other.number}/comments", json={"body": "hi"}
        )
        sim.sleep(59)
        still = http.post(comments, json={"body": "too early"})
        sim.sleep(1)
        later = http.post(comments, json={"body": "later"})
    assert [a.status_code for a in answers] == [201, 201, 201, 403]
    refused = answers[3]
    assert refused.json()["message"].startswith("You have exceeded a secondary rate limit")
    assert refused.json()["documentation_url"].startswith("https://docs.github.com/")
    assert refused.headers["retry-after"] == "60"
    assert (read.status_code, other_installation.status_code) == (200, 201)
    assert (still.status_code, still.headers["retry-after"]) == (403, "1")
    assert later.status_code == 201


def test_the_fakes_primary_budget_is_configurable_and_starts_again_at_its_reset(
    site: Site, sim: SimulatedTime
) -> None:
    site.state.rate_limit = 3
    started = int(sim.epoch())
    token = site.state.new_token(1)
    token.expires_at += timedelta(hours=1)  # outlives its first budget window
    with site.http(token.value) as http:
        answers = [http.get(f"/repos/{REPO}/pulls/1") for _ in range(4)]
        sim.sleep(3600)
        renewed = http.get(f"/repos/{REPO}/pulls/1")
    remaining = [a.headers["x-ratelimit-remaining"] for a in answers]
    assert [a.status_code for a in answers] == [200, 200, 200, 403]
    assert remaining == ["2", "1", "0", "0"]
    assert answers[0].headers["x-ratelimit-limit"] == "3"
    assert answers[3].json()["message"] == "API rate limit exceeded for installation ID 1."
    assert {a.headers["x-ratelimit-reset"] for a in answers} == {str(started + 3600)}
    assert (renewed.status_code, renewed.headers["x-ratelimit-remaining"]) == (200, "2")


def test_the_reserve_holds_catch_up_reads_back_until_the_reset(
    site: Site, sim: SimulatedTime
) -> None:
    site.state.rate_limit = 100
    github, client = connect(site, sim)  # one read spent
    for _ in range(49):
        client.get_pull(REPO, 1)
    assert github.rate_limit_remaining(1) == 50
    sent = len(site.state.requests)
    with pytest.raises(GitHubThrottled) as held:
        client.list_comments(REPO, 1)
    assert held.value.reason == "reserve"
    assert held.value.until == _token_reset(site)
    assert len(site.state.requests) == sent, "nothing was sent"
    client.get_pull(REPO, 1)  # checks may spend the reserve
    sim.sleep(held.value.until - sim.epoch())
    assert client.list_comments(REPO, 1) == []
    assert github.rate_limit_remaining(1) == 99


def test_a_primary_limit_answer_holds_every_call_until_the_reset(
    site: Site, sim: SimulatedTime
) -> None:
    _, client = connect(site, sim)
    site.state.rate_limit = 1
    [bucket] = [name for name in site.state.rate_reset if name.startswith("ghs_")]
    site.state.rate_reset[bucket] = int(sim.epoch()) + 20  # the window ends in 20 s
    with pytest.raises(GitHubThrottled) as held:
        client.list_comments(REPO, 1)
    assert (held.value.reason, held.value.until) == ("primary", _token_reset(site))
    refused_at = len(site.state.requests)
    assert site.state.requests[-1].status == 403
    assert client.get_pull(REPO, 1)["number"] == 1, "a check waits 20 s for the reset"
    assert len(site.state.requests) == refused_at + 1
    assert site.state.requests[-1].at >= datetime.fromtimestamp(held.value.until, UTC)


def _token_reset(site: Site) -> float:
    """The reset of the installation token's budget (the App's JWT has its own)."""
    [reset] = [at for bucket, at in site.state.rate_reset.items() if bucket.startswith("ghs_")]
    return float(reset)


def _writes_per_second(requests: list[RecordedRequest]) -> Counter[datetime]:
    return Counter(r.at for r in requests if r.method in ("POST", "PATCH", "PUT", "DELETE"))
