"""Move a Jira ticket by a named transition, exactly once per effect key.

Workflows differ between Jira sites, so a transition is named in the settings by the
transition's own name or by the status it leads to ("Verify" or "In Verification"), matched
case-insensitively among the transitions Jira offers from the ticket's current status.
A ticket that does not offer it (another workflow, or already moved by hand) is left where
it is and the outcome says so: never an error.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from app.jira import JiraApi
from app.store import EffectStore
from app.tracking.once import once

log = logging.getLogger("gatehouse.tracking")

MOVED = "moved"
ALREADY = "already"
NOT_OFFERED = "not-offered"
FAILED = "failed"
PENDING = "pending"


@dataclass(frozen=True)
class Move:
    """What became of a transition: ``moved`` (now in ``status``), ``already`` (the ticket
    was in that status), ``not-offered`` (``offered`` lists what was), ``failed`` (Jira
    answered with an error; the effect may be tried again) or ``pending`` (another worker
    is doing it)."""

    outcome: str
    status: str | None = None
    offered: tuple[str, ...] = ()
    error: str | None = None

    @property
    def settled(self) -> bool:
        return self.outcome not in (FAILED, PENDING)

    def as_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "status": self.status,
            "offered": list(self.offered),
            "error": self.error,
        }


def find_transition(offered: Sequence[dict[str, Any]], wanted: str) -> dict[str, Any] | None:
    """The offered transition named ``wanted``, else the one leading to a status of that
    name; case and surrounding spaces do not matter. A transition's own name wins."""
    name = wanted.strip().casefold()
    available = [t for t in offered if t.get("isAvailable", True) is not False]
    for transition in available:
        if str(transition.get("name", "")).strip().casefold() == name:
            return transition
    for transition in available:
        if _target(transition).strip().casefold() == name:
            return transition
    return None


def describe(transition: dict[str, Any]) -> str:
    """``Verify (-> In Verification)``, for notes and the audit log."""
    target = _target(transition)
    return f"{transition.get('name', '')} (-> {target})" if target else str(transition.get("name"))


def _target(transition: dict[str, Any]) -> str:
    return str((transition.get("to") or {}).get("name") or "")


def move_once(
    jira: JiraApi,
    effects: EffectStore,
    effect_key: str,
    issue: str,
    wanted: str,
    on_done: Callable[[Move], None],
) -> Move:
    """Move ``issue`` by the transition ``wanted``, once under ``effect_key``; ``on_done``
    hears of the settled outcome (for the audit log) once, when it happens."""

    def act() -> dict[str, Any]:
        move = _move(jira, issue, wanted)
        on_done(move)
        return move.as_dict()

    outcome = once(effects, effect_key, act)
    if outcome.error is not None:
        log.warning("Jira transition %r of %s failed: %s", wanted, issue, outcome.error)
        return Move(FAILED, error=str(outcome.error)[:300])
    if outcome.result is None:
        return Move(PENDING)
    result = outcome.result
    return Move(
        str(result["outcome"]),
        result.get("status"),
        tuple(result.get("offered") or ()),
        result.get("error"),
    )


def _move(jira: JiraApi, issue: str, wanted: str) -> Move:
    offered = jira.transitions(issue)
    found = find_transition(offered, wanted)
    if found is not None:
        jira.transition(issue, str(found["id"]))
        return Move(MOVED, _target(found) or str(found.get("name", "")))
    fields = (jira.get_issue(issue) or {}).get("fields") or {}
    current = str((fields.get("status") or {}).get("name") or "")
    if current and current.strip().casefold() == wanted.strip().casefold():
        return Move(ALREADY, current)
    names = tuple(describe(t) for t in offered)
    log.warning(
        "Jira ticket %s (status %s) offers no transition %r (offered: %s); left as it is",
        issue,
        current or "unknown",
        wanted,
        ", ".join(names) or "none",
    )
    return Move(NOT_OFFERED, current or None, names)
