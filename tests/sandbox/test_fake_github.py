"""The fake GitHub, driven by PyGithub over real HTTP: authentication, pagination,
conditional requests, rate limits, injected faults, and refusing what GitHub refuses."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from github import (
    Auth,
    BadCredentialsException,
    Github,
    GithubException,
    GithubRetry,
    UnknownObjectException,
)

from app.sandbox.clock import ManualClock
from app.sandbox.fake_github import FileChange, GitHubState, create_app, routes, shared_contract
from tests.sandbox.github_site import APP_ID, REPO, UNTHROTTLED, KeyPair, Site, open_site


@pytest.fixture(scope="module")
def keys() -> KeyPair:
    return KeyPair.generate()


@pytest.fixture
def site(keys: KeyPair) -> Iterator[Site]:
    with open_site(keys) as opened:
        yield opened
        opened.finish()


def test_the_app_jwt_is_accepted_and_yields_an_hour_long_installation_token(site: Site) -> None:
    integration = site.integration()
    assert integration.get_app().slug == "gatehouse"
    assert integration.get_repo_installation("acme", "web").id == 1
    with site.http() as http:
        answer = http.post(
            "/app/installations/1/access_tokens",
            headers={"Authorization": f"Bearer {site.keys.jwt()}"},
            json={"permissions": {}},
        )
    assert answer.status_code == 201
    token = answer.json()
    assert token["token"].startswith("ghs_")
    assert token["expires_at"].endswith("Z")
    expires = datetime.fromisoformat(token["expires_at"].replace("Z", "+00:00"))
    assert timedelta(minutes=59) < expires - datetime.now(UTC) <= timedelta(hours=1)


@pytest.mark.parametrize(
    ("claims", "message"),
    [
        pytest.param({"exp": -60, "iat": -700}, "'Expiration time' claim", id="expired"),
        pytest.param({"exp": 900}, "too far in the future", id="expires-beyond-ten-minutes"),
        pytest.param({"iat": 120, "exp": 400}, "'Issued at' claim", id="issued-in-the-future"),
        pytest.param({"iss": 999}, "could not be decoded", id="unknown-app"),
    ],
)
def test_an_app_jwt_github_would_refuse_is_refused(
    site: Site, claims: dict[str, int], message: str
) -> None:
    token = site.keys.jwt(**claims)
    with site.http() as http:
        answer = http.get("/app", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 401
    assert message in answer.json()["message"]
    site.claim("GET /app: 401")


def test_a_jwt_signed_with_another_key_is_refused(site: Site) -> None:
    stranger = KeyPair.generate()
    with site.http() as http:
        answer = http.get("/app", headers={"Authorization": f"Bearer {stranger.jwt()}"})
    assert (answer.status_code, answer.json()["message"]) == (
        401,
        "A JSON web token could not be decoded",
    )
    site.claim("GET /app: 401")


def test_the_issuer_may_be_a_number_or_a_string(site: Site) -> None:
    with site.http() as http:
        for issuer in (APP_ID, str(APP_ID)):
            answer = http.get(
                "/app", headers={"Authorization": f"Bearer {site.keys.jwt(iss=issuer)}"}
            )
            assert answer.status_code == 200


def test_app_endpoints_refuse_installation_tokens_and_the_rest_refuse_jwts(site: Site) -> None:
    with site.http() as http:
        assert http.get("/app").status_code == 401
        jwt_auth = {"Authorization": f"Bearer {site.keys.jwt()}"}
        assert http.get(f"/repos/{REPO}/pulls/1", headers=jwt_auth).status_code == 401
    site.claim("GET /app: 401")
    site.claim("GET /repos/{owner}/{repo}/pulls/{pull_number}: 401 Bad credentials")


def test_an_expired_installation_token_is_refused(site: Site) -> None:
    token = Auth.Token(site.state.issue_token())
    client = Github(base_url=site.url, auth=token, retry=None, lazy=True, **UNTHROTTLED)
    pull = client.get_repo(REPO).get_pull(1)
    assert pull.title == "Add CI"
    site.state.expire_tokens()
    with pytest.raises(BadCredentialsException):
        _ = client.get_repo(REPO).get_pull(1).title
    site.claim("401 Bad credentials")


@pytest.mark.parametrize(
    ("offset", "wall_clock_jwt"),
    [
        pytest.param(timedelta(days=-5 * 365), "'Issued at' claim", id="fake-clock-behind"),
        pytest.param(timedelta(days=5 * 365), "'Expiration time' claim", id="fake-clock-ahead"),
    ],
)
def test_jwts_and_tokens_are_checked_on_the_fakes_own_clock(
    keys: KeyPair, offset: timedelta, wall_clock_jwt: str
) -> None:
    clock = ManualClock(datetime.now(UTC) + offset)
    pull = f"/repos/{REPO}/pulls/1"
    with open_site(keys, clock=clock.now) as site, site.http() as http:
        on_the_clock = {"Authorization": f"Bearer {keys.jwt(now=clock.now())}"}
        assert http.get("/app", headers=on_the_clock).status_code == 200
        on_the_wall = http.get("/app", headers={"Authorization": f"Bearer {keys.jwt()}"})
        assert on_the_wall.status_code == 401
        assert wall_clock_jwt in on_the_wall.json()["message"]
        assert http.get(pull).status_code == 200
        clock.advance(minutes=59)
        assert http.get(pull).status_code == 200
        clock.advance(minutes=1)
        assert http.get(pull).status_code == 401, "an installation token lives one hour"
        site.claim("GET /app: 401")
        site.claim("GET /repos/{owner}/{repo}/pulls/{pull_number}: 401 Bad credentials")
        site.finish()


def test_a_token_reaches_only_its_installations_repositories(site: Site) -> None:
    site.state.open_pull("other/tools", "alice", "Tidy", [FileChange("x.py")])
    with pytest.raises(UnknownObjectException):
        _ = site.client().get_repo("other/tools").get_pull(1).title
    site.claim("GET /repos/{owner}/{repo}/pulls/{pull_number}: 404")


def many_files(count: int) -> list[FileChange]:
    return [
        FileChange(f"src/module_{n:04d}.py", "added", "@@ -0,0 +1 @@\n+x = 1") for n in range(count)
    ]


def test_pull_request_files_come_in_pages_with_githubs_link_header(site: Site) -> None:
    pull = site.state.open_pull(REPO, "alice", "Big", many_files(250))
    files = list(site.client(per_page=100).get_repo(REPO).get_pull(pull.number).get_files())
    assert len(files) == 250
    assert site.state.calls("pulls/list-files") == 3
    base = f"{site.url}/repos/{REPO}/pulls/{pull.number}/files?per_page=100&page="
    with site.http() as http:
        first = http.get(f"/repos/{REPO}/pulls/{pull.number}/files", params={"per_page": 100})
        middle = http.get(first.links["next"]["url"])
        last = http.get(middle.links["next"]["url"])
    assert first.headers["link"] == f'<{base}2>; rel="next", <{base}3>; rel="last"'
    assert middle.headers["link"] == (
        f'<{base}1>; rel="prev", <{base}3>; rel="next", <{base}3>; rel="last", '
        f'<{base}1>; rel="first"'
    )
    assert set(last.links) == {"prev", "first"}
    assert len(last.json()) == 50


def test_per_page_is_capped_at_one_hundred(site: Site) -> None:
    pull = site.state.open_pull(REPO, "alice", "Big", many_files(150))
    with site.http() as http:
        answer = http.get(f"/repos/{REPO}/pulls/{pull.number}/files", params={"per_page": 500})
    assert len(answer.json()) == 100


def test_the_file_list_stops_at_three_thousand_files(site: Site) -> None:
    pull = site.state.open_pull(REPO, "alice", "Huge", many_files(3100))
    remote = site.client(per_page=100).get_repo(REPO).get_pull(pull.number)
    assert remote.changed_files == 3100
    assert len(list(remote.get_files())) == 3000
    assert site.state.calls("pulls/list-files") == 30


def test_an_unchanged_resource_answers_304_without_spending_the_rate_limit(site: Site) -> None:
    with site.http() as http:
        first = http.get(f"/repos/{REPO}/pulls/1")
        again = http.get(f"/repos/{REPO}/pulls/1", headers={"If-None-Match": first.headers["etag"]})
        assert (again.status_code, again.content) == (304, b"")
        assert again.headers["x-ratelimit-remaining"] == first.headers["x-ratelimit-remaining"]
        site.state.push(REPO, 1, [FileChange("docs/new.md", "added", "@@ -0,0 +1 @@\n+hi")])
        changed = http.get(
            f"/repos/{REPO}/pulls/1", headers={"If-None-Match": first.headers["etag"]}
        )
    assert changed.status_code == 200
    assert changed.headers["etag"] != first.headers["etag"]


def test_pygithub_conditional_updates_see_304_until_the_pull_request_changes(site: Site) -> None:
    pull = site.client().get_repo(REPO).get_pull(1)
    assert pull.title == "Add CI"
    assert pull.update() is False
    site.state.edit_pull(REPO, 1, title="Add CI pipeline")
    assert pull.update() is True
    assert pull.title == "Add CI pipeline"


def test_every_answer_carries_the_rate_limit_and_counts_it_down(site: Site) -> None:
    with site.http() as http:
        first = http.get(f"/repos/{REPO}/pulls/1")
        second = http.get(f"/repos/{REPO}/pulls/1/files")
        status = http.get("/rate_limit")
    assert first.headers["x-ratelimit-limit"] == "5000"
    assert first.headers["x-ratelimit-resource"] == "core"
    assert int(first.headers["x-ratelimit-remaining"]) - 1 == int(
        second.headers["x-ratelimit-remaining"]
    )
    assert second.headers["x-ratelimit-used"] == "2"
    assert status.json()["resources"]["core"]["remaining"] == 4998
    assert status.headers["x-ratelimit-remaining"] == "4998"


def test_an_exhausted_budget_is_refused_with_githubs_primary_limit_answer(site: Site) -> None:
    token = site.state.issue_token()
    site.state.rate_used[token] = 5000
    with site.http(token) as http:
        answer = http.get(f"/repos/{REPO}/pulls/1")
    assert answer.status_code == 403
    assert answer.json()["message"] == "API rate limit exceeded for installation ID 1."
    assert answer.headers["x-ratelimit-remaining"] == "0"


@pytest.mark.parametrize("status", [403, 429])
def test_an_injected_rate_limit_answers_once_with_retry_after(site: Site, status: int) -> None:
    site.state.fail_next("pulls/get", status, retry_after=7)
    repo = site.client().get_repo(REPO)
    with pytest.raises(GithubException) as raised:
        _ = repo.get_pull(1).title
    assert raised.value.status == status
    assert raised.value.headers is not None
    assert raised.value.headers["retry-after"] == "7"
    assert "secondary rate limit" in raised.value.data["message"]
    assert "documentation_url" in raised.value.data
    assert repo.get_pull(1).title == "Add CI"


def test_an_injected_fault_can_repeat_and_carry_a_message(site: Site) -> None:
    site.state.fail_next("issues/create-comment", 502, times=2, message="Server Error")
    pull = site.client().get_repo(REPO).get_pull(1)
    for _ in range(2):
        with pytest.raises(GithubException) as raised:
            pull.create_issue_comment("hello")
        assert (raised.value.status, raised.value.data["message"]) == (502, "Server Error")
    assert pull.create_issue_comment("hello").body == "hello"


def test_pygithub_waits_out_a_secondary_rate_limit_and_succeeds(site: Site) -> None:
    site.state.fail_next("checks/create", 403, retry_after=1)
    client = site.client(retry=GithubRetry(total=3))
    pull = client.get_repo(REPO).get_pull(1)
    run = client.get_repo(REPO).create_check_run("gatehouse", pull.head.sha, status="queued")
    assert run.status == "queued"
    assert site.state.calls("checks/create") == 2


def test_an_operation_outside_the_description_is_not_found(site: Site) -> None:
    with pytest.raises(UnknownObjectException):
        site.client(lazy=False).get_repo(REPO)
    site.claim("GET /repos/acme/web")


def test_a_malformed_request_is_refused_with_422_and_recorded(site: Site) -> None:
    if shared_contract() is None:
        pytest.skip("GitHub's API description is absent: the shape of requests is unchecked")
    with site.http() as http:
        answer = http.get(f"/repos/{REPO}/pulls/1/files", params={"sort": "size"})
    assert answer.status_code == 422
    assert answer.json()["message"] == "Invalid request."
    (violation,) = site.claim("query parameter 'sort' is not documented")
    assert answer.json()["errors"] == [{"code": "invalid", "message": violation}]


def test_pygithubs_own_requests_raise_no_violation(site: Site) -> None:
    client = site.client()
    repo = client.get_repo(REPO)
    pull = repo.get_pull(1)
    list(pull.get_files())
    list(pull.get_reviews())
    list(pull.get_commits())
    pull.get_review_requests()
    comment = pull.create_issue_comment("Checking")
    comment.edit("Checked")
    comment.create_reaction("+1")
    list(pull.get_issue_comments())
    repo.get_contents(".github/gatehouse.yml")
    repo.get_collaborator_permission("bob")
    client.get_rate_limit()
    assert site.state.violations == []
    assert site.state.calls() >= 12


def test_requests_are_recorded_for_assertions(site: Site) -> None:
    site.client().get_repo(REPO).get_pull(1).create_issue_comment("noted")
    recorded = [r for r in site.state.requests if r.operation_id == "issues/create-comment"]
    assert [(r.method, r.path, r.status, r.body_json) for r in recorded] == [
        ("POST", f"/repos/{REPO}/issues/1/comments", 201, {"body": "noted"})
    ]
    site.state.reset_calls()
    assert site.state.calls() == 0


def test_without_the_description_the_fake_checks_nothing_and_says_so_once(
    keys: KeyPair, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(routes, "shared_file", lambda *parts: None)
    routes.shared_contract.cache_clear()
    try:
        with caplog.at_level(logging.WARNING, logger=routes.__name__):
            create_app(GitHubState())
            create_app(GitHubState())
        assert [r.getMessage() for r in caplog.records].count(
            "GitHub's API description is absent: the fake GitHub checks no request"
        ) == 1
        with open_site(keys) as unchecked:
            with unchecked.http() as http:
                answer = http.get(f"/repos/{REPO}/pulls/1/files", params={"sort": "size"})
            assert answer.status_code == 200
            assert unchecked.state.violations == []
    finally:
        routes.shared_contract.cache_clear()
