"""The registry under the fake GitHub: apps, installations, people, repositories and
teams; credentials, rate-limit budgets and limits, injected faults and the record of
requests."""

from __future__ import annotations

import itertools
import secrets
import string
import threading
from collections import deque
from datetime import UTC, datetime, timedelta

from app.sandbox.clock import Clock, wall_clock
from app.sandbox.fake_github import history
from app.sandbox.fake_github.limits import SecondaryLimit
from app.sandbox.fake_github.pull_shapes import PullShapes
from app.sandbox.fake_github.records import (
    PERMISSIONS,
    App,
    Commit,
    Fault,
    Installation,
    Pull,
    RecordedRequest,
    Repo,
    Team,
    Token,
    User,
    new_sha,
)
from app.sandbox.fake_github.shapes import APP_EVENTS, APP_PERMISSIONS

TOKEN_LIFETIME = timedelta(hours=1)
RATE_LIMIT = 5000
DEFAULT_HTML_BASE = "http://github.localhost"


class World:
    """Everything the fake GitHub knows but pull-request activity (see ``GitHubState``).
    ``html_base`` roots the links people follow (``html_url``); ``api_url`` roots API links
    in objects built outside a request (webhook payloads, the dicts the control methods
    return) and is set by ``serve_github``. ``clock`` is the only time the fake reads: every
    timestamp, token expiry, JWT check and rate-limit reset comes from it.

    ``rate_limit`` is each credential's hourly primary budget (GitHub's 5,000 by default);
    ``secondary_limit``, off by default, refuses bursts of content-creating requests (see
    ``limits.SecondaryLimit``)."""

    def __init__(
        self,
        *,
        html_base: str = DEFAULT_HTML_BASE,
        api_url: str = "http://127.0.0.1",
        clock: Clock = wall_clock,
    ) -> None:
        self.lock = threading.RLock()
        self.clock = clock
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
        self.rate_limit = RATE_LIMIT
        self.secondary_limit: SecondaryLimit | None = None
        self.recent_writes: dict[int, deque[datetime]] = {}
        self.faults: dict[str, deque[Fault]] = {}
        self._suites: dict[tuple[int, int, str], int] = {}
        self._ids = itertools.count(1001)

    def next_id(self) -> int:
        with self.lock:
            return next(self._ids)

    def now(self) -> datetime:
        """The fake's current time, in UTC to the second, as GitHub stamps its objects."""
        return self.clock().astimezone(UTC).replace(microsecond=0)

    def add_app(
        self,
        app_id: int,
        public_key_pem: str,
        slug: str,
        name: str | None = None,
        *,
        owner: str | None = None,
        callback_urls: list[str] | None = None,
    ) -> App:
        """Register a GitHub App whose JWTs are checked against ``public_key_pem``, with an
        OAuth client of its own (``app.client_id``, ``app.client_secret``). ``owner``
        defaults to an organisation named after the slug."""
        with self.lock:
            app = App(
                app_id,
                slug,
                public_key_pem,
                name or slug,
                owner or slug + "-owner",
                created_at=self.now(),
                client_id="Iv23li" + secrets.token_hex(7),
                client_secret=secrets.token_hex(20),
                callback_urls=list(callback_urls or []),
                permissions=dict(APP_PERMISSIONS),
                events=list(APP_EVENTS),
            )
            if owner is None:
                self.add_user(app.owner, type="Organization")
            else:
                self.user_record(owner)
            self.add_user(f"{slug}[bot]", type="Bot")
            self.apps[app_id] = app
            return app

    def add_user(self, login: str, type: str = "User", name: str | None = None) -> User:
        with self.lock:
            user = self.users.get(login.lower())
            if user is None:
                user = User(login, self.next_id(), type, created_at=self.now())
                self.users[login.lower()] = user
            user.type = type
            if name is not None:
                user.name = name
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
                self.installations[installation_id] = Installation(
                    installation_id, owner, created_at=self.now()
                )
            repo = Repo(
                self.next_id(),
                owner,
                name,
                default_branch,
                installation_id,
                private,
                created_at=self.now(),
            )
            root = Commit(new_sha(full_name), [], "Initial commit", owner, {}, at=self.now())
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

    def pull(self, repo: str, number: int) -> Pull:
        with self.lock:
            found = self.repo(repo).pulls.get(number)
            if found is None:
                raise KeyError(f"no pull request #{number} in {repo}")
            return found

    def shapes(self, api: str | None = None) -> PullShapes:
        return PullShapes(self, api)

    def check_suite_id(self, repo: Repo, app_id: int, head_sha: str) -> int:
        with self.lock:
            return self._suites.setdefault((repo.id, app_id, head_sha), self.next_id())

    def calls(self, operation_id: str | None = None) -> int:
        """How many requests were made (of ``operation_id``, when given)."""
        with self.lock:
            return sum(1 for r in self.requests if operation_id in (None, r.operation_id))

    def reset_calls(self) -> None:
        """Forget recorded requests (violations are kept)."""
        with self.lock:
            self.requests.clear()

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
            token = Token(value, installation_id, chosen, self.now() + TOKEN_LIFETIME)
            self.tokens[value] = token
            return token

    def expire_tokens(self) -> None:
        """Make every installation token issued so far expired, as an hour later."""
        with self.lock:
            for token in self.tokens.values():
                token.expires_at = self.now() - timedelta(seconds=1)

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
