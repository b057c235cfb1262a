"""Route a delivery by (event, action) before it is stored.

The webhook route uses :func:`classify` to answer an unhandled event with a 2xx and no
effect, and to give a handled one its ordering key: deliveries for one pull request are
processed one at a time, in order of arrival.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

HANDLED: dict[str, frozenset[str]] = {
    "pull_request": frozenset(
        {"opened", "reopened", "synchronize", "ready_for_review", "edited", "closed"}
    ),
    "pull_request_review": frozenset({"submitted", "dismissed"}),
    "issue_comment": frozenset({"created"}),
    "check_run": frozenset({"rerequested", "requested_action"}),
    "check_suite": frozenset({"rerequested"}),
    "merge_group": frozenset({"checks_requested"}),
    "deployment_protection_rule": frozenset({"requested"}),
}
MERGE_QUEUE_REF = re.compile(r"/pr-(\d+)-[0-9a-f]+$")


@dataclass(frozen=True)
class Route:
    """What a handled delivery concerns."""

    event: str
    action: str
    repository: str
    installation_id: int | None
    ordering_key: str
    numbers: tuple[int, ...]


def classify(event: str, payload: dict[str, Any]) -> Route | None:
    """The route of a delivery, or ``None`` when gatehouse has nothing to do with it."""
    action = str(payload.get("action") or "")
    if action not in HANDLED.get(event, frozenset()):
        return None
    repository = (payload.get("repository") or {}).get("full_name")
    if not isinstance(repository, str):
        return None
    installation = (payload.get("installation") or {}).get("id")
    installation_id = int(installation) if isinstance(installation, int) else None
    numbers = _numbers(event, payload)
    if event == "issue_comment" and not (payload.get("issue") or {}).get("pull_request"):
        return None
    if event == "merge_group":
        sha = (payload.get("merge_group") or {}).get("head_sha", "")
        key = f"{repository}@merge-group:{sha}"
    elif event == "deployment_protection_rule":
        # One environment's deployments in order: each is judged from the one before.
        environment = str(payload.get("environment") or "").lower()
        key = f"{repository}@deployment:{environment}"
    elif numbers:
        key = f"{repository}#{numbers[0]}"
    else:
        sha = _head_sha(event, payload)
        if not sha:
            return None
        key = f"{repository}@{sha}"
    return Route(event, action, repository, installation_id, key, numbers)


def _numbers(event: str, payload: dict[str, Any]) -> tuple[int, ...]:
    if event in ("pull_request", "pull_request_review"):
        number = (payload.get("pull_request") or {}).get("number")
        return (int(number),) if number is not None else ()
    if event == "issue_comment":
        number = (payload.get("issue") or {}).get("number")
        return (int(number),) if number is not None else ()
    if event in ("check_run", "check_suite"):
        body = payload.get(event) or {}
        pulls = (
            body.get("pull_requests") or (body.get("check_suite") or {}).get("pull_requests") or []
        )
        return tuple(sorted({int(p["number"]) for p in pulls if "number" in p}))
    if event == "merge_group":
        ref = (payload.get("merge_group") or {}).get("head_ref", "")
        return tuple(int(n) for n in MERGE_QUEUE_REF.findall(ref))
    return ()


def _head_sha(event: str, payload: dict[str, Any]) -> str:
    body = payload.get(event) or {}
    return str(body.get("head_sha") or "")
