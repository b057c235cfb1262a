"""One function per Jira operation gatehouse may call, each answering as Jira Cloud does.

Handlers run with the state's lock held, read the request through :class:`Call`, and
either return a :class:`Reply` or raise :class:`~app.sandbox.fake_jira.model.JiraError`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from app.sandbox.fake_jira.adf import document_error
from app.sandbox.fake_jira.fields import INVALID_PAYLOAD, apply, field_values, update_values
from app.sandbox.fake_jira.model import Comment, JiraError, JsonObject, RemoteLink, User
from app.sandbox.fake_jira.render import (
    ALL_FIELDS,
    comment_json,
    issue_json,
    link_json,
    link_self,
    selected_fields,
    user_json,
)
from app.sandbox.fake_jira.search import search_jql, search_legacy
from app.sandbox.fake_jira.store import JiraStore
from app.sandbox.fake_jira.workflow import perform, transitions_json


@dataclass(frozen=True)
class Call:
    """A request as the handlers see it: already authenticated as ``user``."""

    base: str
    user: User
    path: Mapping[str, str]
    query: Mapping[str, list[str]]
    body: bytes

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None

    def params(self, name: str) -> list[str]:
        return [part for value in self.query.get(name, []) for part in value.split(",")]

    def json_object(self) -> JsonObject:
        try:
            value = json.loads(self.body)
        except ValueError:
            raise JiraError(400, [INVALID_PAYLOAD]) from None
        if not isinstance(value, dict):
            raise JiraError(400, [INVALID_PAYLOAD])
        return value


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)


Handler = Callable[[JiraStore, Call], Reply]


def _require(user: User, action: str) -> None:
    if not user.permitted:
        raise JiraError(403, [f"You do not have permission to {action}."])


def create_issue(store: JiraStore, call: Call) -> Reply:
    body = call.json_object()
    _require(call.user, "create issues in this project")
    fields = body.get("fields", {})
    if not isinstance(fields, dict):
        raise JiraError(400, [INVALID_PAYLOAD])
    errors: dict[str, str] = {}
    reference = fields.get("project")
    project = None
    if isinstance(reference, dict):
        project = store.project(key=reference.get("key"), id=reference.get("id"))
    if project is None:
        errors["project"] = "Specify a valid project ID or key"
    kind = fields.get("issuetype")
    issue_type = None
    if not isinstance(kind, dict):
        errors["issuetype"] = "Specify an issue type"
    elif project is not None:
        issue_type = project.issue_type(id=kind.get("id"), name=kind.get("name"))
        if issue_type is None:
            errors["issuetype"] = "The issue type selected is invalid."
    project_key = project.key if project is not None else ""
    others = {k: v for k, v in fields.items() if k not in ("project", "issuetype")}
    values = field_values(store, others, project_key, errors)
    if "summary" not in others:
        errors["summary"] = "You must specify a summary of the issue."
    if issue_type is not None and issue_type.subtask and not values.get("parent"):
        errors.setdefault(
            "parent", "Issue type is a sub-task but parent issue key or id not specified."
        )
    if "update" in body:
        labels = values.get("labels", [])
        values |= update_values(store, body["update"], labels, project_key, errors)
    if errors or project is None or issue_type is None:
        raise JiraError(400, [], errors)
    issue = store.new_issue(project, issue_type, values["summary"], call.user.account_id)
    apply(issue, values)
    self_url = f"{call.base}/rest/api/3/issue/{issue.id}"
    return Reply(201, {"id": issue.id, "key": issue.key, "self": self_url})


def get_issue(store: JiraStore, call: Call) -> Reply:
    issue = store.issue(call.path["issueIdOrKey"])
    fields = selected_fields(call.params("fields"), ALL_FIELDS)
    return Reply(200, issue_json(store, call.base, issue, fields))


def edit_issue(store: JiraStore, call: Call) -> Reply:
    issue = store.issue(call.path["issueIdOrKey"])
    body = call.json_object()
    _require(call.user, "edit issues in this project")
    fields, update = body.get("fields", {}), body.get("update", {})
    if not isinstance(fields, dict):
        raise JiraError(400, [INVALID_PAYLOAD])
    errors: dict[str, str] = {}
    values = field_values(store, fields, issue.project_key, errors)
    both = set(fields) & set(update if isinstance(update, dict) else {})
    if both:
        raise JiraError(
            400, [], {name: "Field cannot be set in both 'fields' and 'update'." for name in both}
        )
    values |= update_values(store, update, list(issue.labels), issue.project_key, errors)
    if errors:
        raise JiraError(400, [], errors)
    apply(issue, values)
    issue.updated = store.clock()
    if call.param("returnIssue") == "true":
        return Reply(200, issue_json(store, call.base, issue, ALL_FIELDS))
    return Reply(204)


def assign_issue(store: JiraStore, call: Call) -> Reply:
    issue = store.issue(call.path["issueIdOrKey"])
    body = call.json_object()
    _require(call.user, "assign issues in this project")
    if "accountId" not in body:
        raise JiraError(400, [], {"accountId": "accountId is required."})
    account_id = body["accountId"]
    if account_id is None or account_id == "-1":
        issue.assignee_id = None
    else:
        user = store.users.get(account_id) if isinstance(account_id, str) else None
        if user is None or not user.assignable(issue.project_key):
            raise JiraError(
                400, [], {"assignee": f"User '{account_id}' cannot be assigned issues."}
            )
        issue.assignee_id = user.account_id
    issue.updated = store.clock()
    return Reply(204)


def create_or_update_remote_link(store: JiraStore, call: Call) -> Reply:
    issue = store.issue(call.path["issueIdOrKey"])
    body = call.json_object()
    _require(call.user, "link issues")
    remote = body.get("object")
    if not isinstance(remote, dict):
        raise JiraError(400, [], {"object": "'object' is required."})
    errors = {name: f"'{name}' is required." for name in ("title", "url") if not remote.get(name)}
    if errors:
        raise JiraError(400, [], errors)
    global_id = body.get("globalId")
    application, relationship = body.get("application"), body.get("relationship")
    for link in store.links:
        if global_id is not None and link.issue_key == issue.key and link.global_id == global_id:
            link.object, link.application, link.relationship = remote, application, relationship
            return Reply(200, {"id": link.id, "self": link_self(call.base, link)})
    link = RemoteLink(store.new_link_id(), issue.key, remote, global_id, application, relationship)
    store.links.append(link)
    return Reply(201, {"id": link.id, "self": link_self(call.base, link)})


def get_remote_links(store: JiraStore, call: Call) -> Reply:
    """All the issue's links as a list, or, with ``globalId``, that one link as an object."""
    issue = store.issue(call.path["issueIdOrKey"])
    links = [link for link in store.links if link.issue_key == issue.key]
    global_id = call.param("globalId")
    if global_id is None:
        return Reply(200, [link_json(call.base, link) for link in links])
    for link in links:
        if link.global_id == global_id:
            return Reply(200, link_json(call.base, link))
    raise JiraError(404, ["No remote link with the given global ID was found."])


def add_comment(store: JiraStore, call: Call) -> Reply:
    issue = store.issue(call.path["issueIdOrKey"])
    body = call.json_object()
    _require(call.user, "comment on issues in this project")
    document = body.get("body")
    if not isinstance(document, dict) or document_error(document) is not None:
        raise JiraError(400, [], {"comment": "Comment body is not valid!"})
    if not document["content"]:
        raise JiraError(400, [], {"comment": "Comment body can not be empty!"})
    visibility = body.get("visibility")
    comment = Comment(
        store.new_comment_id(),
        issue.key,
        call.user.account_id,
        document,
        store.clock(),
        visibility if isinstance(visibility, dict) else None,
    )
    store.comments.append(comment)
    return Reply(201, comment_json(store, call.base, comment))


def get_transitions(store: JiraStore, call: Call) -> Reply:
    issue = store.issue(call.path["issueIdOrKey"])
    body = transitions_json(
        store, call.base, issue, call.user, call.param("transitionId"), call.param("expand")
    )
    return Reply(200, body)


def do_transition(store: JiraStore, call: Call) -> Reply:
    issue = store.issue(call.path["issueIdOrKey"])
    perform(store, issue, call.user, call.json_object())
    return Reply(204)


def get_myself(store: JiraStore, call: Call) -> Reply:
    body = user_json(call.base, call.user, with_email=True)
    body["locale"] = "en_US"
    return Reply(200, body)


def search_jql_get(store: JiraStore, call: Call) -> Reply:
    request = {name: call.param(name) for name in ("jql", "nextPageToken", "maxResults")}
    return Reply(200, search_jql(store, call.base, call.user, request, call.params("fields")))


_SEARCH_JQL_KEYS = frozenset(
    {"expand", "fields", "fieldsByKeys", "jql", "maxResults", "nextPageToken", "properties"}
    | {"reconcileIssues"}
)
_SEARCH_LEGACY_KEYS = frozenset(
    {"expand", "fields", "fieldsByKeys", "jql", "maxResults", "properties", "startAt"}
    | {"validateQuery"}
)


def _search_body(call: Call, known: frozenset[str]) -> JsonObject:
    """The search request; Jira refuses a body with a property its bean does not have."""
    body = call.json_object()
    if not set(body) <= known:
        raise JiraError(400, [INVALID_PAYLOAD])
    return body


def search_jql_post(store: JiraStore, call: Call) -> Reply:
    body = _search_body(call, _SEARCH_JQL_KEYS)
    return Reply(200, search_jql(store, call.base, call.user, body, body.get("fields")))


def search_legacy_get(store: JiraStore, call: Call) -> Reply:
    request = {name: call.param(name) for name in ("jql", "startAt", "maxResults")}
    return Reply(200, search_legacy(store, call.base, call.user, request, call.params("fields")))


def search_legacy_post(store: JiraStore, call: Call) -> Reply:
    body = _search_body(call, _SEARCH_LEGACY_KEYS)
    return Reply(200, search_legacy(store, call.base, call.user, body, body.get("fields")))


OPERATIONS: tuple[tuple[str, str, str, Handler], ...] = (
    ("POST", "/rest/api/3/issue", "createIssue", create_issue),
    ("GET", "/rest/api/3/issue/{issueIdOrKey}", "getIssue", get_issue),
    ("PUT", "/rest/api/3/issue/{issueIdOrKey}", "editIssue", edit_issue),
    ("PUT", "/rest/api/3/issue/{issueIdOrKey}/assignee", "assignIssue", assign_issue),
    (
        "POST",
        "/rest/api/3/issue/{issueIdOrKey}/remotelink",
        "createOrUpdateRemoteIssueLink",
        create_or_update_remote_link,
    ),
    ("GET", "/rest/api/3/issue/{issueIdOrKey}/remotelink", "getRemoteIssueLinks", get_remote_links),
    ("POST", "/rest/api/3/issue/{issueIdOrKey}/comment", "addComment", add_comment),
    ("GET", "/rest/api/3/issue/{issueIdOrKey}/transitions", "getTransitions", get_transitions),
    ("POST", "/rest/api/3/issue/{issueIdOrKey}/transitions", "doTransition", do_transition),
    ("GET", "/rest/api/3/search/jql", "searchAndReconsileIssuesUsingJql", search_jql_get),
    ("POST", "/rest/api/3/search/jql", "searchAndReconsileIssuesUsingJqlPost", search_jql_post),
    ("GET", "/rest/api/3/search", "searchForIssuesUsingJql", search_legacy_get),
    ("POST", "/rest/api/3/search", "searchForIssuesUsingJqlPost", search_legacy_post),
    ("GET", "/rest/api/3/myself", "getCurrentUser", get_myself),
)
"""(method, path, operation id, handler): exactly the description's subset operations."""
