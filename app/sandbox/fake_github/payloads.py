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

from app.sandbox.fake_github.deployments import deployment_object
from app.sandbox.fake_github.hook_shapes import HookShapes
from app.sandbox.fake_github.records import Commit, Repo, new_sha
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
    headers = {
        "Content-Type": "application/json",
        "User-Agent": HOOKSHOT,
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery_id or str(uuid.uuid4()),
        "X-GitHub-Hook-ID": "1",
        "X-GitHub-Hook-Installation-Target-Type": "integration",
        "X-Hub-Signature-256": sign(secret, body),
    }
    return httpx.post(url, content=body, headers=headers, timeout=30.0)


def _envelope(
    state: GitHubState, repo: Repo, action: str, sender: str, **fields: Any
) -> dict[str, Any]:
    shapes = HookShapes(state)
    payload: dict[str, Any] = {"action": action, **fields, "repository": shapes.repo(repo)}
    if state.user_record(repo.owner).type == "Organization":
        payload["organization"] = shapes.organization(repo.owner)
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
    return HookShapes(state).pull(repo, repo.pulls[number])


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
        shaped = HookShapes(state).review(found, pull, record)
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
        shapes = HookShapes(state)
        issue = shapes.issue(found, pull, len(state.comments(repo, number)))
        fields = {"issue": issue, "comment": shapes.comment(found, record), **extra}
        return _envelope(state, found, action, record.user, **fields)


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
        shaped = HookShapes(state).check_run(found, run)
        shaped["check_suite"] = HookShapes(state).check_suite(found, run.head_sha, run.app_id)
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
        fields = {"check_suite": HookShapes(state).check_suite(found, head_sha, app_id)}
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
                sha,
                [base_sha, pull.head_sha],
                message,
                pull.author,
                dict(pull.files),
                at=state.now(),
            )
        group = {
            "head_sha": sha,
            "head_ref": f"refs/heads/gh-readonly-queue/{base_ref}/pr-{pr_number}-{base_sha}",
            "base_sha": base_sha,
            "base_ref": f"refs/heads/{base_ref}",
            "head_commit": HookShapes(state).head_commit(found.commits[sha]),
        }
        return _envelope(state, found, action, pull.author, merge_group=group)


def installation(
    state: GitHubState, installation_id: int = 1, action: str = "created"
) -> dict[str, Any]:
    """An ``installation`` event listing the installation's repositories."""
    with state.lock:
        shapes = HookShapes(state)
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


def deployment_protection_rule(
    state: GitHubState,
    repo: str,
    deployment_id: int,
    *,
    event: str = "push",
    sender: str | None = None,
) -> dict[str, Any]:
    """A ``deployment_protection_rule.requested`` event for a deployment from
    ``start_deployment``: its environment, the callback URL of its workflow run and the
    deployment, as GitHub sends them (no pull requests: a push to the branch)."""
    with state.lock:
        found = state.repo(repo)
        deployment = state.deployment_book(repo).deployments[deployment_id]
        shapes = HookShapes(state)
        run_url = f"{shapes.repo_url(found)}/actions/runs/{deployment.run_id}"
        fields: dict[str, Any] = {
            "environment": deployment.environment,
            "event": event,
            "deployment_callback_url": f"{run_url}/deployment_protection_rule",
            "deployment": deployment_object(shapes, found, deployment, webhook=True),
            "pull_requests": [],
        }
        return _envelope(state, found, "requested", sender or deployment.creator, **fields)
