"""Run an outside effect (create a ticket, post a message) exactly once per key.

The claim is held in the database, so redeliveries, racing workers and replicas all see
the same answer: the first one does the work, the others read its result (or, while it is
still working, report "pending" and come back through a retry timer).
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.store import EffectStore

LEASE_SECONDS = 120.0


@dataclass(frozen=True)
class Outcome:
    """``result`` when the effect is done (now or earlier); ``pending`` otherwise."""

    result: dict[str, Any] | None
    error: Exception | None = None

    @property
    def pending(self) -> bool:
        return self.result is None


def owner_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def once(effects: EffectStore, key: str, action: Callable[[], dict[str, Any]]) -> Outcome:
    """Do ``action`` unless it was done under ``key``; failures release the claim."""
    owner = owner_id()
    claim = effects.claim(key, owner, LEASE_SECONDS)
    if claim.done:
        return Outcome(claim.result or {})
    if claim.busy:
        return Outcome(None)
    try:
        result = action()
    except Exception as exc:
        effects.release(key, owner, error=str(exc)[:500])
        return Outcome(None, exc)
    effects.complete(key, owner, result)
    return Outcome(result)
