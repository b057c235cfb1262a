"""Deployments in the fake GitHub: commits pushed straight to a branch, workflow runs whose
deployment to an environment waits on the App's custom protection rule, and the reviews
the App sends for them.

A run's gate for an environment is reviewed once: GitHub takes one ``approved`` or
``rejected`` per run and environment (comments alone may come before it) and refuses what
comes after.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.sandbox.fake_github import history
from app.sandbox.fake_github.records import Commit, FileChange, Pull, Repo, iso, new_sha
from app.sandbox.fake_github.shapes import Shapes, node_id
from app.sandbox.fake_github.world import World


@dataclass
class WorkflowRun:
    """A workflow run; ``gates`` maps each environment it deploys to (lower case) to
    ``None`` while the App's rule is pending, then to the state the App sent."""

    id: int
    head_sha: str
    head_branch: str
    gates: dict[str, str | None]
    created_at: datetime = field(kw_only=True)


@dataclass
class Deployment:
    id: int
    sha: str
    ref: str
    environment: str
    run_id: int
    creator: str
    task: str = "deploy"
    created_at: datetime = field(kw_only=True)


@dataclass(frozen=True)
class GateReview:
    """One ``POST .../actions/runs/{run_id}/deployment_protection_rule`` GitHub accepted."""

    run_id: int
    environment: str
    state: str | None
    comment: str
    app_id: int | None
    at: datetime


@dataclass
class DeploymentBook:
    runs: dict[int, WorkflowRun] = field(default_factory=dict)
    deployments: dict[int, Deployment] = field(default_factory=dict)
    reviews: list[GateReview] = field(default_factory=list)


class DeploymentActivity(World):
    """``World`` plus deployments, per repository."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.deployment_books: dict[str, DeploymentBook] = {}

    def deployment_book(self, repo: str) -> DeploymentBook:
        with self.lock:
            return self.deployment_books.setdefault(self.repo(repo).full_name, DeploymentBook())

    def push_direct(
        self,
        repo: str,
        author: str,
        files: list[FileChange],
        *,
        branch: str | None = None,
        message: str | None = None,
    ) -> str:
        """A commit pushed straight to ``branch`` (the default branch), with no pull request;
        returns its sha."""
        with self.lock:
            found = self.repo(repo)
            self.user_record(author)
            name = branch or found.default_branch
            parent = found.branches[name]
            text = message or f"Change {', '.join(c.path for c in files[:3]) or 'nothing'}"
            commit = Commit(new_sha(repo, parent), [parent], text, author, {}, at=self.now())
            commit.changes = {change.path: change for change in files}
            found.commits[commit.sha] = commit
            found.branches[name] = commit.sha
            return commit.sha

    def merge_commit(self, repo: str, number: int) -> str:
        """The commit merging pull request ``number`` put on its base branch."""
        with self.lock:
            pull = self.repo(repo).pulls[number]
            if not pull.merged or pull.merge_commit_sha is None:
                raise ValueError(f"{repo}#{number} is not merged")
            return pull.merge_commit_sha

    def start_deployment(
        self,
        repo: str,
        environment: str,
        *,
        sha: str | None = None,
        ref: str | None = None,
        creator: str | None = None,
    ) -> Deployment:
        """A workflow run deploying ``sha`` (the default branch's head) to ``environment``,
        its deployment waiting on the App's protection rule."""
        with self.lock:
            found = self.repo(repo)
            book = self.deployment_book(repo)
            branch = ref or found.default_branch
            head = sha or found.branches[branch]
            if head not in found.commits:
                raise ValueError(f"no commit {head} in {repo}")
            who = creator or found.owner
            self.user_record(who)
            now = self.now()
            run = WorkflowRun(
                self.next_id() + 280_000_000,
                head,
                branch,
                {environment.lower(): None},
                created_at=now,
            )
            book.runs[run.id] = run
            deployment = Deployment(
                self.next_id() + 145_000_000,
                head,
                branch,
                environment,
                run.id,
                who,
                created_at=now,
            )
            book.deployments[deployment.id] = deployment
            return deployment

    def gate_reviews(self, repo: str, run_id: int | None = None) -> list[GateReview]:
        """The reviews the App sent, of one run or of all."""
        with self.lock:
            reviews = self.deployment_book(repo).reviews
            return [r for r in reviews if run_id is None or r.run_id == run_id]

    def pulls_with_commit(self, repo: Repo, sha: str) -> list[Pull]:
        """What ``GET /commits/{sha}/pulls`` lists: on the default branch, the merged pull
        requests that brought the commit (its own commits or its merge commit); elsewhere
        also open ones."""
        with self.lock:
            default_head = repo.branches.get(repo.default_branch)
            on_default = default_head is not None and sha in history.ancestry(repo, default_head)
            found = [
                pull
                for pull in repo.pulls.values()
                if sha in pull.commits or pull.merge_commit_sha == sha
            ]
            if on_default:
                found = [pull for pull in found if pull.merged]
            else:
                found = [pull for pull in found if pull.merged or pull.state == "open"]
            return sorted(found, key=lambda pull: (pull.merged_at is None, pull.number))


def deployment_object(
    shapes: Shapes, repo: Repo, deployment: Deployment, *, webhook: bool = False
) -> dict[str, Any]:
    """A ``deployment`` as the REST API answers it; ``webhook``: as deliveries carry it
    (without the environment flags)."""
    url = f"{shapes.repo_url(repo)}/deployments/{deployment.id}"
    body: dict[str, Any] = {
        "url": url,
        "id": deployment.id,
        "node_id": node_id("Deployment", deployment.id),
        "sha": deployment.sha,
        "ref": deployment.ref,
        "task": deployment.task,
        "payload": {},
        "original_environment": deployment.environment,
        "environment": deployment.environment,
        "description": None,
        "creator": shapes.user(deployment.creator),
        "created_at": iso(deployment.created_at),
        "updated_at": iso(deployment.created_at),
        "statuses_url": f"{url}/statuses",
        "repository_url": shapes.repo_url(repo),
    }
    if not webhook:
        body["transient_environment"] = False
        body["production_environment"] = deployment.environment.lower() == "production"
    return body
