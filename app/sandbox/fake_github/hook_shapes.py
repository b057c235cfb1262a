"""Objects that appear in webhook payloads only: the organisation, a pull request seen as
an issue, a check suite and its head commit."""

from __future__ import annotations

import hashlib
from typing import Any

from app.sandbox.fake_github.pull_shapes import PullShapes
from app.sandbox.fake_github.records import Commit, Pull, Repo, iso
from app.sandbox.fake_github.shapes import node_id


class HookShapes(PullShapes):
    """``PullShapes`` plus the webhook-only objects."""

    def issue(self, repo: Repo, pull: Pull, comments: int) -> dict[str, Any]:
        """The pull request as the ``issue`` of an ``issue_comment`` event; its
        ``pull_request`` key is what tells it from a plain issue."""
        shaped = self.pull(repo, pull)
        kept = ("id", "node_id", "number", "title", "user", "labels", "state", "locked")
        return {
            **{key: shaped[key] for key in kept},
            "url": shaped["issue_url"],
            "repository_url": self.repo_url(repo),
            "html_url": shaped["html_url"],
            "comments_url": shaped["comments_url"],
            "body": pull.body or None,
            "assignee": None,
            "assignees": [],
            "milestone": None,
            "comments": comments,
            "created_at": shaped["created_at"],
            "updated_at": shaped["updated_at"],
            "closed_at": shaped["closed_at"],
            "author_association": shaped["author_association"],
            "draft": pull.draft,
            "pull_request": {
                key: shaped[key]
                for key in ("url", "html_url", "diff_url", "patch_url", "merged_at")
            },
        }

    def head_commit(self, commit: Commit) -> dict[str, Any]:
        person = {
            "name": commit.author,
            "email": f"{commit.author}@users.noreply.github.localhost",
        }
        return {
            "id": commit.sha,
            "tree_id": hashlib.sha1(commit.sha.encode(), usedforsecurity=False).hexdigest(),
            "message": commit.message,
            "timestamp": iso(commit.at),
            "author": person,
            "committer": person,
        }

    def check_suite(self, repo: Repo, head_sha: str, app_id: int) -> dict[str, Any]:
        """The App's check suite on ``head_sha``, listing the open pull requests it heads."""
        suite_id = self.state.check_suite_id(repo, app_id, head_sha)
        pulls = [p for p in repo.pulls.values() if p.head_sha == head_sha and p.state == "open"]
        app = self.state.apps.get(app_id)
        commit = repo.commits[head_sha]
        runs = [run for run in repo.check_runs.values() if run.head_sha == head_sha]
        url = f"{self.repo_url(repo)}/check-suites/{suite_id}"
        return {
            "id": suite_id,
            "node_id": node_id("CheckSuite", suite_id),
            "head_branch": pulls[0].head_ref if pulls else None,
            "head_sha": head_sha,
            "status": "completed",
            "conclusion": None,
            "url": url,
            "before": commit.parents[0] if commit.parents else None,
            "after": head_sha,
            "pull_requests": [self.pull_minimal(repo, pull) for pull in pulls],
            "app": self.integration(app) if app else None,
            "created_at": iso(commit.at),
            "updated_at": iso(commit.at),
            "latest_check_runs_count": len(runs),
            "check_runs_url": f"{url}/check-runs",
            "head_commit": self.head_commit(commit),
        }
