"""A ``deployment_protection_rule.requested`` delivery, read into what gatehouse needs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_CALLBACK = re.compile(r"/actions/runs/(\d+)/deployment_protection_rule/?$")


@dataclass(frozen=True)
class DeploymentRequest:
    """One deployment waiting on gatehouse: the workflow run to answer for, the environment
    and the commit it deploys."""

    repository: str
    environment: str
    sha: str
    ref: str
    run_id: int
    deployment_id: int | None
    installation_id: int | None
    creator: str
    event: str
    repository_url: str

    @property
    def key(self) -> str:
        """Names the request once: GitHub's deployment (a re-run makes a new one), else the
        workflow run."""
        which = f"deployment-{self.deployment_id}" if self.deployment_id else f"run-{self.run_id}"
        return f"{self.repository}:{self.environment.lower()}:{which}"

    def detail(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "creator": self.creator,
            "event": self.event,
            "repository_url": self.repository_url,
        }


def run_id_of(payload: dict[str, Any]) -> int | None:
    """The workflow run to review: from ``deployment_callback_url``, else ``workflow_run``."""
    found = _CALLBACK.search(str(payload.get("deployment_callback_url") or ""))
    if found:
        return int(found.group(1))
    run = payload.get("workflow_run")
    if isinstance(run, dict) and isinstance(run.get("id"), int):
        return int(run["id"])
    return None


def parse_request(payload: dict[str, Any]) -> DeploymentRequest | None:
    """The request, or ``None`` when the payload names no run, environment or commit."""
    repository = payload.get("repository") or {}
    deployment = payload.get("deployment") or {}
    run_id = run_id_of(payload)
    environment = str(payload.get("environment") or deployment.get("environment") or "")
    sha = str(deployment.get("sha") or payload.get("sha") or "")
    if run_id is None or not environment or not sha or not repository.get("full_name"):
        return None
    installation = (payload.get("installation") or {}).get("id")
    deployment_id = deployment.get("id")
    return DeploymentRequest(
        repository=str(repository["full_name"]),
        environment=environment,
        sha=sha,
        ref=str(deployment.get("ref") or payload.get("ref") or ""),
        run_id=run_id,
        deployment_id=int(deployment_id) if isinstance(deployment_id, int) else None,
        installation_id=int(installation) if isinstance(installation, int) else None,
        creator=str(
            (deployment.get("creator") or {}).get("login")
            or (payload.get("sender") or {}).get("login")
            or ""
        ),
        event=str(payload.get("event") or ""),
        repository_url=str(repository.get("html_url") or ""),
    )
