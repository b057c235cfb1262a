"""A repository's ``.github/gatehouse.yml``, read from its default branch and kept for a
few minutes, so a burst of events on one repository does not re-read it each time.

A change to the file takes effect within ``TTL_SECONDS``, or at once on **Re-run** and
``/recheck`` (they read it fresh). After the time-to-live the file is revalidated with its
ETag, which GitHub answers with a 304 that does not count against the rate limit.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from app.cooperative import Turns
from app.github.client import InstallationClient
from app.policy.loader import REPO_RULES_PATH

TTL_SECONDS = 300.0
MAX_ENTRIES = 1024


class RepoRulesSource:
    """``clock`` gives seconds. The service passes its own clock (``Runtime.epoch``), so the
    time-to-live runs on the same time as everything else; a clock that steps back re-reads."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._cache: dict[tuple[str, str], tuple[float, str | None]] = {}
        self._lock = threading.Lock()
        self._readers: dict[tuple[str, str], Turns] = {}

    def read(
        self, client: InstallationClient, repo: str, branch: str, *, fresh: bool = False
    ) -> str | None:
        key = (repo, branch)
        cached = None if fresh else self._valid(key)
        if cached is not None:
            return cached[1]
        # One read per repository at a time: a burst of deliveries that all miss the cache
        # waits for the first read instead of each asking GitHub.
        with self._reading(key):
            cached = None if fresh else self._valid(key)
            if cached is not None:
                return cached[1]
            now = self._clock()
            text = client.get_file(repo, REPO_RULES_PATH, ref=branch)
            with self._lock:
                if len(self._cache) >= MAX_ENTRIES:
                    self._cache.clear()
                self._cache[key] = (now, text)
            return text

    def _valid(self, key: tuple[str, str]) -> tuple[float, str | None] | None:
        """The cached read of ``key`` while it is younger than the time-to-live."""
        now = self._clock()
        with self._lock:
            cached = self._cache.get(key)
        if cached is not None and 0 <= now - cached[0] < TTL_SECONDS:
            return cached
        return None

    def _reading(self, key: tuple[str, str]) -> Turns:
        with self._lock:
            turns = self._readers.get(key)
            if turns is None:
                if len(self._readers) >= MAX_ENTRIES:
                    self._readers.clear()
                turns = self._readers[key] = Turns()
            return turns
