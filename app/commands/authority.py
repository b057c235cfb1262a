"""Who may run a command, checked against GitHub before anything happens."""

from __future__ import annotations

from app.github.client import InstallationClient
from app.policy.model import RuleSet

WRITE_PERMISSIONS = frozenset({"admin", "maintain", "write"})


class Authority:
    def __init__(
        self, client: InstallationClient, ruleset: RuleSet, repo: str, author: str
    ) -> None:
        self.client = client
        self.ruleset = ruleset
        self.repo = repo
        self.author = author.lower()
        self._write: dict[str, bool] = {}

    def is_author(self, login: str) -> bool:
        return login.lower() == self.author

    def has_write(self, login: str) -> bool:
        key = login.lower()
        if key not in self._write:
            self._write[key] = self.client.permission(self.repo, login) in WRITE_PERMISSIONS
        return self._write[key]

    def is_member(self, group_id: str, login: str) -> bool:
        group = self.ruleset.groups.get(group_id)
        if group is None:
            return False
        if any(m.github.lower() == login.lower() for m in group.members):
            return True
        return bool(group.github_team) and self.client.is_team_member(
            group.github_team or "", login
        )

    def member_of_any(self, login: str) -> bool:
        return any(self.is_member(g, login) for g in self.ruleset.groups)

    def describe_group(self, group_id: str) -> str:
        group = self.ruleset.groups.get(group_id)
        if group is None:
            return f"members of the `{group_id}` group (none is configured)"
        names = ", ".join(f"@{m.github}" for m in group.members)
        team = f"@{group.github_team}" if group.github_team else ""
        return " or ".join(part for part in (names, team) if part) or group.name
