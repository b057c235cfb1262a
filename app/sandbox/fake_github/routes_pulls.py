"""Pull request endpoints: the pull request, its files, reviews, commits and review
requests."""

from __future__ import annotations

from typing import Any

from app.sandbox.fake_github.records import FileChange, Pull, Repo
from app.sandbox.fake_github.web import Call, Reply, invalid, route

MAX_LISTED_FILES = 3000
NOT_COLLABORATOR = (
    "Reviews may only be requested from collaborators. One or more of the users or teams you "
    "specified is not a collaborator of the {repo} repository."
)


@route("GET", "/repos/{owner}/{repo}/pulls/{pull_number}", "pulls/get")
def get_pull(call: Call) -> Reply:
    repo, pull = call.pull()
    return Reply(200, call.shapes.pull(repo, pull))


@route("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/files", "pulls/list-files")
def list_files(call: Call) -> Reply:
    """The cumulative changed files; like GitHub, never more than 3,000 of them."""
    repo, pull = call.pull()
    shapes = call.shapes

    def render(change: FileChange) -> dict[str, Any]:
        return shapes.diff_entry(repo, pull.head_sha, change)

    return call.page(list(pull.files.values()), cap=MAX_LISTED_FILES, render=render)


@route("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews", "pulls/list-reviews")
def list_reviews(call: Call) -> Reply:
    repo, pull = call.pull()
    return call.page([call.shapes.review(repo, pull, review) for review in pull.reviews])


@route("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/commits", "pulls/list-commits")
def list_commits(call: Call) -> Reply:
    repo, pull = call.pull()
    return call.page([call.shapes.commit(repo, repo.commits[sha]) for sha in pull.commits])


def _requests(call: Call, repo: Repo, pull: Pull) -> dict[str, Any]:
    teams = [call.state.teams[(repo.owner, slug)] for slug in pull.requested_teams]
    return {
        "users": [call.shapes.user(login) for login in pull.requested_reviewers],
        "teams": [call.shapes.team(team) for team in teams],
    }


@route(
    "GET",
    "/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers",
    "pulls/list-requested-reviewers",
)
def list_requested(call: Call) -> Reply:
    repo, pull = call.pull()
    return Reply(200, _requests(call, repo, pull))


def _names(call: Call, key: str) -> list[str]:
    body = call.body if isinstance(call.body, dict) else {}
    values = body.get(key) or []
    return [str(value) for value in values]


@route(
    "POST",
    "/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers",
    "pulls/request-reviewers",
)
def request_reviewers(call: Call) -> Reply:
    """Ask users and teams (by slug) for a review: never the author, only collaborators."""
    repo, pull = call.pull()
    users, teams = _names(call, "reviewers"), _names(call, "team_reviewers")
    if any(login.lower() == pull.author.lower() for login in users):
        raise invalid("Review cannot be requested from pull request author.")
    strangers = [u for u in users if call.state.permission(repo, u) == "none"]
    unknown_teams = [t for t in teams if (repo.owner, t) not in call.state.teams]
    if strangers or unknown_teams:
        raise invalid(NOT_COLLABORATOR.format(repo=repo.full_name))
    with call.state.lock:
        for login in users:
            if login.lower() not in (r.lower() for r in pull.requested_reviewers):
                pull.requested_reviewers.append(call.state.user_record(login).login)
        for slug in teams:
            if slug not in pull.requested_teams:
                pull.requested_teams.append(slug)
        pull.updated_at = call.state.now()
    return Reply(201, call.shapes.pull_simple(repo, pull))


@route(
    "DELETE",
    "/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers",
    "pulls/remove-requested-reviewers",
)
def remove_requested(call: Call) -> Reply:
    repo, pull = call.pull()
    users = {login.lower() for login in _names(call, "reviewers")}
    teams = set(_names(call, "team_reviewers"))
    with call.state.lock:
        pull.requested_reviewers = [r for r in pull.requested_reviewers if r.lower() not in users]
        pull.requested_teams = [t for t in pull.requested_teams if t not in teams]
    return Reply(200, call.shapes.pull_simple(repo, pull))
