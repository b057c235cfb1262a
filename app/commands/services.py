"""The services command handlers and follow-up timers share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.github.client import InstallationClient
from app.jira import JiraApi
from app.policy.model import RuleSet
from app.pulls.reconcile import Reconciler
from app.slack import SlackApi
from app.store import AuditLog, EffectStore, RecordStore, TimerStore
from app.tracking.once import once


@dataclass
class CommandServices:
    reconciler: Reconciler
    records: RecordStore
    audit: AuditLog
    effects: EffectStore
    timers: TimerStore
    jira: JiraApi | None
    slack: SlackApi | None
    now: Callable[[], datetime]

    def reconcile(
        self, client: InstallationClient, repo: str, pull: dict[str, Any], trigger: str
    ) -> None:
        if pull.get("state") == "closed":
            return
        base_repo = (pull.get("base") or {}).get("repo") or {}
        self.reconciler.reconcile(
            client,
            repo,
            pull,
            default_branch=str(base_repo.get("default_branch") or "main"),
            trigger=trigger,
        )

    def slack_once(self, key: str, channel: str, text: str) -> bool:
        """Post once under ``key``; True when posted now or earlier."""
        slack = self.slack
        if slack is None:
            return False

        def post() -> dict[str, Any]:
            channel_id, ts = slack.post_message(channel, text)
            return {"channel": channel_id, "ts": ts}

        return not once(self.effects, key, post).pending

    def jira_comment_once(self, key: str, issue: str | None, adf_body: dict[str, Any]) -> None:
        jira = self.jira
        if jira is None or not issue:
            return

        def comment() -> dict[str, Any]:
            jira.add_comment(issue, adf_body)
            return {"issue": issue}

        once(self.effects, key, comment)

    def mentions(self, ruleset: RuleSet, group_ids: list[str]) -> str:
        """``<@U…>`` for every member of the groups (names where no Slack id is known)."""
        from app.slack import escape

        seen: dict[str, None] = {}
        for group_id in group_ids:
            group = ruleset.groups.get(group_id)
            for member in group.members if group else []:
                seen[
                    f"<@{member.slack_user_id}>" if member.slack_user_id else escape(member.display)
                ] = None
        return " ".join(seen)
