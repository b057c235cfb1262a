"""GitHub App authentication: an RS256 App JWT, and installation tokens kept until
shortly before they expire (GitHub issues them for one hour)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import jwt

from app import cooperative

TOKEN_REFRESH_MARGIN_SECONDS = 300


@dataclass(frozen=True)
class InstallationToken:
    token: str
    expires_at: float


class AppCredentials:
    """Signs App JWTs and caches installation tokens, safely across threads."""

    def __init__(
        self,
        app_id: int,
        private_key_pem: str,
        fetch_token: Callable[[str, int], tuple[str, str]],
        clock: Callable[[], float] = time.time,
    ) -> None:
        """``fetch_token(app_jwt, installation_id)`` returns ``(token, expires_at ISO)``."""
        self.app_id = app_id
        self._key = private_key_pem
        self._fetch = fetch_token
        self._clock = clock
        self._tokens: dict[int, InstallationToken] = {}
        self._locks: dict[int, cooperative.Turns] = {}
        self._guard = threading.Lock()

    def app_jwt(self) -> str:
        """A JWT valid for nine minutes, issued a minute in the past for clock drift."""
        now = int(self._clock())
        claims = {"iat": now - 60, "exp": now + 540, "iss": str(self.app_id)}
        return jwt.encode(claims, self._key, algorithm="RS256")

    def installation_token(self, installation_id: int) -> str:
        with self._guard:
            lock = self._locks.setdefault(installation_id, cooperative.Turns())
        # The token is fetched while the lock is held: a follow-up on the event loop
        # waits for it without blocking the loop.
        with lock:
            cached = self._tokens.get(installation_id)
            if cached and cached.expires_at - TOKEN_REFRESH_MARGIN_SECONDS > self._clock():
                return cached.token
            token, expires_at = self._fetch(self.app_jwt(), installation_id)
            expiry = datetime.fromisoformat(expires_at.replace("Z", "+00:00")).timestamp()
            self._tokens[installation_id] = InstallationToken(token, expiry)
            return token

    def forget(self, installation_id: int) -> None:
        """Drop a token GitHub refused (revoked, or the installation was reinstalled)."""
        with self._guard:
            self._tokens.pop(installation_id, None)
