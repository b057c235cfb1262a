"""The fake Jira answers over real HTTP as Jira Cloud does, and refuses what Jira refuses."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from app.sandbox.fake_jira import DEFAULT_API_TOKEN, DEFAULT_EMAIL, JiraState, create_jira_app
from app.sandbox.fake_jira.state import JIRA_DESCRIPTION
from app.sandbox.server import serving
from app.sandbox.shared_dir import shared_file

ALAN = "712020:alan-sherman"
OUTSIDER = "712020:someone-else"
ISSUE = "/rest/api/3/issue"
SEARCH_JQL = "/rest/api/3/search/jql"
SEARCH_LEGACY = "/rest/api/3/search"


def adf(text: str) -> dict[str, Any]:
    paragraph = {"type": "paragraph", "content": [{"type": "text", "text": text}]}
    return {"type": "doc", "version": 1, "content": [paragraph]}


def task(summary: str = "Nats: Automated Backup Solution", **fields: Any) -> dict[str, Any]:
    base = {"project": {"key": "LFXV2"}, "issuetype": {"name": "Task"}, "summary": summary}
    return {"fields": base | fields}


@dataclass
class Site:
    state: JiraState
    client: httpx.Client
    url: str

    def create(self, summary: str = "Nats: Automated Backup Solution", **fields: Any) -> str:
        answer = self.client.post(ISSUE, json=task(summary, **fields))
        assert answer.status_code == 201, answer.text
        return str(answer.json()["key"])


class FreshFake:
    """One server for the module, answering through whichever fake the current test built.

    Starting and stopping a server per test would dominate the file's run time.
    """

    def __init__(self) -> None:
        self.app: Any = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
        else:
            await self.app(scope, receive, send)


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[FreshFake, str]]:
    switch = FreshFake()
    with serving(switch) as running:
        yield switch, running.url


@pytest.fixture
def site(server: tuple[FreshFake, str]) -> Iterator[Site]:
    switch, url = server
    state = JiraState()
    state.add_project("LFXV2", name="LFX V2")
    state.add_project("OTHER")
    state.add_user(ALAN, "Alan Sherman", assignable_in=["LFXV2"])
    state.add_user(OUTSIDER, "Someone Else", assignable_in=["OTHER"])
    switch.app = create_jira_app(state)
    auth = (DEFAULT_EMAIL, DEFAULT_API_TOKEN)
    with httpx.Client(base_url=url, auth=auth, timeout=5) as client:
        yield Site(state, client, url)


@pytest.fixture
def checked_site(site: Site) -> Site:
    if site.state.contract is None:
        pytest.skip("Jira's OpenAPI description is not in the shared folder")
    return site


@pytest.mark.parametrize(
    "auth",
    [
        pytest.param(None, id="no-credentials"),
        pytest.param(httpx.BasicAuth(DEFAULT_EMAIL, "wrong-token"), id="wrong-api-token"),
        pytest.param(httpx.BasicAuth("intruder@example.com", DEFAULT_API_TOKEN), id="wrong-email"),
    ],
)
def test_requests_without_valid_credentials_are_refused_with_401(
    site: Site, auth: httpx.BasicAuth | None
) -> None:
    answer = httpx.post(site.url + ISSUE, json=task(), auth=auth)
    assert answer.status_code == 401
    assert answer.json()["errors"] == {} and answer.json()["errorMessages"]
    assert site.state.issues() == []


def test_bearer_token_is_not_jira_basic_auth(site: Site) -> None:
    answer = httpx.get(site.url + "/rest/api/3/myself", headers={"Authorization": "Bearer x"})
    assert answer.status_code == 401


def test_account_without_permission_gets_403_on_writes_but_can_read(site: Site) -> None:
    key = site.create()
    site.state.add_user(
        "712020:viewer", "Viewer", email="v@example.com", api_token="t", permitted=False
    )
    viewer = httpx.Client(base_url=site.url, auth=("v@example.com", "t"))
    assert viewer.post(ISSUE, json=task()).status_code == 403
    assert viewer.put(f"{ISSUE}/{key}/assignee", json={"accountId": ALAN}).status_code == 403
    assert viewer.post(f"{ISSUE}/{key}/comment", json={"body": adf("hi")}).status_code == 403
    assert viewer.get(f"{ISSUE}/{key}").status_code == 200
    assert viewer.get("/rest/api/3/myself").json()["accountId"] == "712020:viewer"


def test_created_issues_get_increasing_keys_and_self_links_to_the_fake(site: Site) -> None:
    first = site.client.post(ISSUE, json=task(description=adf("context"), labels=["pe"]))
    second = site.client.post(ISSUE, json=task("Second"))
    assert [first.status_code, second.status_code] == [201, 201]
    assert [first.json()["key"], second.json()["key"]] == ["LFXV2-1", "LFXV2-2"]
    assert first.json()["self"] == f"{site.url}{ISSUE}/{first.json()['id']}"
    stored = site.state.issue("LFXV2-1")
    assert stored.summary == "Nats: Automated Backup Solution"
    assert stored.description == adf("context") and stored.labels == ["pe"]
    assert stored.reporter_id == site.state.service_account_id


def test_created_issue_holds_assignee_priority_due_date_and_parent(site: Site) -> None:
    parent = site.create()
    answer = site.client.post(
        ISSUE,
        json={
            "fields": {
                "project": {"key": "LFXV2"},
                "issuetype": {"name": "Sub-task"},
                "summary": "Post-implementation review",
                "parent": {"key": parent},
                "assignee": {"accountId": ALAN},
                "priority": {"name": "High"},
                "duedate": "2026-12-01",
            }
        },
    )
    assert answer.status_code == 201, answer.text
    fields = site.client.get(f"{ISSUE}/{answer.json()['key']}").json()["fields"]
    assert fields["parent"]["key"] == parent
    assert fields["assignee"]["displayName"] == "Alan Sherman"
    assert (fields["priority"]["name"], fields["duedate"]) == ("High", "2026-12-01")
    assert fields["issuetype"] == fields["issuetype"] | {"name": "Sub-task", "subtask": True}
    parent_fields = site.client.get(f"{ISSUE}/{parent}").json()["fields"]
    assert [child["key"] for child in parent_fields["subtasks"]] == [answer.json()["key"]]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        pytest.param(
            {"description": "plain text"}, "description", "Atlassian Document", id="adf-as-string"
        ),
        pytest.param(
            {"description": {"type": "doc", "version": 1}},
            "description",
            "INVALID",
            id="adf-no-content",
        ),
        pytest.param(
            {"description": {"type": "doc", "version": 1, "content": [{"type": "para"}]}},
            "description",
            "INVALID",
            id="adf-unknown-node",
        ),
        pytest.param(
            {"labels": ["needs review"]}, "labels", "contains spaces", id="label-with-space"
        ),
        pytest.param({"labels": "pe"}, "labels", "not an array", id="labels-not-a-list"),
        pytest.param(
            {"project": {"key": "NOPE"}}, "project", "valid project", id="unknown-project"
        ),
        pytest.param(
            {"issuetype": {"name": "Epic"}}, "issuetype", "invalid", id="unknown-issuetype"
        ),
        pytest.param(
            {"assignee": {"accountId": "nobody"}},
            "assignee",
            "cannot be assigned",
            id="unknown-assignee",
        ),
        pytest.param(
            {"assignee": {"accountId": OUTSIDER}},
            "assignee",
            "cannot be assigned",
            id="assignee-not-assignable-in-project",
        ),
        pytest.param({"summary": ""}, "summary", "must specify a summary", id="empty-summary"),
        pytest.param({"summary": "a\nb"}, "summary", "newline", id="summary-with-newline"),
        pytest.param({"duedate": "01/12/2026"}, "duedate", "Error parsing date", id="bad-due-date"),
        pytest.param(
            {"priority": {"name": "Urgent"}}, "priority", "Priority", id="unknown-priority"
        ),
        pytest.param(
            {"customfield_10001": "x"}, "customfield_10001", "cannot be set", id="unknown-field"
        ),
        pytest.param(
            {"issuetype": {"name": "Sub-task"}}, "parent", "sub-task", id="subtask-no-parent"
        ),
    ],
)
def test_create_refuses_what_jira_refuses_with_400_naming_the_field(
    site: Site, fields: dict[str, Any], field: str, message: str
) -> None:
    answer = site.client.post(ISSUE, json=task(**fields))
    assert answer.status_code == 400
    assert message in answer.json()["errors"][field]
    assert site.state.issues() == []


def test_malformed_json_is_refused_with_400(site: Site) -> None:
    answer = site.client.post(
        ISSUE, content=b"{not json", headers={"content-type": "application/json"}
    )
    assert answer.status_code == 400 and answer.json()["errorMessages"]


def test_get_issue_honours_fields_and_answers_404_for_an_unknown_key(site: Site) -> None:
    key = site.create(labels=["pe"])
    everything = site.client.get(f"{ISSUE}/{key}").json()
    assert {"summary", "status", "labels", "comment"} <= set(everything["fields"])
    some = site.client.get(f"{ISSUE}/{key.lower()}", params={"fields": "summary,labels"}).json()
    assert some["key"] == key and set(some["fields"]) == {"summary", "labels"}
    missing = site.client.get(f"{ISSUE}/LFXV2-99")
    assert missing.status_code == 404
    assert missing.json()["errorMessages"] == [
        "Issue does not exist or you do not have permission to see it."
    ]


def test_edit_adds_labels_and_sets_fields(site: Site) -> None:
    key = site.create(labels=["pe"])
    answer = site.client.put(
        f"{ISSUE}/{key}",
        json={
            "update": {"labels": [{"add": "expedited"}, {"add": "pe"}]},
            "fields": {"summary": "New"},
        },
    )
    assert answer.status_code == 204 and answer.content == b""
    issue = site.state.issue(key)
    assert (issue.labels, issue.summary) == (["pe", "expedited"], "New")
    returned = site.client.put(
        f"{ISSUE}/{key}",
        params={"returnIssue": "true"},
        json={"update": {"labels": [{"remove": "pe"}]}},
    )
    assert returned.status_code == 200 and returned.json()["fields"]["labels"] == ["expedited"]


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"update": {"labels": [{"add": "two words"}]}}, id="label-with-space"),
        pytest.param({"fields": {"description": "plain"}}, id="adf-as-string"),
        pytest.param({"fields": {"project": {"key": "OTHER"}}}, id="field-not-on-edit-screen"),
    ],
)
def test_edit_refuses_invalid_changes_and_keeps_the_issue(site: Site, body: dict[str, Any]) -> None:
    key = site.create(labels=["pe"])
    before = site.state.issue(key)
    assert site.client.put(f"{ISSUE}/{key}", json=body).status_code == 400
    assert site.state.issue(key) == before


def test_assign_sets_and_clears_the_assignee(site: Site) -> None:
    key = site.create()
    assert site.client.put(f"{ISSUE}/{key}/assignee", json={"accountId": ALAN}).status_code == 204
    assert site.state.issue(key).assignee_id == ALAN
    refused = site.client.put(f"{ISSUE}/{key}/assignee", json={"accountId": OUTSIDER})
    assert refused.status_code == 400 and site.state.issue(key).assignee_id == ALAN
    assert site.client.put(f"{ISSUE}/{key}/assignee", json={"accountId": "-1"}).status_code == 204
    assert site.state.issue(key).assignee_id is None
    assert (
        site.client.put(f"{ISSUE}/LFXV2-99/assignee", json={"accountId": ALAN}).status_code == 404
    )


def test_remote_link_with_the_same_global_id_is_updated_not_duplicated(site: Site) -> None:
    key = site.create()

    def link(title: str) -> dict[str, Any]:
        return {"globalId": "gatehouse:o/r#1", "object": {"title": title, "url": "https://gh/1"}}

    created = site.client.post(f"{ISSUE}/{key}/remotelink", json=link("PR #1"))
    updated = site.client.post(f"{ISSUE}/{key}/remotelink", json=link("PR #1: renamed"))
    assert (created.status_code, updated.status_code) == (201, 200)
    assert created.json() == updated.json()
    assert created.json()["self"].startswith(site.url)
    [stored] = site.state.remote_links(key)
    assert stored.object["title"] == "PR #1: renamed"
    listed = site.client.get(f"{ISSUE}/{key}/remotelink").json()
    assert [item["globalId"] for item in listed] == ["gatehouse:o/r#1"]
    one = site.client.get(f"{ISSUE}/{key}/remotelink", params={"globalId": "gatehouse:o/r#1"})
    assert one.json()["object"]["title"] == "PR #1: renamed"
    none = site.client.get(f"{ISSUE}/{key}/remotelink", params={"globalId": "other"})
    assert none.status_code == 404


def test_remote_link_without_title_or_url_is_refused(site: Site) -> None:
    key = site.create()
    answer = site.client.post(f"{ISSUE}/{key}/remotelink", json={"object": {"title": "PR"}})
    assert answer.status_code == 400 and "url" in answer.json()["errors"]
    assert site.state.remote_links(key) == []


def test_comment_takes_an_adf_body_and_refuses_a_string(site: Site) -> None:
    key = site.create()
    added = site.client.post(f"{ISSUE}/{key}/comment", json={"body": adf("Expedited: outage")})
    assert added.status_code == 201
    assert added.json()["author"]["accountId"] == site.state.service_account_id
    refused = site.client.post(f"{ISSUE}/{key}/comment", json={"body": "plain"})
    assert refused.status_code == 400
    assert [c.body for c in site.state.comments(key)] == [adf("Expedited: outage")]


def test_myself_names_the_authenticated_account(site: Site) -> None:
    me = site.client.get("/rest/api/3/myself").json()
    assert (me["accountId"], me["emailAddress"]) == (site.state.service_account_id, DEFAULT_EMAIL)


@pytest.fixture
def searchable(site: Site) -> Site:
    site.create("Nats: Automated Backup Solution", labels=["platform-engineering"])
    site.create("Terraform VPC change", labels=["platform-engineering", "expedited"])
    site.create("Docs typo")
    return site


@pytest.mark.parametrize(
    ("jql", "keys"),
    [
        pytest.param("project = LFXV2", ["LFXV2-3", "LFXV2-2", "LFXV2-1"], id="project"),
        pytest.param('key = "LFXV2-2"', ["LFXV2-2"], id="key"),
        pytest.param("issuekey in (LFXV2-1, lfxv2-3)", ["LFXV2-3", "LFXV2-1"], id="key-in"),
        pytest.param("labels = expedited", ["LFXV2-2"], id="label"),
        pytest.param('summary ~ "backup nats"', ["LFXV2-1"], id="summary-text"),
        pytest.param(
            "project = LFXV2 AND labels = platform-engineering ORDER BY created ASC",
            ["LFXV2-1", "LFXV2-2"],
            id="and-order-created-asc",
        ),
        pytest.param(
            "project = LFXV2 and labels = platform-engineering order by created desc",
            ["LFXV2-2", "LFXV2-1"],
            id="lower-case-keywords",
        ),
    ],
)
@pytest.mark.parametrize("endpoint", [SEARCH_JQL, SEARCH_LEGACY])
def test_search_finds_issues_by_the_supported_jql(
    searchable: Site, endpoint: str, jql: str, keys: list[str]
) -> None:
    got = searchable.client.get(endpoint, params={"jql": jql, "fields": "summary"})
    posted = searchable.client.post(endpoint, json={"jql": jql, "fields": ["summary"]})
    assert got.status_code == posted.status_code == 200, got.text
    assert [issue["key"] for issue in got.json()["issues"]] == keys
    assert got.json()["issues"] == posted.json()["issues"]


def test_new_search_returns_ids_only_by_default_and_pages_by_token(searchable: Site) -> None:
    first = searchable.client.get(SEARCH_JQL, params={"jql": "project = LFXV2", "maxResults": 2})
    body = first.json()
    assert body["issues"] == [{"id": "10003"}, {"id": "10002"}]
    assert body["isLast"] is False
    rest = searchable.client.get(
        SEARCH_JQL, params={"jql": "project = LFXV2", "nextPageToken": body["nextPageToken"]}
    ).json()
    assert rest["issues"] == [{"id": "10001"}] and rest["isLast"] is True
    assert "nextPageToken" not in rest


def test_deprecated_search_counts_a_total_and_pages_by_start(searchable: Site) -> None:
    page = searchable.client.get(
        SEARCH_LEGACY, params={"jql": "project = LFXV2", "startAt": 1, "maxResults": 1}
    ).json()
    assert (page["total"], page["startAt"], [i["key"] for i in page["issues"]]) == (
        3,
        1,
        ["LFXV2-2"],
    )


@pytest.mark.parametrize(
    ("jql", "message"),
    [
        pytest.param("key = LFXV2-99", "does not exist for field 'key'", id="unknown-key"),
        pytest.param("key in (LFXV2-1, LFXV2-99)", "does not exist", id="unknown-key-in-list"),
        pytest.param(
            "project = NOPE", "does not exist for the field 'project'", id="unknown-project"
        ),
        pytest.param("reporter = x", "Field 'reporter' does not exist", id="unsupported-field"),
        pytest.param("project = LFXV2 OR labels = x", "Expecting either 'OR' or 'AND'", id="or"),
        pytest.param("summary = Nats", "operator '=' is not supported", id="equals-on-text"),
        pytest.param('summary ~ "open', "has not been completed", id="unterminated-string"),
        pytest.param("project LFXV2", "Expecting operator", id="missing-operator"),
        pytest.param("project = LFXV2 ORDER BY rank", "Not able to sort", id="unsupported-order"),
        pytest.param("ORDER BY created DESC", "Unbounded JQL", id="unbounded"),
    ],
)
def test_search_refuses_jql_outside_the_subset_with_400(
    searchable: Site, jql: str, message: str
) -> None:
    answer = searchable.client.get(SEARCH_JQL, params={"jql": jql})
    assert answer.status_code == 400
    [error] = answer.json()["errorMessages"]
    assert message in error


def test_set_status_shows_in_the_issue_and_in_search(site: Site) -> None:
    key = site.create()
    site.state.set_status(key, "Done")
    fields = site.client.get(f"{ISSUE}/{key}", params={"fields": "status,resolution"}).json()[
        "fields"
    ]
    assert fields["status"]["name"] == "Done"
    assert fields["status"]["statusCategory"]["key"] == "done"
    assert fields["resolution"] is not None
    done = site.client.get(SEARCH_JQL, params={"jql": "statusCategory = Done"}).json()
    assert len(done["issues"]) == 1


def test_injected_failures_answer_the_next_calls_then_stop(site: Site) -> None:
    site.state.fail_next("createIssue", 503, times=2, retry_after=3)
    failures = [site.client.post(ISSUE, json=task()) for _ in range(2)]
    assert [answer.status_code for answer in failures] == [503, 503]
    assert failures[0].headers["Retry-After"] == "3"
    assert site.client.get("/rest/api/3/myself").status_code == 200
    assert site.client.post(ISSUE, json=task()).status_code == 201
    assert [issue.key for issue in site.state.issues()] == ["LFXV2-1"]


def test_a_wildcard_fault_hits_whatever_operation_comes_next(site: Site) -> None:
    site.state.fail_next("*", 500)
    assert site.client.get("/rest/api/3/myself").status_code == 500
    assert site.client.get("/rest/api/3/myself").status_code == 200


def test_a_slow_answer_makes_the_client_time_out(site: Site) -> None:
    site.state.fail_next("getCurrentUser", None, delay_seconds=0.5)
    with pytest.raises(httpx.ReadTimeout):
        site.client.get("/rest/api/3/myself", timeout=0.1)
    assert site.client.get("/rest/api/3/myself").status_code == 200


def test_requests_are_recorded_with_operation_status_and_body(site: Site) -> None:
    site.create()
    site.client.get(f"{ISSUE}/LFXV2-99")
    [create] = site.state.calls("createIssue")
    assert (create.method, create.path, create.status) == ("POST", ISSUE, 201)
    assert create.json_body == task()
    assert [(r.operation_id, r.status) for r in site.state.requests] == [
        ("createIssue", 201),
        ("getIssue", 404),
    ]


def test_valid_traffic_has_no_contract_violations_and_every_answer_keeps_to_it(
    checked_site: Site,
) -> None:
    site = checked_site
    key = site.create(description=adf("why"), labels=["pe"], assignee={"accountId": ALAN})
    client = site.client
    client.get(f"{ISSUE}/{key}")
    client.get(f"{ISSUE}/{key}", params={"fields": "summary,status"})
    client.put(f"{ISSUE}/{key}", json={"update": {"labels": [{"add": "expedited"}]}})
    client.put(f"{ISSUE}/{key}/assignee", json={"accountId": ALAN})
    link = {"globalId": "g1", "object": {"title": "PR", "url": "https://gh/1"}}
    client.post(f"{ISSUE}/{key}/remotelink", json=link)
    client.post(f"{ISSUE}/{key}/remotelink", json=link)
    client.get(f"{ISSUE}/{key}/remotelink")
    client.get(f"{ISSUE}/{key}/remotelink", params={"globalId": "g1"})
    client.post(f"{ISSUE}/{key}/comment", json={"body": adf("note")})
    client.get(f"{ISSUE}/{key}", params={"fields": "comment"})
    client.get(SEARCH_JQL, params={"jql": f"key = {key}", "fields": "*all"})
    client.post(SEARCH_JQL, json={"jql": "project = LFXV2", "maxResults": 1})
    client.get(SEARCH_LEGACY, params={"jql": "project = LFXV2"})
    client.post(SEARCH_LEGACY, json={"jql": "labels = pe"})
    client.get("/rest/api/3/myself")
    # Refusals are answers too: each must keep to the documented error shape.
    client.post(ISSUE, json=task(labels=["a b"]))
    client.get(f"{ISSUE}/LFXV2-99")
    client.get(SEARCH_JQL, params={"jql": "project = NOPE"})
    httpx.get(site.url + "/rest/api/3/myself")
    site.state.fail_next("*", 503)
    client.get(f"{ISSUE}/{key}")
    assert all(request.status < 500 or request.status == 503 for request in site.state.requests)
    assert site.state.violations == []
    assert site.state.response_violations == []


@pytest.mark.parametrize(
    ("method", "path", "body", "expected"),
    [
        pytest.param(
            "PUT",
            f"{ISSUE}/LFXV2-1",
            {"update": {"labels": [{"append": "x"}]}},
            "append",
            id="unknown-update-verb",
        ),
        pytest.param(
            "POST",
            f"{ISSUE}/LFXV2-1/remotelink",
            {"globalId": "g"},
            "object",
            id="link-without-object",
        ),
        pytest.param(
            "POST",
            SEARCH_JQL,
            {"jql": "project = LFXV2", "startAt": 0},
            "startAt",
            id="legacy-paging",
        ),
        pytest.param("DELETE", f"{ISSUE}/LFXV2-1", None, "not in the API description", id="delete"),
    ],
)
def test_a_request_outside_the_description_is_recorded_as_a_violation(
    checked_site: Site, method: str, path: str, body: dict[str, Any] | None, expected: str
) -> None:
    checked_site.create()
    answer = checked_site.client.request(method, path, json=body)
    assert answer.status_code >= 400
    [violation] = checked_site.state.violations
    assert expected in violation


def test_the_description_is_found_in_the_shared_folder() -> None:
    if shared_file(*JIRA_DESCRIPTION) is None:
        pytest.skip("no shared folder with Jira's OpenAPI description")
    assert JiraState().contract is not None
    assert JiraState(check_contract=False).contract is None
