"""The JSON shapes Jira Cloud answers with: issues, users, comments and remote links.

Every ``self`` link is built from the base URL the request arrived on, so the links the
fake hands out point back at the fake whatever port it was served on.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from urllib.parse import quote

from app.sandbox.fake_jira.model import (
    IN_PROGRESS_CATEGORY,
    PRIORITIES,
    STATUS_CATEGORIES,
    Comment,
    Issue,
    JsonObject,
    RemoteLink,
    User,
)
from app.sandbox.fake_jira.store import JiraStore

NAVIGABLE = (
    "summary",
    "description",
    "issuetype",
    "project",
    "labels",
    "assignee",
    "reporter",
    "priority",
    "duedate",
    "parent",
    "subtasks",
    "status",
    "resolution",
    "resolutiondate",
    "created",
    "updated",
)
ALL_FIELDS = (*NAVIGABLE, "comment")
EXPAND = "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations"
_STATUS_IDS = {"to do": "10000", "in progress": "3", "done": "10001"}


def jira_time(moment: datetime) -> str:
    """Jira's timestamp format: ``2024-05-01T09:30:00.000+0000``."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def selected_fields(tokens: Iterable[str], default: tuple[str, ...]) -> tuple[str, ...]:
    """Resolve a ``fields`` list (``*all``, ``*navigable``, names, ``-name``) to field names."""
    included: list[str] = []
    excluded: set[str] = set()
    named = False
    for token in (part.strip() for part in tokens if part.strip()):
        named = True
        if token == "*all":
            included += ALL_FIELDS
        elif token == "*navigable":
            included += NAVIGABLE
        elif token.startswith("-"):
            excluded.add(token[1:])
        elif token in ALL_FIELDS:
            included.append(token)
    if not named:
        included = list(default)
    elif not included and excluded:
        included = list(NAVIGABLE)
    return tuple(name for name in dict.fromkeys(included) if name not in excluded)


def user_json(base: str, user: User, *, with_email: bool = False) -> JsonObject:
    body: JsonObject = {
        "self": f"{base}/rest/api/3/user?accountId={quote(user.account_id)}",
        "accountId": user.account_id,
        "accountType": "atlassian",
        "displayName": user.display_name,
        "active": user.active,
        "timeZone": "UTC",
    }
    if with_email and user.email is not None:
        body["emailAddress"] = user.email
    return body


def status_json(base: str, name: str) -> JsonObject:
    category_id, category_key, category_name = STATUS_CATEGORIES.get(
        name.lower(), IN_PROGRESS_CATEGORY
    )
    status_id = _STATUS_IDS.get(name.lower(), "10100")
    return {
        "self": f"{base}/rest/api/3/status/{status_id}",
        "description": "",
        "name": name,
        "id": status_id,
        "statusCategory": {
            "self": f"{base}/rest/api/3/statuscategory/{category_id}",
            "id": category_id,
            "key": category_key,
            "name": category_name,
        },
    }


def issue_json(store: JiraStore, base: str, issue: Issue, fields: tuple[str, ...]) -> JsonObject:
    """An IssueBean holding ``fields`` (only ``id`` when no field is selected, as search does)."""
    if not fields:
        return {"id": issue.id}
    values = {name: _field(store, base, issue, name) for name in fields}
    if issue.parent_key is None:
        values.pop("parent", None)
    return {
        "expand": EXPAND,
        "id": issue.id,
        "self": f"{base}/rest/api/3/issue/{issue.id}",
        "key": issue.key,
        "fields": values,
    }


def comment_json(store: JiraStore, base: str, comment: Comment) -> JsonObject:
    issue = store.issue(comment.issue_key)
    author = user_json(base, store.users[comment.author_id])
    body: JsonObject = {
        "self": f"{base}/rest/api/3/issue/{issue.id}/comment/{comment.id}",
        "id": comment.id,
        "author": author,
        "body": comment.body,
        "updateAuthor": author,
        "created": jira_time(comment.created),
        "updated": jira_time(comment.created),
        "jsdPublic": True,
    }
    if comment.visibility is not None:
        body["visibility"] = comment.visibility
    return body


def link_json(base: str, link: RemoteLink) -> JsonObject:
    body: JsonObject = {"id": link.id, "self": link_self(base, link)}
    if link.global_id is not None:
        body["globalId"] = link.global_id
    if link.application is not None:
        body["application"] = link.application
    if link.relationship is not None:
        body["relationship"] = link.relationship
    body["object"] = link.object
    return body


def link_self(base: str, link: RemoteLink) -> str:
    return f"{base}/rest/api/3/issue/{link.issue_key}/remotelink/{link.id}"


def _summary_of(store: JiraStore, base: str, issue: Issue) -> JsonObject:
    return {
        "id": issue.id,
        "key": issue.key,
        "self": f"{base}/rest/api/3/issue/{issue.id}",
        "fields": {
            "summary": issue.summary,
            "status": status_json(base, issue.status),
            "priority": _field(store, base, issue, "priority"),
            "issuetype": _field(store, base, issue, "issuetype"),
        },
    }


def _field(store: JiraStore, base: str, issue: Issue, name: str) -> object:
    if name in ("summary", "description", "duedate"):
        return getattr(issue, name)
    if name == "labels":
        return list(issue.labels)
    if name == "issuetype":
        kind = issue.issue_type
        return {
            "self": f"{base}/rest/api/3/issuetype/{kind.id}",
            "id": kind.id,
            "name": kind.name,
            "subtask": kind.subtask,
            "hierarchyLevel": -1 if kind.subtask else 0,
        }
    if name == "project":
        project = store.projects[issue.project_key]
        return {
            "self": f"{base}/rest/api/3/project/{project.id}",
            "id": project.id,
            "key": project.key,
            "name": project.name,
            "projectTypeKey": "software",
        }
    if name in ("assignee", "reporter"):
        account = issue.assignee_id if name == "assignee" else issue.reporter_id
        return None if account is None else user_json(base, store.users[account])
    if name == "priority":
        priority = issue.priority_id
        return {
            "self": f"{base}/rest/api/3/priority/{priority}",
            "id": priority,
            "name": PRIORITIES[priority],
        }
    if name == "parent":
        parent = store.find_issue(issue.parent_key or "")
        return None if parent is None else _summary_of(store, base, parent)
    if name == "subtasks":
        children = [child for child in store.issues.values() if child.parent_key == issue.key]
        return [_summary_of(store, base, child) for child in children]
    if name == "status":
        return status_json(base, issue.status)
    if name == "resolution":
        return None if issue.resolved is None else {"id": "10000", "name": "Done"}
    if name == "resolutiondate":
        return None if issue.resolved is None else jira_time(issue.resolved)
    if name in ("created", "updated"):
        return jira_time(issue.created if name == "created" else issue.updated)
    comments = [comment for comment in store.comments if comment.issue_key == issue.key]
    return {
        "comments": [comment_json(store, base, comment) for comment in comments],
        "maxResults": len(comments),
        "total": len(comments),
        "startAt": 0,
    }
