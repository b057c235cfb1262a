"""The GitHub App: its JWT-authenticated calls and one client per installation.

Each installation has its own transport, so its own rate-limit budget, write pacing and
in-flight cap (GitHub counts limits per installation: one busy organisation must not
slow the checks of another).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from urllib.parse import quote

from app import cooperative
from app.github.auth import AppCredentials
from app.github.budget import DEFAULT_CONCURRENCY, DEFAULT_WRITES_PER_MINUTE, BudgetPolicy
from app.github.client import InstallationClient
from app.github.transport import CallStats, Transport


class GitHubApp:
    def __init__(
        self,
        api_url: str,
        app_id: int,
        private_key_pem: str,
        stats: CallStats,
        *,
        sleep: Callable[[float], None] = cooperative.sleep,
        clock: Callable[[], float] = time.time,
        writes_per_minute: float = DEFAULT_WRITES_PER_MINUTE,
        installation_concurrency: int = DEFAULT_CONCURRENCY,
    ) -> None:
        """``writes_per_minute`` paces each installation's content-creating requests and
        ``installation_concurrency`` caps its requests in flight (see ``app.github.budget``);
        ``sleep`` and ``clock`` are the only time the clients use."""
        self.api_url = api_url
        self.stats = stats
        self._sleep = sleep
        self._clock = clock
        self._policy = BudgetPolicy(writes_per_minute=writes_per_minute or None)
        self._concurrency = installation_concurrency
        self.credentials = AppCredentials(app_id, private_key_pem, self._fetch_token, clock)
        # The App's own calls (tokens, installation look-ups) are few and not content:
        # limited by GitHub's answers only, never paced.
        self._app = Transport(
            api_url,
            self.credentials.app_jwt,
            stats,
            sleep=sleep,
            clock=clock,
            jwt=True,
            policy=BudgetPolicy(writes_per_minute=None),
        )
        self._clients: dict[int, InstallationClient] = {}
        self._lock = threading.Lock()

    def _fetch_token(self, app_jwt: str, installation_id: int) -> tuple[str, str]:
        url = f"/app/installations/{installation_id}/access_tokens"
        data = self._app.call("apps/create-installation-access-token", "POST", url)[1]
        return str(data["token"]), str(data["expires_at"])

    def installation_for(self, repo: str) -> int:
        """The installation id of a repository (for payloads that lack one)."""
        owner, _, name = repo.partition("/")
        url = f"/repos/{quote(owner)}/{quote(name)}/installation"
        data = self._app.call("apps/get-repo-installation", "GET", url)[1]
        return int(data["id"])

    def installation(self, installation_id: int) -> InstallationClient:
        with self._lock:
            client = self._clients.get(installation_id)
            if client is None:
                transport = Transport(
                    self.api_url,
                    lambda: self.credentials.installation_token(installation_id),
                    self.stats,
                    renew=lambda: self.credentials.forget(installation_id),
                    sleep=self._sleep,
                    clock=self._clock,
                    installation_id=installation_id,
                    policy=self._policy,
                    concurrency=self._concurrency,
                )
                client = InstallationClient(transport)
                self._clients[installation_id] = client
            return client

    def rate_limit_remaining(self, installation_id: int) -> int | None:
        """The installation's primary budget as last reported, ``None`` before any answer."""
        with self._lock:
            client = self._clients.get(installation_id)
        return client.t.rate_limit_remaining if client is not None else None
