"""Who may see what on gatehouse's pages, asked of GitHub and remembered briefly.

A page about a pull request is shown only to a user GitHub says can read its repository;
the queue only to members of the organisations whose pull requests it lists. The questions
go to GitHub with the App's installation token, which answers for any user, so the user's
own token is never kept. When GitHub cannot answer, the answer is "no": a page shows
nothing rather than something it should not.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from app.github.app import GitHubApp
from app.github.calls import GitHubError
from app.github.client import InstallationClient

# What GitHub's collaborator permission calls "can read": ``permission`` is the legacy
# role (maintain reads as write, triage as read), ``none`` for everybody else.
READ_PERMISSIONS = frozenset({"admin", "maintain", "write", "triage", "read"})
TTL_SECONDS = 60.0
MAX_ENTRIES = 4096


class AccessUnknown(RuntimeError):
    """GitHub could not be asked (down, throttled): the page is not shown."""


@dataclass
class _Entry:
    allowed: bool
    expires: float


class AccessControl:
    """Answers "may this signed-in user see this?" from GitHub, with a one-minute memory so
    that a reviewer clicking through the queue costs a call per repository, not per page."""

    def __init__(
        self,
        github: GitHubApp,
        *,
        clock: Callable[[], float],
        ttl: float = TTL_SECONDS,
    ) -> None:
        """``clock`` (seconds) ages the remembered answers: the service's clock."""
        self._github = github
        self._clock = clock
        self._ttl = ttl
        self._memory: dict[tuple[str, str, str], _Entry] = {}
        self._lock = threading.Lock()

    def can_read(self, login: str, repository: str, installation: int | None) -> bool:
        """Whether ``login`` can read ``repository`` (OWNER/NAME); ``installation`` is the
        one gatehouse recorded for it (``None``: GitHub is asked which)."""
        return self._remembered(
            ("repo", login.lower(), repository.lower()),
            lambda: (
                self._client(repository, installation).permission(repository, login)
                in READ_PERMISSIONS
            ),
        )

    def is_member(self, login: str, org: str, via: tuple[str, int | None]) -> bool:
        """Whether ``login`` is a member of ``org``, asked through the installation of
        ``via`` (one of ``org``'s repositories gatehouse works on, and its installation)."""
        return self._remembered(
            ("org", login.lower(), org.lower()),
            lambda: self._client(*via).is_org_member(org, login),
        )

    def _client(self, repository: str, installation: int | None) -> InstallationClient:
        if installation is None:
            installation = self._github.installation_for(repository)
        return self._github.installation(installation)

    def _remembered(self, key: tuple[str, str, str], ask: Callable[[], bool]) -> bool:
        now = self._clock()
        with self._lock:
            entry = self._memory.get(key)
            if entry is not None and entry.expires > now:
                return entry.allowed
        try:
            allowed = bool(ask())
        except GitHubError as exc:
            if exc.status == 404:  # no installation for this repository: nothing to show
                allowed = False
            else:
                raise AccessUnknown(str(exc)) from exc
        except Exception as exc:  # throttled, network down: never guess
            raise AccessUnknown(str(exc)) from exc
        with self._lock:
            if len(self._memory) >= MAX_ENTRIES:
                self._memory.clear()
            self._memory[key] = _Entry(allowed, now + self._ttl)
        return allowed
