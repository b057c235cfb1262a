"""Validation of issue ``fields`` and ``update`` operations, with Jira Cloud's error messages.

Every value is checked the way Jira checks it before anything is stored, so a request the
real service would refuse is refused here too, with a 400 naming each bad field.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from app.sandbox.fake_jira.adf import document_error
from app.sandbox.fake_jira.model import PRIORITIES, Issue, JiraError, JsonObject
from app.sandbox.fake_jira.store import JiraStore

INVALID_PAYLOAD = "Invalid request payload. Refer to the REST API documentation and try again."

SETTABLE = frozenset(
    {"summary", "description", "labels", "assignee", "priority", "duedate", "parent", "reporter"}
)
"""Fields the fake's create and edit screens hold (plus project and issuetype on create)."""


def not_settable(name: str) -> str:
    return f"Field '{name}' cannot be set. It is not on the appropriate screen, or unknown."


def field_values(
    store: JiraStore, fields: JsonObject, project_key: str, errors: dict[str, str]
) -> JsonObject:
    """Normalised values of settable ``fields``; problems go to ``errors`` by field name."""
    values: JsonObject = {}
    for name, raw in fields.items():
        if name not in SETTABLE:
            errors[name] = not_settable(name)
            continue
        problem, value = _normalise(store, name, raw, project_key)
        if problem is not None:
            errors[name] = problem
        else:
            values[name] = value
    return values


def update_values(
    store: JiraStore,
    update: Any,
    current_labels: list[str],
    project_key: str,
    errors: dict[str, str],
) -> JsonObject:
    """The values the ``update`` operations produce (labels: add, remove, set; others: set)."""
    if not isinstance(update, dict):
        raise JiraError(400, [INVALID_PAYLOAD])
    values: JsonObject = {}
    for name, operations in update.items():
        if name not in SETTABLE:
            errors[name] = not_settable(name)
            continue
        if not isinstance(operations, list) or not all(isinstance(op, dict) for op in operations):
            raise JiraError(400, [INVALID_PAYLOAD])
        labels = list(current_labels)
        for operation in operations:
            for verb, raw in operation.items():
                if name == "labels" and verb in ("add", "remove"):
                    problem = _label_problem(raw)
                    if problem is not None:
                        errors[name] = problem
                    elif verb == "add" and raw not in labels:
                        labels.append(raw)
                    elif verb == "remove" and raw in labels:
                        labels.remove(raw)
                    values[name] = labels
                elif verb == "set":
                    problem, value = _normalise(store, name, raw, project_key)
                    if problem is not None:
                        errors[name] = problem
                    else:
                        values[name] = value
                        labels = list(value) if name == "labels" else labels
                else:
                    errors[name] = f"Field '{name}' does not support operation '{verb}'."
    return values


def apply(issue: Issue, values: JsonObject) -> None:
    """Store normalised values produced by :func:`field_values` or :func:`update_values`."""
    for name, value in values.items():
        if name == "summary":
            issue.summary = value
        elif name == "description":
            issue.description = value
        elif name == "labels":
            issue.labels = list(value)
        elif name == "assignee":
            issue.assignee_id = value
        elif name == "priority":
            issue.priority_id = value
        elif name == "duedate":
            issue.duedate = value
        elif name == "parent":
            issue.parent_key = value
        elif name == "reporter":
            issue.reporter_id = value


def _normalise(store: JiraStore, name: str, raw: Any, project_key: str) -> tuple[str | None, Any]:
    if name == "summary":
        return _summary_problem(raw), raw
    if name == "description":
        return (None, None) if raw is None else (document_error(raw), raw)
    if name == "labels":
        if not isinstance(raw, list):
            return "data was not an array", None
        problems = [p for p in (_label_problem(label) for label in raw) if p is not None]
        return (problems[0] if problems else None), list(dict.fromkeys(raw))
    if name in ("assignee", "reporter"):
        return _account(store, name, raw, project_key)
    if name == "priority":
        return _priority(raw)
    if name == "duedate":
        return _due_date(raw)
    return _parent(store, raw, project_key)


def _summary_problem(raw: Any) -> str | None:
    if raw is None or raw == "":
        return "You must specify a summary of the issue."
    if not isinstance(raw, str):
        return "Operation value must be a string"
    if "\n" in raw or "\r" in raw:
        return "The summary is invalid because it contains newline characters."
    if len(raw) > 255:
        return "Summary must be less than 255 characters."
    return None


def _label_problem(label: Any) -> str | None:
    if not isinstance(label, str) or not label:
        return "Operation value must be a string"
    if any(character.isspace() for character in label):
        return f"The label '{label}' contains spaces which is invalid."
    if len(label) > 255:
        return (
            f"The label '{label}' exceeds the maximum length for a single label of 255 characters."
        )
    return None


def _account(store: JiraStore, name: str, raw: Any, project_key: str) -> tuple[str | None, Any]:
    if raw is None and name == "assignee":
        return None, None
    if not isinstance(raw, dict):
        return "data was not an object", None
    account_id = raw.get("accountId", raw.get("id"))
    user = store.users.get(account_id) if isinstance(account_id, str) else None
    if name == "reporter":
        return (
            (None, account_id) if user is not None else ("Specified reporter is not a user.", None)
        )
    if user is None or not user.assignable(project_key):
        return f"User '{account_id}' cannot be assigned issues.", None
    return None, account_id


def _priority(raw: Any) -> tuple[str | None, Any]:
    if isinstance(raw, dict):
        if raw.get("id") in PRIORITIES:
            return None, raw["id"]
        for priority_id, priority_name in PRIORITIES.items():
            if isinstance(raw.get("name"), str) and raw["name"].lower() == priority_name.lower():
                return None, priority_id
    return "Specify the Priority (id or name) in the string format", None


def _due_date(raw: Any) -> tuple[str | None, Any]:
    if raw is None:
        return None, None
    try:
        if isinstance(raw, str) and len(raw) == 10:
            return None, date.fromisoformat(raw).isoformat()
    except ValueError:
        pass
    return f"Error parsing date string: {raw}", None


def _parent(store: JiraStore, raw: Any, project_key: str) -> tuple[str | None, Any]:
    if raw is None:
        return None, None
    reference = raw.get("key", raw.get("id")) if isinstance(raw, dict) else None
    parent = store.find_issue(reference) if isinstance(reference, str) else None
    if parent is None:
        return "Could not find issue by id or key.", None
    if parent.project_key != project_key:
        return "Parent issue must belong to the same project.", None
    return None, parent.key
