"""What GitHub's answers say about its rate limits: the primary-limit headers, and whether
an error answer is a rate limit at all (and which one).

Pure parsing, no state: :mod:`app.github.budget` acts on what it finds.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RateHeaders:
    """The primary-limit headers of one answer (``None`` where absent or unreadable)."""

    limit: int | None
    remaining: int | None
    reset: float | None
    resource: str | None

    @classmethod
    def parse(cls, headers: Mapping[str, Any]) -> RateHeaders:
        lowered = {str(key).lower(): str(value) for key, value in headers.items()}

        def number(name: str) -> int | None:
            value = lowered.get(name, "").strip()
            return int(value) if value.isdigit() else None

        reset = number("x-ratelimit-reset")
        return cls(
            number("x-ratelimit-limit"),
            number("x-ratelimit-remaining"),
            float(reset) if reset is not None else None,
            lowered.get("x-ratelimit-resource"),
        )


@dataclass(frozen=True)
class RateLimited:
    """A 403/429 that is a rate limit: ``primary`` (wait for ``until``, the reset) or
    secondary (``retry_after`` seconds when GitHub said, else ``None``)."""

    primary: bool
    until: float | None = None
    retry_after: float | None = None


def classify_refusal(status: int, headers: Mapping[str, Any], message: str) -> RateLimited | None:
    """Whether an error answer is a rate limit, in the order GitHub documents: a
    ``retry-after`` is obeyed first; a remaining budget of 0 means the primary limit;
    otherwise a 429 or the words "rate limit" mean a secondary limit. Any other 403 (a
    missing permission) is ``None``."""
    if status not in (403, 429):
        return None
    retry_after = _seconds(headers, "retry-after")
    if retry_after is not None:
        return RateLimited(primary=False, retry_after=retry_after)
    rate = RateHeaders.parse(headers)
    if rate.remaining == 0:
        return RateLimited(primary=True, until=rate.reset)
    if status == 429 or "rate limit" in message.lower():
        return RateLimited(primary=False)
    return None


def _seconds(headers: Mapping[str, Any], name: str) -> float | None:
    for key, value in headers.items():
        if str(key).lower() == name:
            try:
                seconds = float(value)
            except (TypeError, ValueError):
                return None
            return seconds if math.isfinite(seconds) and seconds >= 0 else None
    return None
