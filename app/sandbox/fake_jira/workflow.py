"""The fake Jira's workflow: which transitions an issue offers from its status, and what
performing one does.

As on Jira Cloud, ``GET .../transitions`` lists only what the caller may perform from the
issue's current status, and ``POST .../transitions`` takes one of those by id (any other id
is refused with 400) and answers 204. The default workflow is a software team's, with a
verification status between the work and done; a test replaces it through
:meth:`~app.sandbox.fake_jira.state.JiraState.set_workflow`.
"""

from __future__ import annotations

from typing import Any

from app.sandbox.fake_jira.adf import document_error
from app.sandbox.fake_jira.fields import INVALID_PAYLOAD
from app.sandbox.fake_jira.model import (
    STATUS_CATEGORIES,
    Comment,
    Issue,
    JiraError,
    JsonObject,
    User,
    WorkflowTransition,
)
from app.sandbox.fake_jira.render import status_json
from app.sandbox.fake_jira.store import JiraStore

DEFAULT_WORKFLOW: tuple[WorkflowTransition, ...] = (
    WorkflowTransition("11", "Start Progress", "In Progress", ("To Do",)),
    WorkflowTransition("21", "Verify", "In Verification", ("To Do", "In Progress")),
    WorkflowTransition("31", "Back to In Progress", "In Progress", ("In Verification",)),
    WorkflowTransition("41", "Done", "Done", ("In Verification",)),
    WorkflowTransition("51", "Reopen", "To Do", ("Done",)),
)
"""To Do -> In Progress -> In Verification -> Done, verification reachable from To Do too
(a ticket nobody moved while the change was reviewed)."""


def offered(store: JiraStore, issue: Issue, user: User) -> list[WorkflowTransition]:
    """The transitions ``user`` may perform on ``issue`` now (none without permission)."""
    if not user.permitted:
        return []
    return [
        step
        for step in store.workflow
        if step.offered_from(issue.status) and step.to.lower() != issue.status.lower()
    ]


def transitions_json(
    store: JiraStore,
    base: str,
    issue: Issue,
    user: User,
    transition_id: str | None,
    expand: str | None,
) -> JsonObject:
    """The ``Transitions`` answer: optionally only ``transition_id``; with
    ``expand=transitions.fields`` each carries its (empty) screen fields."""
    steps = [s for s in offered(store, issue, user) if transition_id in (None, s.id)]
    with_fields = "transitions.fields" in (expand or "").split(",")
    body: list[JsonObject] = []
    for step in steps:
        item: JsonObject = {
            "id": step.id,
            "name": step.name,
            "to": status_json(base, step.to),
            "hasScreen": False,
            "isGlobal": not step.sources,
            "isInitial": False,
            "isAvailable": True,
            "isConditional": False,
            "isLooped": False,
        }
        if with_fields:
            item["fields"] = {}
        body.append(item)
    return {"expand": "transitions", "transitions": body}


def perform(store: JiraStore, issue: Issue, user: User, body: JsonObject) -> None:
    """Move ``issue`` by the transition ``body`` names, as Jira refuses what it refuses."""
    reference = body.get("transition")
    if not isinstance(reference, dict) or reference.get("id") in (None, ""):
        raise JiraError(400, ["Missing 'transition' identifier"])
    wanted = str(reference["id"])
    step = next((s for s in offered(store, issue, user) if s.id == wanted), None)
    if step is None:
        raise JiraError(400, [f"Transition id '{wanted}' is not valid for this issue."])
    comments = _comments(body, issue, user)
    move(store, issue, step.to)
    for document in comments:
        store.comments.append(
            Comment(store.new_comment_id(), issue.key, user.account_id, document, store.clock())
        )


def move(store: JiraStore, issue: Issue, status: str) -> None:
    """Put ``issue`` in ``status``; a status in the done category resolves it."""
    issue.status = status
    issue.updated = store.clock()
    done = STATUS_CATEGORIES.get(status.lower(), (0, "", ""))[1] == "done"
    issue.resolved = issue.updated if done else None


def _comments(body: JsonObject, issue: Issue, user: User) -> list[JsonObject]:
    """The comments a transition adds (``update.comment``); no other field is on a screen
    of this workflow, so Jira refuses setting one."""
    fields, update = body.get("fields") or {}, body.get("update") or {}
    if not isinstance(fields, dict) or not isinstance(update, dict):
        raise JiraError(400, [INVALID_PAYLOAD])
    off_screen = [name for name in (*fields, *update) if name != "comment"]
    if off_screen:
        raise JiraError(
            400,
            [],
            {
                name: f"Field '{name}' cannot be set. It is not on the appropriate screen, "
                "or unknown."
                for name in off_screen
            },
        )
    documents: list[JsonObject] = []
    for operation in update.get("comment") or []:
        document = _added(operation)
        if document is None or document_error(document) is not None or not document["content"]:
            raise JiraError(400, [], {"comment": "Comment body is not valid!"})
        documents.append(document)
    return documents


def _added(operation: Any) -> JsonObject | None:
    if not isinstance(operation, dict) or not isinstance(operation.get("add"), dict):
        return None
    document = operation["add"].get("body")
    return document if isinstance(document, dict) else None
