"""The records the fake Jira keeps, and the error it answers with.

Records hold plain values (keys and account ids rather than object references) so that a
deep copy handed to a test is a faithful, detached snapshot of the fake's state.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

JsonObject = dict[str, Any]

PRIORITIES: Mapping[str, str] = {
    "1": "Highest",
    "2": "High",
    "3": "Medium",
    "4": "Low",
    "5": "Lowest",
}
"""Jira Cloud's default priority scheme, id to name."""

DEFAULT_PRIORITY = "3"

STATUS_CATEGORIES: Mapping[str, tuple[int, str, str]] = {
    "to do": (2, "new", "To Do"),
    "open": (2, "new", "To Do"),
    "backlog": (2, "new", "To Do"),
    "done": (3, "done", "Done"),
    "closed": (3, "done", "Done"),
    "resolved": (3, "done", "Done"),
    "won't do": (3, "done", "Done"),
}
"""Status name (lower case) to status category (id, key, name); others are in progress."""

IN_PROGRESS_CATEGORY = (4, "indeterminate", "In Progress")


class JiraError(Exception):
    """An answer in Jira's error shape: ``{"errorMessages": [...], "errors": {...}}``."""

    def __init__(
        self,
        status: int,
        messages: Sequence[str] = (),
        errors: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status}: {list(messages)} {dict(errors or {})}")
        self.status = status
        self.messages = list(messages)
        self.errors = dict(errors or {})

    def body(self) -> JsonObject:
        return {"errorMessages": self.messages, "errors": self.errors}


def issue_not_found() -> JiraError:
    return JiraError(404, ["Issue does not exist or you do not have permission to see it."])


@dataclass(frozen=True)
class IssueType:
    id: str
    name: str
    subtask: bool = False


@dataclass
class Project:
    id: str
    key: str
    name: str
    issue_types: tuple[IssueType, ...]
    next_number: int = 1

    def issue_type(self, *, id: str | None = None, name: str | None = None) -> IssueType | None:
        for issue_type in self.issue_types:
            if issue_type.id == id or (
                name is not None and issue_type.name.lower() == name.lower()
            ):
                return issue_type
        return None


@dataclass
class User:
    """A Jira account. ``assignable_in`` is ``None`` when assignable in every project."""

    account_id: str
    display_name: str
    email: str | None = None
    api_token: str | None = None
    assignable_in: frozenset[str] | None = None
    permitted: bool = True
    active: bool = True

    def assignable(self, project_key: str) -> bool:
        return self.active and (self.assignable_in is None or project_key in self.assignable_in)


@dataclass
class Issue:
    id: str
    key: str
    project_key: str
    issue_type: IssueType
    summary: str
    reporter_id: str
    created: datetime
    updated: datetime
    description: JsonObject | None = None
    labels: list[str] = field(default_factory=list)
    assignee_id: str | None = None
    priority_id: str = DEFAULT_PRIORITY
    duedate: str | None = None
    parent_key: str | None = None
    status: str = "To Do"
    resolved: datetime | None = None


@dataclass
class RemoteLink:
    id: int
    issue_key: str
    object: JsonObject
    global_id: str | None = None
    application: JsonObject | None = None
    relationship: str | None = None


@dataclass(frozen=True)
class WorkflowTransition:
    """A transition of the site's workflow: offered from ``sources`` (every status when
    empty, a global transition), leading to status ``to``."""

    id: str
    name: str
    to: str
    sources: tuple[str, ...] = ()

    def offered_from(self, status: str) -> bool:
        return not self.sources or status.lower() in (s.lower() for s in self.sources)


@dataclass
class Comment:
    id: str
    issue_key: str
    author_id: str
    body: JsonObject
    created: datetime
    visibility: JsonObject | None = None


@dataclass(frozen=True)
class RecordedRequest:
    """One request the fake answered, as gatehouse sent it and as the fake answered it."""

    method: str
    path: str
    query: Mapping[str, str]
    operation_id: str | None
    status: int
    json_body: Any


@dataclass
class Fault:
    """An injected answer for the next ``remaining`` calls of an operation (``*``: any)."""

    operation_id: str
    status: int | None
    remaining: int
    delay_seconds: float = 0.0
    retry_after: int | None = None
