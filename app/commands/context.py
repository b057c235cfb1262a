"""What a command handler works with: the PR, its record, the caller, and the services."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.commands.authority import Authority
from app.commands.parse import Command
from app.github.client import InstallationClient
from app.policy.model import RuleSet


@dataclass
class CommandCall:
    client: InstallationClient
    ruleset: RuleSet
    repo: str
    number: int
    pull: dict[str, Any]
    payload: dict[str, Any]
    command: Command
    actor: str
    comment_id: int
    authority: Authority
    replies: list[str]

    @property
    def pr_url(self) -> str:
        return str(self.pull.get("html_url") or "")

    @property
    def title(self) -> str:
        return str(self.pull.get("title") or "")

    @property
    def closed(self) -> bool:
        return self.pull.get("state") == "closed"

    @property
    def merged(self) -> bool:
        return bool(self.pull.get("merged"))

    def reply(self, text: str) -> None:
        self.replies.append(text)
