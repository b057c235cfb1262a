"""Issue endpoints on pull requests: comments, reactions to comments, labels."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.sandbox.fake_github.records import Comment, Label, Reaction, Repo
from app.sandbox.fake_github.web import Call, GitHubError, Reply, invalid, not_found, route


def _issue(call: Call) -> tuple[Repo, int]:
    """The repository and the number of an existing pull request (the only issues here)."""
    repo, pull = call.pull("issue_number")
    return repo, pull.number


def _text(call: Call, key: str) -> str:
    value = call.body.get(key) if isinstance(call.body, dict) else None
    if not isinstance(value, str):
        raise invalid("Invalid request.", f"{key} is required and must be a string")
    return value


@route("GET", "/repos/{owner}/{repo}/issues/{issue_number}/comments", "issues/list-comments")
def list_comments(call: Call) -> Reply:
    repo, number = _issue(call)
    since = call.arg("since")
    floor = datetime.fromisoformat(since.replace("Z", "+00:00")) if since else None
    comments = [
        comment
        for comment in repo.comments.values()
        if comment.number == number and (floor is None or comment.updated_at >= floor)
    ]
    return call.page([call.shapes.comment(repo, comment) for comment in comments])


@route("POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments", "issues/create-comment")
def create_comment(call: Call) -> Reply:
    """A comment authored by whoever the credentials act as (the App's bot)."""
    repo, number = _issue(call)
    body = _text(call, "body")
    login, user_type = call.actor()
    with call.state.lock:
        call.state.user_record(login)
        app_id = call.app.id if call.app else None
        posted = call.state.now()
        comment = Comment(
            call.state.next_id(),
            number,
            login,
            body,
            user_type,
            app_id,
            created_at=posted,
            updated_at=posted,
        )
        repo.comments[comment.id] = comment
    shaped = call.shapes.comment(repo, comment)
    return Reply(201, shaped, {"Location": shaped["url"]})


def _comment(call: Call, repo: Repo) -> Comment:
    comment = repo.comments.get(call.int_param("comment_id"))
    if comment is None:
        raise not_found()
    return comment


@route("PATCH", "/repos/{owner}/{repo}/issues/comments/{comment_id}", "issues/update-comment")
def update_comment(call: Call) -> Reply:
    repo = call.repo()
    comment = _comment(call, repo)
    body = _text(call, "body")
    with call.state.lock:
        comment.body, comment.updated_at = body, call.state.now()
    return Reply(200, call.shapes.comment(repo, comment))


@route(
    "POST",
    "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions",
    "reactions/create-for-issue-comment",
)
def react(call: Call) -> Reply:
    """201 for a new reaction; 200 with the existing one when the same user already reacted
    with the same content."""
    repo = call.repo()
    comment = _comment(call, repo)
    content = _text(call, "content")
    login, _ = call.actor()
    with call.state.lock:
        for reaction in comment.reactions:
            if reaction.user == login and reaction.content == content:
                return Reply(200, call.shapes.reaction(reaction))
        reaction = Reaction(call.state.next_id(), login, content, created_at=call.state.now())
        comment.reactions.append(reaction)
    return Reply(201, call.shapes.reaction(reaction))


def _labels(call: Call, repo: Repo, names: list[str]) -> list[dict[str, Any]]:
    return [call.shapes.label(repo, repo.labels[name]) for name in names]


@route("GET", "/repos/{owner}/{repo}/issues/{issue_number}/labels", "issues/list-labels-on-issue")
def list_labels(call: Call) -> Reply:
    repo, number = _issue(call)
    return call.page(_labels(call, repo, repo.pulls[number].labels))


def _requested_labels(body: Any) -> list[str]:
    """Label names from ``{"labels": [...]}`` or a bare list (both accepted by GitHub)."""
    items = body.get("labels") if isinstance(body, dict) else body
    if not isinstance(items, list) or not items:
        raise invalid("Invalid request.", "labels must be a non-empty array")
    names = [item.get("name") if isinstance(item, dict) else item for item in items]
    if not all(isinstance(name, str) and name for name in names):
        raise invalid("Invalid request.", "each label must be a name")
    return [str(name) for name in names]


@route("POST", "/repos/{owner}/{repo}/issues/{issue_number}/labels", "issues/add-labels")
def add_labels(call: Call) -> Reply:
    """Add labels (created in the repository when new); answers with all the labels."""
    repo, number = _issue(call)
    pull = repo.pulls[number]
    with call.state.lock:
        for name in _requested_labels(call.body):
            if name not in repo.labels:
                repo.labels[name] = Label(call.state.next_id(), name)
            if name not in pull.labels:
                pull.labels.append(name)
    return Reply(200, _labels(call, repo, pull.labels))


@route(
    "DELETE",
    "/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}",
    "issues/remove-label",
)
def remove_label(call: Call) -> Reply:
    repo, number = _issue(call)
    pull, name = repo.pulls[number], call.params["name"]
    with call.state.lock:
        if name not in pull.labels:
            raise GitHubError(404, "Label does not exist")
        pull.labels.remove(name)
    return Reply(200, _labels(call, repo, pull.labels))
