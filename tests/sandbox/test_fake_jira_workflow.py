"""The fake Jira's workflow: transitions offered from an issue's status, performed by id,
held to Jira's description like every other operation."""

from __future__ import annotations

from app.sandbox.fake_jira import WorkflowTransition
from tests.sandbox.test_fake_jira import ISSUE, Site, adf, checked_site, server, site

__all__ = ["checked_site", "server", "site"]


def offered(site: Site, key: str) -> list[tuple[str, str, str]]:
    answer = site.client.get(f"{ISSUE}/{key}/transitions")
    assert answer.status_code == 200, answer.text
    return [(t["id"], t["name"], t["to"]["name"]) for t in answer.json()["transitions"]]


def test_the_default_workflow_offers_verification_then_done(site: Site) -> None:
    key = site.create()
    assert offered(site, key) == [
        ("11", "Start Progress", "In Progress"),
        ("21", "Verify", "In Verification"),
    ]
    assert (
        site.client.post(
            f"{ISSUE}/{key}/transitions", json={"transition": {"id": "21"}}
        ).status_code
        == 204
    )
    assert site.state.issue(key).status == "In Verification"
    assert [name for _, name, _ in offered(site, key)] == ["Back to In Progress", "Done"]
    site.client.post(f"{ISSUE}/{key}/transitions", json={"transition": {"id": "41"}})
    issue = site.state.issue(key)
    assert issue.status == "Done" and issue.resolved is not None
    assert offered(site, key) == [("51", "Reopen", "To Do")]


def test_a_transition_not_offered_from_the_status_is_refused_with_400(site: Site) -> None:
    key = site.create()
    answer = site.client.post(f"{ISSUE}/{key}/transitions", json={"transition": {"id": "41"}})
    assert answer.status_code == 400
    assert answer.json()["errorMessages"] == ["Transition id '41' is not valid for this issue."]
    assert site.state.issue(key).status == "To Do"
    missing = site.client.post(f"{ISSUE}/{key}/transitions", json={})
    assert missing.status_code == 400


def test_a_field_off_the_screen_is_refused_but_a_comment_is_added(site: Site) -> None:
    key = site.create()
    path = f"{ISSUE}/{key}/transitions"
    refused = site.client.post(
        path, json={"transition": {"id": "21"}, "fields": {"resolution": {"name": "Done"}}}
    )
    assert refused.status_code == 400 and "resolution" in refused.json()["errors"]
    update = {"comment": [{"add": {"body": adf("deployed")}}]}
    assert (
        site.client.post(path, json={"transition": {"id": "21"}, "update": update}).status_code
        == 204
    )
    assert [c.body for c in site.state.comments(key)] == [adf("deployed")]


def test_an_account_without_permission_is_offered_nothing(site: Site) -> None:
    key = site.create()
    site.state.add_user(
        "712020:viewer", "Viewer", email="v@example.com", api_token="t", permitted=False
    )
    viewer = site.client.get(f"{ISSUE}/{key}/transitions", auth=("v@example.com", "t"))
    assert viewer.json()["transitions"] == []


def test_the_workflow_is_configurable(site: Site) -> None:
    site.state.set_workflow(
        [
            WorkflowTransition("7", "Ship it", "Released"),
            WorkflowTransition("8", "Never", "Elsewhere", ("Nowhere",)),
        ]
    )
    key = site.create()
    [(_, name, to)] = offered(site, key)
    assert (name, to) == ("Ship it", "Released")
    answer = site.client.get(
        f"{ISSUE}/{key}/transitions", params={"transitionId": "7", "expand": "transitions.fields"}
    )
    [only] = answer.json()["transitions"]
    assert only["isGlobal"] is True and only["fields"] == {}


def test_transition_traffic_keeps_to_the_description(checked_site: Site) -> None:
    site = checked_site
    key = site.create()
    site.client.get(f"{ISSUE}/{key}/transitions")
    site.client.get(f"{ISSUE}/{key}/transitions", params={"expand": "transitions.fields"})
    site.client.post(f"{ISSUE}/{key}/transitions", json={"transition": {"id": "21"}})
    site.client.post(f"{ISSUE}/{key}/transitions", json={"transition": {"id": "99"}})
    site.client.get(f"{ISSUE}/LFXV2-99/transitions")
    assert site.state.violations == []
    assert site.state.response_violations == []
    [done] = site.state.calls("doTransition")[:1]
    assert done.status == 204 and done.json_body == {"transition": {"id": "21"}}
