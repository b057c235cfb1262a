"""What became of GitHub calls: the errors callers see and the counts the metrics read.

Shared by every transport of the service; :mod:`app.github.transport` re-exports them.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field


class GitHubError(Exception):
    """A GitHub call that failed for good; ``status`` is GitHub's HTTP status."""

    def __init__(self, operation: str, status: int, message: str) -> None:
        super().__init__(f"GitHub {operation} failed ({status}): {message}")
        self.operation = operation
        self.status = status
        self.message = message


class GitHubThrottled(GitHubError):
    """A call not made (or given up) because the installation's rate limits would hold it
    longer than its class may wait. Nothing was changed on GitHub: do the work again at
    ``until`` (epoch seconds) or later. ``status`` is 429, as GitHub would have answered."""

    def __init__(self, operation: str, until: float, reason: str) -> None:
        super().__init__(operation, 429, f"held back by the {reason} rate limit until {until:.0f}")
        self.until = until
        self.reason = reason


@dataclass
class CallStats:
    """Calls by (operation, status); shared by all clients of one service. Also requests
    held back by rate limits, by (operation, ``waited`` or ``refused``), and the last primary
    budget each installation reported (``rate_limit_remaining`` is the last of any)."""

    counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    rate_limit_remaining: int | None = None
    remaining_by_installation: dict[int, int] = field(default_factory=dict)
    throttled: Counter[tuple[str, str]] = field(default_factory=Counter)
    observers: list[Callable[[str, str], None]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(
        self,
        operation: str,
        status: str,
        remaining: int | None,
        *,
        installation: int | None = None,
    ) -> None:
        with self._lock:
            self.counts[(operation, status)] += 1
            if remaining is not None:
                self.rate_limit_remaining = remaining
                if installation is not None:
                    self.remaining_by_installation[installation] = remaining
        for observer in self.observers:
            observer(operation, status)

    def record_throttled(self, operation: str, outcome: str) -> None:
        """A request that had to wait for its turn (``waited``) or was not made
        (``refused``)."""
        with self._lock:
            self.throttled[(operation, outcome)] += 1

    def budget_view(self) -> tuple[dict[int, int], dict[tuple[str, str], int]]:
        """Copies of the budget per installation and of the throttling counts."""
        with self._lock:
            return dict(self.remaining_by_installation), dict(self.throttled)

    def total(self, *, include_not_modified: bool = True) -> int:
        with self._lock:
            return sum(
                n
                for (_, status), n in self.counts.items()
                if include_not_modified or status != "304"
            )

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return {f"{op} {status}": n for (op, status), n in sorted(self.counts.items())}
