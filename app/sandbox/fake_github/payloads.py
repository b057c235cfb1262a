"""Webhook deliveries shaped like GitHub's, built from the fake's state so that what a
payload says (shas, numbers, labels, reviewers) agrees with what the API then answers.

Every repository event carries ``installation.id``, ``repository`` and ``sender``;
``installation`` events carry ``repositories`` instead of ``repository``, as on GitHub.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from typing import Any

import httpx

from app.sandbox.fake_github.pull_shapes import PullShapes
from app.sandbox.fake_github.records import Commit, Repo, iso, new_sha
from app.sandbox.fake_github.shapes import node_id
from app.sandbox.fake_github.state import GitHubState

HOOKSHOT = "GitHub-Hookshot/7e9d5b1"


def sign(secret: str, body: bytes) -> str:
    """``X-Hub-Signature-256`` for ``body``: ``sha256=`` and the HMAC-SHA256 hex digest."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def deliver(
    url: str,
    secret: str,
    event: str,
    payload: dict[str, Any],
    delivery_id: str | None = None,
) -> httpx.Response:
    """POST ``payload`` to ``url`` as GitHub delivers a webhook, signed with ``secret``."""
    body = json.dumps(payload).encode()
    installation = payload.get("installation", {}).get("id", "")
    headers = {
        "Content-Type": "application/json",
        "User-Agent": HOOKSHOT,
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery_id or str(uuid.uuid4()),
        "X-GitHub-Hook-ID": "1",
        "X-GitHub-Hook-Installation-Target-Type": "integration",
        "X-GitHub-Hook-Installation-Target-ID": str(installation),
        "X-Hub-Signature-256": sign(secret, body),
    }
    return httpx.post(url, content=body, headers=headers, timeout=30.0)


def _envelope(
    state: GitHubState, repo: Repo, action: str, sender: str, **fields: Any
) -> dict[str, Any]:
    shapes = state.shapes()
    payload: dict[str, Any] = {"action": action, **fields, "repository": shapes.repo(repo)}
    owner = state.user_record(repo.owner)
    if owner.type == "Organization":
        url = f"{shapes.api}/orgs/{owner.login}"
        payload["organization"] = {
            "login": owner.login,
            "id": owner.id,
            "node_id": node_id("Organization", owner.id),
            "url": url,
            "repos_url": f"{url}/repos",
            "events_url": f"{url}/events",
            "hooks_url": f"{url}/hooks",
            "issues_url": f"{url}/issues",
            "members_url": f"{url}/members{{/member}}",
            "public_members_url": f"{url}/public_members{{/member}}",
            "avatar_url": f"{shapes.html}/avatars/u/{owner.id}?v=4",
            "description": None,
        }
    payload["sender"] = shapes.user(sender)
    installation = repo.installation_id
    payload["installation"] = {"id": installation, "node_id": node_id("Installation", installation)}
    return payload


def pull_request(
    state: GitHubState,
    repo: str,
    number: int,
    action: str,
    *,
    sender: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A ``pull_request`` event. ``synchronize`` gets ``before``/``after`` (the previous and
    the current head unless given); ``edited`` takes ``changes=`` as ``edit_pull`` returns it."""
    with state.lock:
        found, pull = state.repo(repo), state.pull(repo, number)
        fields: dict[str, Any] = {"number": number, "pull_request": _pull(state, found, number)}
        if action == "synchronize":
            fields["before"] = pull.commits[-2] if len(pull.commits) > 1 else pull.base_sha
            fields["after"] = pull.head_sha
        if action == "edited":
            fields["changes"] = {}
        fields.update(extra)
        return _envelope(state, found, action, sender or pull.author, **fields)


def _pull(state: GitHubState, repo: Repo, number: int) -> dict[str, Any]:
    return state.shapes().pull(repo, repo.pulls[number])


def _by_id(items: dict[str, Any] | int) -> int:
    return int(items["id"]) if isinstance(items, dict) else int(items)


def pull_request_review(
    state: GitHubState,
    repo: str,
    number: int,
    review: dict[str, Any] | int,
    action: str = "submitted",
) -> dict[str, Any]:
    """A ``pull_request_review`` event for a review from ``add_review`` (or its id); the
    review's state is lower case, as in webhooks."""
    with state.lock:
        found, pull = state.repo(repo), state.pull(repo, number)
        record = next(r for r in pull.reviews if r.id == _by_id(review))
        shaped = state.shapes().review(found, pull, record)
        shaped["state"] = record.state.lower()
        fields = {"review": shaped, "pull_request": _pull(state, found, number)}
        return _envelope(state, found, action, record.user, **fields)


def issue_comment(
    state: GitHubState,
    repo: str,
    number: int,
    comment: dict[str, Any] | int,
    action: str = "created",
    **extra: Any,
) -> dict[str, Any]:
    """An ``issue_comment`` event on a pull request (``issue.pull_request`` present)."""
    with state.lock:
        found, pull = state.repo(repo), state.pull(repo, number)
        record = found.comments[_by_id(comment)]
        shapes = state.shapes()
        pull_json = shapes.pull(found, pull)
        issue = {
            key: pull_json[key]
            for key in ("id", "node_id", "number", "title", "user", "labels", "state", "locked")
        }
        issue.update(
            url=pull_json["issue_url"],
            repository_url=shapes.repo_url(found),
            html_url=pull_json["html_url"],
            comments_url=pull_json["comments_url"],
            body=pull.body or None,
            assignee=None,
            assignees=[],
            milestone=None,
            comments=len(state.comments(repo, number)),
            created_at=pull_json["created_at"],
            updated_at=pull_json["updated_at"],
            closed_at=pull_json["closed_at"],
            author_association=pull_json["author_association"],
            draft=pull.draft,
            pull_request={
                "url": pull_json["url"],
                "html_url": pull_json["html_url"],
                "diff_url": pull_json["diff_url"],
                "patch_url": pull_json["patch_url"],
                "merged_at": pull_json["merged_at"],
            },
        )
        fields = {"issue": issue, "comment": shapes.comment(found, record), **extra}
        return _envelope(state, found, action, record.user, **fields)


def _suite(state: GitHubState, repo: Repo, head_sha: str, app_id: int) -> dict[str, Any]:
    shapes = state.shapes()
    suite_id = state.check_suite_id(repo, app_id, head_sha)
    pulls = [p for p in repo.pulls.values() if p.head_sha == head_sha and p.state == "open"]
    branch = pulls[0].head_ref if pulls else None
    app = state.apps.get(app_id)
    commit = repo.commits[head_sha]
    return {
        "id": suite_id,
        "node_id": node_id("CheckSuite", suite_id),
        "head_branch": branch,
        "head_sha": head_sha,
        "status": "completed",
        "conclusion": None,
        "url": f"{shapes.repo_url(repo)}/check-suites/{suite_id}",
        "before": commit.parents[0] if commit.parents else None,
        "after": head_sha,
        "pull_requests": [shapes.pull_minimal(repo, pull) for pull in pulls],
        "app": shapes.integration(app) if app else None,
        "created_at": iso(commit.at),
        "updated_at": iso(commit.at),
        "latest_check_runs_count": len(
            [run for run in repo.check_runs.values() if run.head_sha == head_sha]
        ),
        "check_runs_url": f"{shapes.repo_url(repo)}/check-suites/{suite_id}/check-runs",
        "head_commit": _head_commit(commit),
    }


def _head_commit(commit: Commit) -> dict[str, Any]:
    person = {"name": commit.author, "email": f"{commit.author}@users.noreply.github.localhost"}
    return {
        "id": commit.sha,
        "tree_id": hashlib.sha1(commit.sha.encode(), usedforsecurity=False).hexdigest(),
        "message": commit.message,
        "timestamp": iso(commit.at),
        "author": person,
        "committer": person,
    }


def check_run(
    state: GitHubState,
    repo: str,
    check_run_id: int,
    action: str,
    requested_action_identifier: str | None = None,
    *,
    sender: str | None = None,
) -> dict[str, Any]:
    """A ``check_run`` event (``rerequested``, ``requested_action`` with the identifier of
    the button pressed, ...) for a run the App created."""
    with state.lock:
        found = state.repo(repo)
        run = found.check_runs[check_run_id]
        shaped = state.shapes().check_run(found, run)
        shaped["check_suite"] = _suite(state, found, run.head_sha, run.app_id)
        fields: dict[str, Any] = {"check_run": shaped}
        if requested_action_identifier is not None:
            fields["requested_action"] = {"identifier": requested_action_identifier}
        who = sender or _someone(found)
        return _envelope(state, found, action, who, **fields)


def _someone(repo: Repo) -> str:
    pulls = list(repo.pulls.values())
    return pulls[-1].author if pulls else repo.owner


def check_suite(
    state: GitHubState,
    repo: str,
    head_sha: str,
    action: str = "rerequested",
    *,
    sender: str | None = None,
) -> dict[str, Any]:
    """A ``check_suite`` event for the App's suite on ``head_sha``."""
    with state.lock:
        found = state.repo(repo)
        app_id = next(iter(state.apps), 0)
        fields = {"check_suite": _suite(state, found, head_sha, app_id)}
        return _envelope(state, found, action, sender or _someone(found), **fields)


def merge_group(
    state: GitHubState,
    repo: str,
    head_sha: str | None,
    base_ref: str,
    pr_number: int,
    action: str = "checks_requested",
) -> dict[str, Any]:
    """A ``merge_group`` event for pull request ``pr_number`` queued on ``base_ref``. The
    merge-queue commit ``head_sha`` (made up when None) is added to the repository's
    history when new, so check runs can be posted on it."""
    with state.lock:
        found, pull = state.repo(repo), state.pull(repo, pr_number)
        base_sha = found.branches[base_ref]
        sha = head_sha or new_sha(repo, "merge-queue")
        if sha not in found.commits:
            message = f"Merge pull request #{pr_number} into {base_ref}"
            found.commits[sha] = Commit(
                sha, [base_sha, pull.head_sha], message, pull.author, dict(pull.files)
            )
        group = {
            "head_sha": sha,
            "head_ref": f"refs/heads/gh-readonly-queue/{base_ref}/pr-{pr_number}-{base_sha}",
            "base_sha": base_sha,
            "base_ref": f"refs/heads/{base_ref}",
            "head_commit": _head_commit(found.commits[sha]),
        }
        return _envelope(state, found, action, pull.author, merge_group=group)


def installation(
    state: GitHubState, installation_id: int = 1, action: str = "created"
) -> dict[str, Any]:
    """An ``installation`` event listing the installation's repositories."""
    with state.lock:
        shapes: PullShapes = state.shapes()
        record = state.installations[installation_id]
        app = next(iter(state.apps.values()))
        repos = [r for r in state.repos.values() if r.installation_id == installation_id]
        listed = [
            {
                "id": r.id,
                "node_id": node_id("Repository", r.id),
                "name": r.name,
                "full_name": r.full_name,
                "private": r.private,
            }
            for r in repos
        ]
        return {
            "action": action,
            "installation": shapes.installation(record, app),
            "repositories": listed,
            "sender": shapes.user(record.account),
        }
