"""The GitHub REST operations gatehouse uses, and nothing else.

Each method is one operation of SPEC section 4's API surface (named by its operationId in
the metric labels). Answers are plain JSON: no lazy object ever makes a hidden call.
"""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import quote

from app.github.budget import Priority
from app.github.transport import GitHubError, Transport

MAX_PULL_FILES = 3000
MAX_COMPARE_PAGES = 30  # 3,000 commits between two deployments


def _repo(full_name: str) -> str:
    owner, _, name = full_name.partition("/")
    return f"/repos/{quote(owner)}/{quote(name)}"


class InstallationClient:
    """Calls made with one installation's token."""

    def __init__(self, transport: Transport) -> None:
        self.t = transport

    def _object(self, operation: str, verb: str, url: str, **kwargs: Any) -> dict[str, Any]:
        """A call whose answer is a JSON object."""
        data = self.t.call(operation, verb, url, **kwargs)[1]
        if not isinstance(data, dict):
            raise GitHubError(operation, 0, "expected a JSON object in the answer")
        return data

    # pull requests
    def get_pull(self, repo: str, number: int) -> dict[str, Any]:
        return self._object("pulls/get", "GET", f"{_repo(repo)}/pulls/{number}")

    def list_files(self, repo: str, number: int) -> list[dict[str, Any]]:
        url = f"{_repo(repo)}/pulls/{number}/files"
        return self.t.paginate("pulls/list-files", url, limit=MAX_PULL_FILES)

    def list_reviews(self, repo: str, number: int) -> list[dict[str, Any]]:
        return self.t.paginate("pulls/list-reviews", f"{_repo(repo)}/pulls/{number}/reviews")

    def list_requested_reviewers(self, repo: str, number: int) -> dict[str, Any]:
        url = f"{_repo(repo)}/pulls/{number}/requested_reviewers"
        return self._object("pulls/list-requested-reviewers", "GET", url)

    def request_reviewers(
        self, repo: str, number: int, reviewers: list[str], teams: list[str]
    ) -> None:
        body: dict[str, Any] = {}
        if reviewers:
            body["reviewers"] = reviewers
        if teams:
            body["team_reviewers"] = teams
        url = f"{_repo(repo)}/pulls/{number}/requested_reviewers"
        self.t.call("pulls/request-reviewers", "POST", url, body=body)

    def compare(self, repo: str, base: str, head: str) -> dict[str, Any]:
        url = f"{_repo(repo)}/compare/{base}...{head}"
        return self._object(
            "repos/compare-commits-with-basehead", "GET", url, params={"per_page": 100}
        )

    # deployments: a deployment waits on these, so they go first like check work
    def compare_commits(
        self, repo: str, base: str, head: str, *, max_pages: int = MAX_COMPARE_PAGES
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The comparison ``base...head`` and its commits, page after page (100 a page),
        until ``total_commits`` are read or ``max_pages`` were: fewer commits than
        ``total_commits`` means the rest could not be read."""
        url = f"{_repo(repo)}/compare/{base}...{head}"
        operation = "repos/compare-commits-with-basehead"
        query = {"per_page": 100, "page": 1}
        first = self._object(operation, "GET", url, params=query, priority=Priority.CHECK)
        commits = [c for c in first.get("commits") or [] if isinstance(c, dict)]
        total = int(first.get("total_commits") or len(commits))
        seen = {c.get("sha") for c in commits}
        page = 1
        while len(seen) < total and page < max_pages:
            page += 1
            query = {"per_page": 100, "page": page}
            data = self._object(operation, "GET", url, params=query, priority=Priority.CHECK)
            listed = [c for c in data.get("commits") or [] if isinstance(c, dict)]
            fresh = [c for c in listed if c.get("sha") not in seen]
            if not fresh:
                break
            commits += fresh
            seen.update(c.get("sha") for c in fresh)
        return first, commits

    def pulls_for_commit(self, repo: str, sha: str) -> list[dict[str, Any]]:
        """The merged pull request that brought ``sha`` to the default branch (elsewhere:
        its merged and open ones)."""
        url = f"{_repo(repo)}/commits/{quote(sha)}/pulls"
        return self.t.paginate(
            "repos/list-pull-requests-associated-with-commit", url, priority=Priority.CHECK
        )

    def get_deployment(self, repo: str, deployment_id: int) -> dict[str, Any]:
        url = f"{_repo(repo)}/deployments/{deployment_id}"
        return self._object("repos/get-deployment", "GET", url, priority=Priority.CHECK)

    def review_deployment_gate(
        self, repo: str, run_id: int, environment: str, state: str | None, comment: str
    ) -> None:
        """Approve or reject (``state``) this App's protection rule on a workflow run's
        deployment to ``environment``; with ``state`` None, only a status comment."""
        body: dict[str, Any] = {"environment_name": environment, "comment": comment}
        if state is not None:
            body["state"] = state
        url = f"{_repo(repo)}/actions/runs/{run_id}/deployment_protection_rule"
        self.t.call(
            "actions/review-custom-gates-for-run", "POST", url, body=body, priority=Priority.CHECK
        )

    # check runs
    def create_check_run(self, repo: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._object("checks/create", "POST", f"{_repo(repo)}/check-runs", body=body)

    def update_check_run(
        self,
        repo: str,
        check_run_id: int,
        body: dict[str, Any],
        *,
        priority: Priority | None = None,
    ) -> dict[str, Any]:
        """``priority`` ``CATCH_UP`` for an update that changes no decision (the ticket
        added to a check already published): it waits its turn behind other checks."""
        url = f"{_repo(repo)}/check-runs/{check_run_id}"
        return self._object("checks/update", "PATCH", url, body=body, priority=priority)

    def find_check_runs(self, repo: str, ref: str, name: str) -> list[dict[str, Any]]:
        url = f"{_repo(repo)}/commits/{ref}/check-runs"
        data = self.t.call("checks/list-for-ref", "GET", url, params={"check_name": name})[1]
        return list(data.get("check_runs", [])) if isinstance(data, dict) else []

    # comments, reactions, labels
    def list_comments(self, repo: str, number: int) -> list[dict[str, Any]]:
        return self.t.paginate("issues/list-comments", f"{_repo(repo)}/issues/{number}/comments")

    def create_comment(self, repo: str, number: int, body: str) -> dict[str, Any]:
        url = f"{_repo(repo)}/issues/{number}/comments"
        return self._object("issues/create-comment", "POST", url, body={"body": body})

    def update_comment(self, repo: str, comment_id: int, body: str) -> dict[str, Any]:
        url = f"{_repo(repo)}/issues/comments/{comment_id}"
        return self._object("issues/update-comment", "PATCH", url, body={"body": body})

    def add_reaction(self, repo: str, comment_id: int, content: str = "+1") -> None:
        url = f"{_repo(repo)}/issues/comments/{comment_id}/reactions"
        self.t.call("reactions/create-for-issue-comment", "POST", url, body={"content": content})

    def list_labels(self, repo: str, number: int) -> list[str]:
        url = f"{_repo(repo)}/issues/{number}/labels"
        return [label["name"] for label in self.t.paginate("issues/list-labels-on-issue", url)]

    def add_labels(self, repo: str, number: int, labels: list[str]) -> None:
        url = f"{_repo(repo)}/issues/{number}/labels"
        self.t.call("issues/add-labels", "POST", url, body={"labels": labels})

    def remove_label(self, repo: str, number: int, label: str) -> None:
        url = f"{_repo(repo)}/issues/{number}/labels/{quote(label, safe='')}"
        self.t.call("issues/remove-label", "DELETE", url)

    # repository, permissions, teams
    def get_file(self, repo: str, path: str, ref: str | None = None) -> str | None:
        """A file's text, or ``None`` when it does not exist. ETag-cached."""
        params = {"ref": ref} if ref else None
        try:
            data = self.t.call(
                "repos/get-content",
                "GET",
                f"{_repo(repo)}/contents/{quote(path)}",
                params=params,
                cache=True,
            )[1]
        except GitHubError as exc:
            if exc.status == 404:
                return None
            raise
        if not isinstance(data, dict) or data.get("type", "file") != "file":
            return None
        return base64.b64decode(data.get("content", "")).decode("utf-8", errors="replace")

    def permission(self, repo: str, login: str) -> str:
        url = f"{_repo(repo)}/collaborators/{quote(login)}/permission"
        try:
            data = self.t.call("repos/get-collaborator-permission-level", "GET", url)[1]
        except GitHubError as exc:
            if exc.status == 404:
                return "none"
            raise
        return str(data.get("permission", "none"))

    def team_members(self, team: str) -> list[str]:
        org, _, slug = team.partition("/")
        url = f"/orgs/{quote(org)}/teams/{quote(slug)}/members"
        members = self.t.paginate("teams/list-members-in-org", url, cache=True)
        return [m["login"] for m in members]

    def is_team_member(self, team: str, login: str) -> bool:
        org, _, slug = team.partition("/")
        url = f"/orgs/{quote(org)}/teams/{quote(slug)}/memberships/{quote(login)}"
        try:
            data = self.t.call("teams/get-membership-for-user-in-org", "GET", url)[1]
        except GitHubError as exc:
            if exc.status == 404:
                return False
            raise
        return bool(data and data.get("state") == "active")

    def is_org_member(self, org: str, login: str) -> bool:
        """Whether ``login`` is a member of ``org``: GitHub answers 204 for a member and 404
        (or 302, when it will not tell the caller) otherwise."""
        url = f"/orgs/{quote(org)}/members/{quote(login)}"
        try:
            self.t.call("orgs/check-membership-for-user", "GET", url)
        except GitHubError as exc:
            if exc.status in (302, 404):
                return False
            raise
        return True

    def remove_requested_reviewers(self, repo: str, number: int, reviewers: list[str]) -> None:
        url = f"{_repo(repo)}/pulls/{number}/requested_reviewers"
        self.t.call(
            "pulls/remove-requested-reviewers", "DELETE", url, body={"reviewers": reviewers}
        )
