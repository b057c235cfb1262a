"""The fake GitHub's sign-in and set-up side, over real HTTP: an App's OAuth web flow, the
signed-in user, organisation membership, and registering an App from a manifest. Every
REST answer is held to GitHub's description; the pages a browser sees are not REST."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest

from app.sandbox.clock import ManualClock
from tests.sandbox.browser import submit as submit_form
from tests.sandbox.browser import the_form
from tests.sandbox.github_site import APP_ID, KeyPair, Site, open_site

CALLBACK = "https://gatehouse.example.com/auth/callback"
JSON = {"Accept": "application/json"}


@pytest.fixture(scope="module")
def keys() -> KeyPair:
    return KeyPair.generate()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def site(keys: KeyPair, clock: ManualClock) -> Iterator[Site]:
    with open_site(keys, clock=clock.now) as opened:
        opened.state.apps[APP_ID].callback_urls = [CALLBACK]
        yield opened
        opened.finish()


def authorize_page(site: Site, **params: str) -> httpx.Response:
    query = {"client_id": site.state.apps[APP_ID].client_id, "state": "s-123", **params}
    return httpx.get(f"{site.url}/login/oauth/authorize", params=query, timeout=10.0)


def sign_in(site: Site, login: str, redirect_uri: str = CALLBACK) -> dict[str, list[str]]:
    """Authorise as ``login``; the query the browser brings back to the redirect."""
    answer = submit_form(authorize_page(site, redirect_uri=redirect_uri), {"login": login})
    assert answer.status_code == 302, answer.text
    location = urlsplit(answer.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == redirect_uri
    return parse_qs(location.query)


def exchange(
    site: Site, code: str, headers: dict[str, str] | None = None, **fields: str
) -> httpx.Response:
    app = site.state.apps[APP_ID]
    body = {"client_id": app.client_id, "client_secret": app.client_secret, "code": code}
    return httpx.post(
        f"{site.url}/login/oauth/access_token",
        data={**body, **fields},
        headers=JSON if headers is None else headers,
        timeout=10.0,
    )


def get(site: Site, path: str, token: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.get(f"{site.url}{path}", headers=headers, timeout=10.0)


def test_the_authorize_page_asks_who_signs_in_and_carries_the_request(site: Site) -> None:
    page = authorize_page(site, redirect_uri=CALLBACK)
    assert page.status_code == 200
    assert "Sign in as" in page.text
    form = the_form(page)
    assert form.buttons == ["Authorize"]
    assert "login" in form.fields
    assert form.fields["redirect_uri"] == CALLBACK
    assert form.fields["state"] == "s-123"
    assert form.fields["client_id"] == site.state.apps[APP_ID].client_id


def test_the_web_flow_signs_a_person_in_and_get_user_names_them(site: Site) -> None:
    back = sign_in(site, "alice")
    assert back["state"] == ["s-123"], "the state comes back unchanged"
    answer = exchange(site, back["code"][0])
    assert answer.status_code == 200
    token = answer.json()
    assert token["access_token"].startswith("ghu_")
    assert (token["token_type"], token["scope"]) == ("bearer", "")
    me = get(site, "/user", token["access_token"])
    assert me.status_code == 200
    assert (me.json()["login"], me.json()["type"]) == ("alice", "User")
    assert me.json()["html_url"].endswith("/alice")


def test_without_accept_json_the_token_comes_form_encoded(site: Site) -> None:
    answer = exchange(site, sign_in(site, "alice")["code"][0], headers={})
    assert answer.headers["content-type"].startswith("application/x-www-form-urlencoded")
    fields = parse_qs(answer.text, keep_blank_values=True)
    assert fields["access_token"][0].startswith("ghu_")
    assert (fields["token_type"], fields["scope"]) == (["bearer"], [""])


def refusal(answer: httpx.Response) -> str:
    assert answer.status_code == 200, "GitHub refuses an exchange with 200 and an error"
    body: dict[str, Any] = answer.json()
    assert "access_token" not in body
    assert body["error_description"] and body["error_uri"].startswith("https://docs.github.com/")
    return str(body["error"])


def test_the_exchange_takes_a_json_body_too(site: Site) -> None:
    app = site.state.apps[APP_ID]
    code = sign_in(site, "alice")["code"][0]
    body = {"client_id": app.client_id, "client_secret": app.client_secret, "code": code}
    answer = httpx.post(f"{site.url}/login/oauth/access_token", json=body, headers=JSON)
    assert answer.json()["access_token"].startswith("ghu_")


def test_a_code_works_once(site: Site) -> None:
    code = sign_in(site, "alice")["code"][0]
    assert exchange(site, code).json()["access_token"]
    assert refusal(exchange(site, code)) == "bad_verification_code"


def test_a_code_expires_after_ten_minutes(site: Site, clock: ManualClock) -> None:
    code = sign_in(site, "alice")["code"][0]
    clock.advance(minutes=10)
    assert refusal(exchange(site, code)) == "bad_verification_code"


def test_a_wrong_client_secret_is_refused_and_spares_the_code(site: Site) -> None:
    code = sign_in(site, "alice")["code"][0]
    wrong = exchange(site, code, client_secret="0" * 40)
    assert refusal(wrong) == "incorrect_client_credentials"
    assert exchange(site, code).json()["access_token"].startswith("ghu_")


def test_a_made_up_code_is_refused(site: Site) -> None:
    assert refusal(exchange(site, "not-a-code")) == "bad_verification_code"


def test_the_exchange_must_name_the_redirect_the_code_went_to(site: Site) -> None:
    code = sign_in(site, "alice")["code"][0]
    answer = exchange(site, code, redirect_uri=CALLBACK + "/elsewhere")
    assert refusal(answer) == "redirect_uri_mismatch"


def test_an_unknown_login_gets_the_form_again_with_an_error(site: Site) -> None:
    answer = submit_form(authorize_page(site, redirect_uri=CALLBACK), {"login": "nobody-here"})
    assert answer.status_code == 200
    assert "nobody-here" in answer.text
    assert the_form(answer).buttons == ["Authorize"]


@pytest.mark.parametrize(
    ("redirect_uri", "status"),
    [
        pytest.param(CALLBACK, 200, id="the-callback-itself"),
        pytest.param(CALLBACK + "/deeper?next=%2Fqueue", 200, id="below-the-callback"),
        pytest.param("https://gatehouse.example.com/auth/callbackx", 400, id="a-sibling-path"),
        pytest.param("https://gatehouse.example.com/auth/callback/../x", 400, id="dot-dot"),
        pytest.param("https://evil.example.com/auth/callback", 400, id="another-host"),
        pytest.param("https://gatehouse.example.com:8443/auth/callback", 400, id="another-port"),
        pytest.param("http://gatehouse.example.com/auth/callback", 400, id="another-scheme"),
    ],
)
def test_the_redirect_must_lie_under_a_registered_callback(
    site: Site, redirect_uri: str, status: int
) -> None:
    assert authorize_page(site, redirect_uri=redirect_uri).status_code == status


def test_an_unknown_client_id_is_not_found(site: Site) -> None:
    assert authorize_page(site, client_id="Iv23li0000000000000000").status_code == 404


def test_an_app_without_callback_urls_accepts_any_redirect(site: Site) -> None:
    site.state.apps[APP_ID].callback_urls = []
    assert sign_in(site, "bob", "http://127.0.0.1:9999/back")["code"]


def test_installation_tokens_and_no_token_are_refused_on_get_user(site: Site) -> None:
    refused = get(site, "/user", site.state.issue_token())
    assert refused.status_code == 403
    assert refused.json()["message"] == "Resource not accessible by integration"
    assert get(site, "/user", None).status_code == 401
    assert get(site, "/user", "ghu_" + "x" * 36).status_code == 401
    site.claim("GET /user: 403")
    site.claim("GET /user: 401")


def test_a_user_token_does_not_reach_repository_endpoints(site: Site) -> None:
    token = site.state.issue_user_token("alice")
    assert get(site, "/repos/acme/web/pulls/1", token).status_code == 403
    site.claim("GET /repos/{owner}/{repo}/pulls/{pull_number}: 403")


@pytest.mark.parametrize(
    ("login", "member_status", "membership_status"),
    [
        pytest.param("bob", 204, 200, id="member"),
        pytest.param("erin", 404, 404, id="not-a-member"),
        pytest.param("nobody-at-all", 404, 404, id="unknown-user"),
    ],
)
def test_an_installation_reads_its_organisations_membership(
    site: Site, login: str, member_status: int, membership_status: int
) -> None:
    site.state.add_org_member("acme", "bob")
    token = site.state.issue_token(1)
    assert get(site, f"/orgs/acme/members/{login}", token).status_code == member_status
    membership = get(site, f"/orgs/acme/memberships/{login}", token)
    assert membership.status_code == membership_status
    if membership_status == 200:
        body = membership.json()
        assert (body["state"], body["role"]) == ("active", "member")
        assert body["organization"]["login"] == "acme"
        assert body["user"]["login"] == login
        assert body["url"].endswith(f"/orgs/acme/memberships/{login}")
        assert body["organization_url"].endswith("/orgs/acme")


def test_an_owner_is_an_admin_member(site: Site) -> None:
    site.state.add_org_member("acme", "carol", role="admin")
    token = site.state.issue_token(1)
    assert get(site, "/orgs/acme/memberships/carol", token).json()["role"] == "admin"
    assert site.state.org_role("acme", "carol") == "admin"
    with pytest.raises(ValueError, match="role must be one of"):
        site.state.add_org_member("acme", "carol", role="owner")


def test_a_signed_in_member_reads_membership_and_an_outsider_does_not(site: Site) -> None:
    site.state.add_org_member("acme", "bob")
    member, outsider = site.state.issue_user_token("bob"), site.state.issue_user_token("erin")
    assert get(site, "/orgs/acme/members/bob", member).status_code == 204
    assert get(site, "/orgs/acme/memberships/bob", member).status_code == 200
    assert get(site, "/orgs/acme/members/bob", outsider).status_code == 404


def test_an_installation_on_another_account_reads_no_membership(site: Site) -> None:
    site.state.add_org_member("acme", "bob")
    assert get(site, "/orgs/acme/members/bob", site.state.issue_token(2)).status_code == 404
    site.claim("GET /orgs/{org}/members/{username}: 404")


def manifest(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": "gatehouse-staging",
        "url": "https://github.com/apps/gatehouse-staging",
        "hook_attributes": {"url": "https://gatehouse.example.com/webhook"},
        "redirect_url": "http://127.0.0.1:8765/callback",
        "callback_urls": [CALLBACK],
        "public": False,
        "request_oauth_on_install": False,
        "default_permissions": {"checks": "write", "members": "read"},
        "default_events": ["pull_request", "check_run"],
    }
    return {key: value for key, value in {**base, **changes}.items() if value is not None}


def post_manifest(
    site: Site, body: dict[str, Any], path: str = "/settings/apps/new"
) -> httpx.Response:
    return httpx.post(
        f"{site.url}{path}",
        params={"state": "m-456"},
        data={"manifest": json.dumps(body)},
        timeout=10.0,
    )


def register(site: Site, body: dict[str, Any], path: str = "/settings/apps/new") -> str:
    """Walk the manifest pages; the code the redirect brings back."""
    review = post_manifest(site, body, path)
    assert review.status_code == 200, review.text
    assert the_form(review).buttons == ["Create GitHub App"]
    created = submit_form(review)
    assert created.status_code == 302, created.text
    location = urlsplit(created.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == body["redirect_url"]
    back = parse_qs(location.query)
    assert back["state"] == ["m-456"]
    return back["code"][0]


def convert(site: Site, code: str) -> httpx.Response:
    return httpx.post(
        f"{site.url}/app-manifests/{code}/conversions",
        headers={"Accept": "application/vnd.github+json"},
        timeout=10.0,
    )


def test_a_manifest_registers_an_app_whose_key_the_fake_accepts(site: Site) -> None:
    review = post_manifest(site, manifest())
    assert "Create GitHub App gatehouse-staging for octocat" in review.text
    converted = convert(site, register(site, manifest()))
    assert converted.status_code == 201
    app = converted.json()
    assert app["slug"] == "gatehouse-staging"
    assert app["owner"]["login"] == "octocat"
    assert app["client_id"].startswith("Iv23li") and len(app["client_secret"]) == 40
    assert app["webhook_secret"] and app["pem"].startswith("-----BEGIN RSA PRIVATE KEY-----")
    assert app["permissions"] == {"checks": "write", "members": "read", "metadata": "read"}
    assert app["events"] == ["pull_request", "check_run"]
    registered = site.state.apps[app["id"]]
    assert registered.callback_urls == [CALLBACK]
    assert registered.client_secret == app["client_secret"]
    moment = int(site.state.now().timestamp())
    claims = {"iat": moment - 30, "exp": moment + 300, "iss": str(app["id"])}
    signed = jwt.encode(claims, app["pem"], algorithm="RS256")
    assert get(site, "/app", signed).json()["client_id"] == app["client_id"]


def test_a_conversion_code_works_once(site: Site) -> None:
    code = register(site, manifest())
    assert convert(site, code).status_code == 201
    assert convert(site, code).status_code == 404


def test_a_conversion_code_expires_after_an_hour(site: Site, clock: ManualClock) -> None:
    code = register(site, manifest())
    clock.advance(hours=1)
    assert convert(site, code).status_code == 404


def test_an_organisation_owner_registers_an_app_for_the_organisation(site: Site) -> None:
    site.state.add_org_member("acme", "octocat", role="admin")
    path = "/organizations/acme/settings/apps/new"
    assert "for acme" in post_manifest(site, manifest(), path).text
    app = convert(site, register(site, manifest(), path)).json()
    assert app["owner"]["login"] == "acme"


@pytest.mark.parametrize(
    "org",
    [
        pytest.param("no-such-org", id="unknown-organisation"),
        pytest.param("acme", id="organisation-not-owned"),
    ],
)
def test_an_organisation_app_needs_an_organisation_the_person_owns(site: Site, org: str) -> None:
    site.state.add_org_member("acme", "octocat")
    answer = post_manifest(site, manifest(), f"/organizations/{org}/settings/apps/new")
    assert answer.status_code == 404


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        pytest.param({"url": None}, "url is required", id="no-url"),
        pytest.param({"redirect_url": None}, "redirect_url is required", id="no-redirect-url"),
        pytest.param({"name": None}, "name is required", id="no-name"),
        pytest.param(
            {"hook_attributes": {"active": True}}, "hook_attributes.url", id="no-hook-url"
        ),
        pytest.param(
            {"default_permissions": {"checks": "everything"}}, "default_permissions", id="bad-level"
        ),
        pytest.param({"default_events": "pull_request"}, "default_events", id="events-not-a-list"),
        pytest.param({"webhook_url": "https://x.example"}, "unknown key", id="unknown-key"),
        pytest.param({"name": "gatehouse"}, "already been taken", id="name-taken"),
    ],
)
def test_a_manifest_github_would_refuse_is_refused(
    site: Site, changes: dict[str, Any], problem: str
) -> None:
    answer = post_manifest(site, manifest(**changes))
    assert answer.status_code == 422
    assert problem in answer.text
