"""Process one stored delivery: route by (event, action) to a small handler.

Runs in the intake worker. An exception makes the worker retry the delivery with
backoff; handlers are idempotent, so a retry or a redelivery changes nothing twice.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from app.events.merge_group import check_merge_group
from app.events.pulls import PullHandlers
from app.events.routing import classify
from app.github.app import GitHubApp
from app.github.client import InstallationClient
from app.logs import log_context
from app.store import Delivery

log = logging.getLogger("gatehouse.dispatch")
CommentHandler = Callable[[InstallationClient, dict[str, Any]], None]


class Dispatcher:
    def __init__(
        self,
        github: GitHubApp,
        pulls: PullHandlers,
        check_name: str,
        comment_handler: CommentHandler | None = None,
        deployment_handler: CommentHandler | None = None,
    ) -> None:
        self.github = github
        self.pulls = pulls
        self.check_name = check_name
        self.comment_handler = comment_handler
        self.deployment_handler = deployment_handler

    def handle(self, delivery: Delivery) -> None:
        payload = json.loads(delivery.payload)
        route = classify(delivery.event, payload)
        if route is None:
            return
        number = route.numbers[0] if route.numbers else None
        with (
            log_context(
                delivery=delivery.delivery_id,
                repository=route.repository,
                pr=number,
                event=f"{route.event}.{route.action}",
            ),
            self.pulls.records.batched(),
        ):
            installation = route.installation_id or self.github.installation_for(route.repository)
            client = self.github.installation(installation)
            for pr_number in route.numbers:
                self.pulls.remember_installation(route.repository, pr_number, installation)
            self._route(client, route.event, route.action, route.numbers, payload)

    def _route(
        self,
        client: InstallationClient,
        event: str,
        action: str,
        numbers: tuple[int, ...],
        payload: dict[str, Any],
    ) -> None:
        repo = payload["repository"]["full_name"]
        if event == "pull_request":
            self.pulls.pull_request(client, action, payload)
        elif event == "pull_request_review":
            self.pulls.review(client, action, payload)
        elif event == "issue_comment":
            if self.comment_handler is not None:
                self.comment_handler(client, payload)
        elif event == "check_run":
            run = payload["check_run"]
            if run.get("name") != self.check_name:
                return
            if (
                action == "requested_action"
                and (payload.get("requested_action") or {}).get("identifier") != "rerun"
            ):
                return
            self._rerun(client, repo, numbers, payload, f"check_run.{action}")
        elif event == "check_suite":
            self._rerun(client, repo, numbers, payload, "check_suite.rerequested")
        elif event == "deployment_protection_rule":
            if self.deployment_handler is not None:
                self.deployment_handler(client, payload)
        elif event == "merge_group":
            check_merge_group(
                client, self.pulls.reconciler, self.pulls.records, self.check_name, payload, numbers
            )

    def _rerun(
        self,
        client: InstallationClient,
        repo: str,
        numbers: tuple[int, ...],
        payload: dict[str, Any],
        trigger: str,
    ) -> None:
        for number in numbers:
            self.pulls.rerun(client, repo, number, payload, trigger)
