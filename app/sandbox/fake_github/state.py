"""The fake GitHub's world, set up and inspected from Python.

Tests and the demo build repositories, pull requests, reviews and people here, then let
gatehouse talk to the HTTP server in front of it; afterwards they read back what gatehouse
wrote (check runs, comments, labels, review requests) and every request it made. All methods
take one re-entrant lock, so the server thread and the test thread never see half an update.
"""

from __future__ import annotations

import itertools
import secrets
import string
import threading
from collections import deque
from datetime import timedelta
from typing import Any

from app.sandbox.fake_github import history
from app.sandbox.fake_github.pull_shapes import PullShapes
from app.sandbox.fake_github.records import (
    PERMISSIONS,
    REVIEW_STATES,
    App,
    CheckRun,
    Comment,
    Commit,
    Fault,
    FileChange,
    Installation,
    Pull,
    Reaction,
    RecordedRequest,
    Repo,
    Review,
    Team,
    Token,
    User,
    new_sha,
    now,
)

TOKEN_LIFETIME = timedelta(hours=1)
RATE_LIMIT = 5000
DEFAULT_HTML_BASE = "http://github.localhost"


class GitHubState:
    """Everything the fake GitHub knows. ``html_base`` roots the links people follow
    (``html_url``); ``api_url`` roots API links in objects built outside a request (webhook
    payloads, the dicts the control methods return) and is set by ``serve_github``."""

    def __init__(
        self, *, html_base: str = DEFAULT_HTML_BASE, api_url: str = "http://127.0.0.1"
    ) -> None:
        self.lock = threading.RLock()
        self.html_base = html_base
        self.api_url = api_url
        self.apps: dict[int, App] = {}
        self.installations: dict[int, Installation] = {}
        self.tokens: dict[str, Token] = {}
        self.users: dict[str, User] = {}
        self.repos: dict[str, Repo] = {}
        self.teams: dict[tuple[str, str], Team] = {}
        self.requests: list[RecordedRequest] = []
        self.violations: list[str] = []
        self.rate_used: dict[str, int] = {}
        self.rate_reset: dict[str, int] = {}
        self.faults: dict[str, deque[Fault]] = {}
        self._suites: dict[tuple[int, int, str], int] = {}
        self._ids = itertools.count(1001)

    def next_id(self) -> int:
        with self.lock:
            return next(self._ids)

    # People, apps and repositories -------------------------------------------------------

    def add_app(self, app_id: int, public_key_pem: str, slug: str, name: str | None = None) -> App:
        """Register a GitHub App whose JWTs are checked against ``public_key_pem``."""
        with self.lock:
            app = App(app_id, slug, public_key_pem, name or slug, owner=slug + "-owner")
            self.add_user(app.owner, type="Organization")
            self.add_user(f"{slug}[bot]", type="Bot")
            self.apps[app_id] = app
            return app

    def add_user(self, login: str, type: str = "User") -> User:
        with self.lock:
            user = self.users.get(login.lower())
            if user is None:
                user = self.users[login.lower()] = User(login, self.next_id(), type)
            user.type = type
            return user

    def user_record(self, login: str) -> User:
        """The user called ``login``, registered on first sight (``[bot]`` logins as bots)."""
        with self.lock:
            found = self.users.get(login.lower())
            if found is not None:
                return found
            return self.add_user(login, "Bot" if login.endswith("[bot]") else "User")

    def add_repo(
        self,
        full_name: str,
        default_branch: str = "main",
        installation_id: int = 1,
        private: bool = False,
    ) -> Repo:
        """A repository with one initial commit on ``default_branch``, installed in
        ``installation_id`` (created for the owner when new)."""
        owner, name = full_name.split("/", 1)
        with self.lock:
            if owner.lower() not in self.users:
                self.add_user(owner, type="Organization")
            if installation_id not in self.installations:
                self.installations[installation_id] = Installation(installation_id, owner)
            repo = Repo(self.next_id(), owner, name, default_branch, installation_id, private)
            root = Commit(new_sha(full_name), [], "Initial commit", owner, {})
            repo.commits[root.sha] = root
            repo.branches[default_branch] = root.sha
            self.repos[full_name.lower()] = repo
            return repo

    def repo(self, full_name: str) -> Repo:
        with self.lock:
            found = self.repos.get(full_name.lower())
            if found is None:
                raise KeyError(f"no repository {full_name!r} in the fake GitHub")
            return found

    def set_permission(self, repo: str, login: str, permission: str) -> None:
        if permission not in PERMISSIONS:
            raise ValueError(f"permission must be one of {PERMISSIONS}, not {permission!r}")
        with self.lock:
            self.user_record(login)
            self.repo(repo).permissions[login.lower()] = permission

    def permission(self, repo: Repo, login: str) -> str:
        with self.lock:
            return repo.permissions.get(login.lower(), "none")

    def add_team(self, org: str, slug: str, members: list[str]) -> Team:
        with self.lock:
            for login in members:
                self.user_record(login)
            team = Team(self.next_id(), org, slug, list(members))
            self.teams[(org, slug)] = team
            return team

    def set_content(self, repo: str, path: str, text: str, ref: str | None = None) -> None:
        """File ``path`` at ``ref`` (the default branch when ``None``); other refs fall back
        to the default branch's files."""
        with self.lock:
            found = self.repo(repo)
            found.contents.setdefault(ref or found.default_branch, {})[path] = text

    # Pull requests -----------------------------------------------------------------------

    def pull(self, repo: str, number: int) -> Pull:
        with self.lock:
            found = self.repo(repo).pulls.get(number)
            if found is None:
                raise KeyError(f"no pull request #{number} in {repo}")
            return found

    def _commit(self, repo: Repo, parent: str, author: str, files: list[FileChange]) -> str:
        message = f"Change {', '.join(change.path for change in files[:3]) or 'nothing'}"
        commit = Commit(new_sha(repo.full_name, parent), [parent], message, author, {})
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
            pull.updated_at = now()
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
            review = Review(self.next_id(), reviewer, state, commit_sha or pull.head_sha, body)
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
            pull.state, pull.merged, pull.closed_at = "closed", merged, now()
            if merged:
                base = found.branches[pull.base_ref]
                merge = Commit(
                    new_sha(repo, base),
                    [base, pull.head_sha],
                    f"Merge pull request #{number}",
                    merged_by or pull.author,
                    dict(pull.files),
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
            comment = Comment(self.next_id(), number, login, body, user_type)
            found.comments[comment.id] = comment
            return self.shapes().comment(found, comment)

    # Inspection --------------------------------------------------------------------------

    def shapes(self, api: str | None = None) -> PullShapes:
        return PullShapes(self, api)

    def check_runs(self, repo: str, head_sha: str | None = None) -> list[CheckRun]:
        with self.lock:
            runs = self.repo(repo).check_runs.values()
            return [run for run in runs if head_sha in (None, run.head_sha)]

    def check_suite_id(self, repo: Repo, app_id: int, head_sha: str) -> int:
        with self.lock:
            return self._suites.setdefault((repo.id, app_id, head_sha), self.next_id())

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

    def calls(self, operation_id: str | None = None) -> int:
        """How many requests were made (of ``operation_id``, when given)."""
        with self.lock:
            return sum(1 for r in self.requests if operation_id in (None, r.operation_id))

    def reset_calls(self) -> None:
        """Forget recorded requests (violations are kept)."""
        with self.lock:
            self.requests.clear()

    # Credentials and faults --------------------------------------------------------------

    def issue_token(self, installation_id: int = 1, app_id: int | None = None) -> str:
        """An installation token, as ``POST /app/installations/{id}/access_tokens`` makes."""
        return self.new_token(installation_id, app_id).value

    def new_token(self, installation_id: int, app_id: int | None = None) -> Token:
        with self.lock:
            if installation_id not in self.installations:
                raise KeyError(f"no installation {installation_id}")
            chosen = app_id if app_id is not None else next(iter(self.apps), None)
            if chosen is None:
                raise ValueError("register an app with add_app() before issuing tokens")
            alphabet = string.ascii_letters + string.digits
            value = "ghs_" + "".join(secrets.choice(alphabet) for _ in range(36))
            token = Token(value, installation_id, chosen, now() + TOKEN_LIFETIME)
            self.tokens[value] = token
            return token

    def expire_tokens(self) -> None:
        """Make every installation token issued so far expired, as an hour later."""
        with self.lock:
            for token in self.tokens.values():
                token.expires_at = now() - timedelta(seconds=1)

    def fail_next(
        self,
        operation_id: str,
        status: int,
        times: int = 1,
        retry_after: int | None = None,
        message: str | None = None,
    ) -> None:
        """Answer the next ``times`` calls of ``operation_id`` with GitHub's error ``status``
        (403 with ``retry_after`` is a secondary rate limit; 429 likewise)."""
        with self.lock:
            fault = Fault(status, times, retry_after, message)
            self.faults.setdefault(operation_id, deque()).append(fault)

    def take_fault(self, operation_id: str) -> Fault | None:
        with self.lock:
            queue = self.faults.get(operation_id)
            if not queue:
                return None
            fault = queue[0]
            fault.times -= 1
            if fault.times <= 0:
                queue.popleft()
            return fault

    def find_repo(self, owner: str, name: str) -> Repo | None:
        with self.lock:
            return self.repos.get(f"{owner}/{name}".lower())

    def resolve(self, repo: Repo, ref: str) -> str | None:
        with self.lock:
            return history.resolve(repo, ref)
