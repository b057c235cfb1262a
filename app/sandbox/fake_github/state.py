"""The fake GitHub's world, set up and inspected from Python.

Tests and the demo build repositories, pull requests, reviews and people here, then let
gatehouse talk to the HTTP server in front of it; afterwards they read back what gatehouse
wrote (check runs, comments, labels, review requests) and every request it made. All methods
take one re-entrant lock, so the server thread and the test thread never see half an update.
"""

from __future__ import annotations

from typing import Any

from app.sandbox.fake_github.accounts import Accounts
from app.sandbox.fake_github.deployments import DeploymentActivity
from app.sandbox.fake_github.records import (
    REVIEW_STATES,
    CheckRun,
    Comment,
    Commit,
    FileChange,
    Pull,
    Reaction,
    Repo,
    Review,
    new_sha,
)
from app.sandbox.fake_github.world import DEFAULT_HTML_BASE, RATE_LIMIT

__all__ = ["DEFAULT_HTML_BASE", "RATE_LIMIT", "GitHubState"]


class GitHubState(Accounts, DeploymentActivity):
    """The fake GitHub's world: ``World``'s registry, ``Accounts``' people and sign-in, plus
    pull requests and what happens on them. Control methods (``open_pull``, ``push``, ``add_review``...) act as people would
    on GitHub; inspection methods read back what gatehouse did."""

    def _commit(self, repo: Repo, parent: str, author: str, files: list[FileChange]) -> str:
        message = f"Change {', '.join(change.path for change in files[:3]) or 'nothing'}"
        commit = Commit(
            new_sha(repo.full_name, parent), [parent], message, author, {}, at=self.now()
        )
        commit.changes = {change.path: change for change in files}
        repo.commits[commit.sha] = commit
        return commit.sha

    def open_pull(
        self,
        repo: str,
        author: str,
        title: str,
        files: list[FileChange],
        body: str = "",
        head_ref: str = "feature",
        base_ref: str = "main",
        draft: bool = False,
    ) -> Pull:
        """A pull request of one new commit on top of ``base_ref``."""
        with self.lock:
            found = self.repo(repo)
            self.user_record(author)
            base_sha = found.branches[base_ref]
            head = self._commit(found, base_sha, author, files)
            found.branches[head_ref] = head
            number, found.next_number = found.next_number, found.next_number + 1
            opened = self.now()
            pull = Pull(
                self.next_id(),
                number,
                author,
                title,
                body,
                head_ref,
                base_ref,
                base_sha,
                [head],
                {change.path: change for change in files},
                draft=draft,
                created_at=opened,
                updated_at=opened,
            )
            found.pulls[number] = pull
            return pull

    def push(self, repo: str, number: int, files: list[FileChange]) -> str:
        """A new head commit on the pull request; returns its sha."""
        with self.lock:
            found, pull = self.repo(repo), self.pull(repo, number)
            sha = self._commit(found, pull.head_sha, pull.author, files)
            pull.commits.append(sha)
            pull.files.update({change.path: change for change in files})
            found.branches[pull.head_ref] = sha
            pull.updated_at = self.now()
            return sha

    def add_review(
        self,
        repo: str,
        number: int,
        reviewer: str,
        state: str,
        commit_sha: str | None = None,
        body: str = "",
    ) -> dict[str, Any]:
        """Submit a review (REST state names); the reviewer leaves the requested list."""
        if state not in REVIEW_STATES[:3]:
            raise ValueError(f"review state must be one of {REVIEW_STATES[:3]}, not {state!r}")
        with self.lock:
            pull = self.pull(repo, number)
            if reviewer.lower() == pull.author.lower() and state != "COMMENTED":
                raise ValueError("GitHub refuses approvals and change requests from the author")
            review = Review(
                self.next_id(),
                reviewer,
                state,
                commit_sha or pull.head_sha,
                body,
                submitted_at=self.now(),
            )
            pull.reviews.append(review)
            pull.requested_reviewers = [
                login for login in pull.requested_reviewers if login.lower() != reviewer.lower()
            ]
            return self.shapes().review(self.repo(repo), pull, review)

    def dismiss_review(self, repo: str, number: int, review_id: int) -> dict[str, Any]:
        with self.lock:
            pull = self.pull(repo, number)
            review = next((r for r in pull.reviews if r.id == review_id), None)
            if review is None:
                raise KeyError(f"no review {review_id} on {repo}#{number}")
            review.state = "DISMISSED"
            return self.shapes().review(self.repo(repo), pull, review)

    def close_pull(
        self, repo: str, number: int, merged: bool, merged_by: str | None = None
    ) -> None:
        """Close the pull request; merging puts a merge commit on the base branch."""
        with self.lock:
            found, pull = self.repo(repo), self.pull(repo, number)
            closed = self.now()
            pull.state, pull.merged, pull.closed_at = "closed", merged, closed
            if merged:
                base = found.branches[pull.base_ref]
                merge = Commit(
                    new_sha(repo, base),
                    [base, pull.head_sha],
                    f"Merge pull request #{number}",
                    merged_by or pull.author,
                    dict(pull.files),
                    at=closed,
                )
                found.commits[merge.sha] = merge
                found.branches[pull.base_ref] = merge.sha
                pull.merge_commit_sha, pull.merged_at = merge.sha, pull.closed_at
                pull.merged_by = merged_by or pull.author

    def reopen_pull(self, repo: str, number: int) -> None:
        with self.lock:
            pull = self.pull(repo, number)
            if pull.merged:
                raise ValueError("a merged pull request cannot be reopened")
            pull.state, pull.closed_at = "open", None

    def edit_pull(
        self, repo: str, number: int, title: str | None = None, body: str | None = None
    ) -> dict[str, Any]:
        """Change title or body; returns the ``changes`` object of the ``edited`` event."""
        with self.lock:
            pull, changes = self.pull(repo, number), {}
            if title is not None and title != pull.title:
                changes["title"], pull.title = {"from": pull.title}, title
            if body is not None and body != pull.body:
                changes["body"], pull.body = {"from": pull.body}, body
            return changes

    def mark_ready(self, repo: str, number: int) -> None:
        with self.lock:
            self.pull(repo, number).draft = False

    def add_comment(
        self, repo: str, number: int, login: str, body: str, user_type: str = "User"
    ) -> dict[str, Any]:
        """A comment by someone on the pull request; returns it as the REST API shows it."""
        with self.lock:
            found = self.repo(repo)
            self.pull(repo, number)
            self.add_user(login, user_type)
            posted = self.now()
            comment = Comment(
                self.next_id(),
                number,
                login,
                body,
                user_type,
                created_at=posted,
                updated_at=posted,
            )
            found.comments[comment.id] = comment
            return self.shapes().comment(found, comment)

    def check_runs(self, repo: str, head_sha: str | None = None) -> list[CheckRun]:
        with self.lock:
            runs = self.repo(repo).check_runs.values()
            return [run for run in runs if head_sha in (None, run.head_sha)]

    def comments(self, repo: str, number: int) -> list[Comment]:
        with self.lock:
            return [c for c in self.repo(repo).comments.values() if c.number == number]

    def requested_reviewers(self, repo: str, number: int) -> list[str]:
        with self.lock:
            return list(self.pull(repo, number).requested_reviewers)

    def requested_teams(self, repo: str, number: int) -> list[str]:
        with self.lock:
            return list(self.pull(repo, number).requested_teams)

    def labels(self, repo: str, number: int) -> list[str]:
        with self.lock:
            return list(self.pull(repo, number).labels)

    def reactions(self, comment_id: int) -> list[Reaction]:
        with self.lock:
            for repo in self.repos.values():
                if comment_id in repo.comments:
                    return list(repo.comments[comment_id].reactions)
            raise KeyError(f"no comment {comment_id}")
