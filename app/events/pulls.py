"""Handlers for the events that re-evaluate a pull request."""

from __future__ import annotations

import logging
from typing import Any

from app.github.app import GitHubApp
from app.github.client import InstallationClient
from app.pulls.reconcile import Reconciler
from app.store import AssignmentStore, AuditLog, RecordStore

log = logging.getLogger("gatehouse.events")


class PullHandlers:
    def __init__(
        self,
        reconciler: Reconciler,
        records: RecordStore,
        assignments: AssignmentStore,
        audit: AuditLog,
        github: GitHubApp,
    ) -> None:
        self.github = github
        self.reconciler = reconciler
        self.records = records
        self.assignments = assignments
        self.audit = audit
        self.on_closed: list[Any] = []

    def fresh_pull(
        self, client: InstallationClient, repo: str, pull: dict[str, Any] | None, number: int
    ) -> dict[str, Any]:
        """The payload's pull request, unless an event seen earlier was newer (GitHub may
        deliver out of order): then the current one from GitHub."""
        if pull is not None:
            seen = self.records.load(repo, number).get("updated_at")
            stamp = pull.get("updated_at")
            if not seen or not stamp or str(stamp) >= str(seen):
                if stamp:
                    self.records.update(repo, number, lambda d: d.update(updated_at=stamp))
                return pull
        return client.get_pull(repo, number)

    def pull_request(
        self, client: InstallationClient, action: str, payload: dict[str, Any]
    ) -> None:
        repo = payload["repository"]["full_name"]
        pull = payload["pull_request"]
        if action == "closed":
            self.closed(client, repo, pull, payload)
            return
        if action == "edited" and not _edit_matters(payload):
            return
        self._reconcile_payload(
            client, payload, f"pull_request.{action}", opened=action == "opened"
        )

    def review(self, client: InstallationClient, action: str, payload: dict[str, Any]) -> None:
        self._reconcile_payload(client, payload, f"pull_request_review.{action}")

    def _reconcile_payload(
        self,
        client: InstallationClient,
        payload: dict[str, Any],
        trigger: str,
        *,
        opened: bool = False,
    ) -> None:
        """Reconcile the payload's pull request, or the current one if the payload is stale.

        Only a newly opened pull request, seen as GitHub sent it, skips listing reviews
        (it cannot have any yet)."""
        repo = payload["repository"]["full_name"]
        pull = payload["pull_request"]
        current = self.fresh_pull(client, repo, pull, int(pull["number"]))
        if current.get("state") == "closed":
            return
        self.reconciler.reconcile(
            client,
            repo,
            current,
            default_branch=_default_branch(payload),
            new_pull=opened and current is pull,
            trigger=trigger,
        )

    def remember_installation(self, repo: str, number: int, installation_id: int) -> None:
        if self.records.load(repo, number).get("installation_id") != installation_id:
            self.records.update(repo, number, lambda d: d.update(installation_id=installation_id))

    def reconcile_number(self, repo: str, number: int, *, trigger: str) -> None:
        """Re-evaluate a pull request from a timer (no event payload at hand)."""
        doc = self.records.load(repo, number)
        installation = doc.get("installation_id") or self.github.installation_for(repo)
        client = self.github.installation(int(installation))
        pull = client.get_pull(repo, number)
        if pull.get("state") == "closed":
            return
        default_branch = (pull.get("base", {}).get("repo") or {}).get("default_branch") or "main"
        self.reconciler.reconcile(
            client, repo, pull, default_branch=default_branch, trigger=trigger
        )

    def rerun(
        self,
        client: InstallationClient,
        repo: str,
        number: int,
        payload: dict[str, Any],
        trigger: str,
    ) -> None:
        pull = client.get_pull(repo, number)
        if pull.get("state") == "closed":
            return
        self.reconciler.reconcile(
            client, repo, pull, default_branch=_default_branch(payload), trigger=trigger
        )

    def closed(
        self, client: InstallationClient, repo: str, pull: dict[str, Any], payload: dict[str, Any]
    ) -> None:
        number = int(pull["number"])
        merged = bool(pull.get("merged"))

        def put(doc: dict[str, Any]) -> None:
            doc.update(closed=True, merged=merged, merged_at=pull.get("merged_at"))

        self.records.update(repo, number, put)
        self.assignments.close(repo, number)
        for hook in self.on_closed:
            hook(client, repo, pull, payload)


def _default_branch(payload: dict[str, Any]) -> str:
    return str((payload.get("repository") or {}).get("default_branch") or "main")


def _edit_matters(payload: dict[str, Any]) -> bool:
    """Title, body and base changes matter (Jira keys, the diff); others do not."""
    changes = payload.get("changes") or {}
    return not changes or bool({"title", "body", "base"} & set(changes))
