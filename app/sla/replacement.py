"""Passing a review on when the requested member is away (SPEC section 10).

When a reminder or a breach notice falls due and the member asked for a group's review
is away that day, an available member of the group is asked instead: on GitHub (review
requested, the away member's request withdrawn), in the record and the Jira ticket, and
Slack says so. The reminder that follows goes to the new reviewer. The SLA report counts
the replacements (audit kind ``reviewer-replaced``).
"""

from __future__ import annotations

import logging
from typing import Any

from app.commands.services import CommandServices
from app.github.client import InstallationClient
from app.github.transport import GitHubError
from app.jira import JiraError
from app.policy.model import Member, RuleSet
from app.pulls.availability import Availability
from app.slack import escape, link
from app.store import AssignmentStore, Timer

log = logging.getLogger("gatehouse.sla")


class AwayReplacement:
    def __init__(
        self,
        services: CommandServices,
        assignments: AssignmentStore,
        availability: Availability,
    ) -> None:
        self.services = services
        self.assignments = assignments
        self.availability = availability

    def replace(self, ruleset: RuleSet, timer: Timer, client: InstallationClient) -> str | None:
        """Replace the away reviewer of the timer's group; the new reviewer's login, or
        ``None`` when nobody asked is away (or nobody else is available)."""
        repo, number = str(timer.payload["repository"]), int(timer.payload["number"])
        group_id = str(timer.payload["group"])
        group = ruleset.groups.get(group_id)
        doc = self.services.records.load(repo, number)
        if group is None or doc.get("closed") or not group.members:
            return None
        asked = [a.lstrip("@").lower() for a in (doc.get("requested") or {}).get(group_id, [])]
        away = self.availability.away(ruleset)
        gone = [m for m in group.members if m.github.lower() in asked and m.github.lower() in away]
        if not gone:
            return None
        author = str(doc.get("author", "")).lower()
        excluded = {author, *away, *asked}
        candidates = [m.github for m in group.members]
        chosen = self.assignments.choose(
            group_id,
            candidates,
            group.assign,
            exclude=[c for c in candidates if c.lower() in excluded],
        )
        if chosen is None:
            return None
        replaced = gone[0]
        self._on_github(client, repo, number, chosen, [m.github for m in gone])
        self.assignments.reassign(repo, number, group_id, chosen)
        self.services.records.update(
            repo, number, lambda d: _swap(d, group_id, [m.github for m in gone], chosen)
        )
        newcomer = next(m for m in group.members if m.github == chosen)
        self._on_jira(doc, newcomer)
        self._tell(ruleset, doc, repo, number, group.name, replaced, newcomer, timer)
        self.services.audit.append(
            "reviewer-replaced",
            repository=repo,
            number=number,
            actor="gatehouse",
            summary=f"{group.name} review passed from @{replaced.github} (away) to @{chosen}",
            detail={"group": group_id, "from": replaced.github, "to": chosen, "reason": "away"},
        )
        return chosen

    @staticmethod
    def _on_github(
        client: InstallationClient, repo: str, number: int, chosen: str, gone: list[str]
    ) -> None:
        client.request_reviewers(repo, number, [chosen], [])
        try:
            client.remove_requested_reviewers(repo, number, gone)
        except GitHubError as exc:  # already reviewed or withdrawn: nothing to take back
            log.info("could not withdraw the review request of %s: %s", gone, exc)

    def _on_jira(self, doc: dict[str, Any], newcomer: Member) -> None:
        jira, key = self.services.jira, doc.get("jira_key")
        if jira is None or not key or not newcomer.jira_account_id:
            return
        try:
            jira.assign(str(key), newcomer.jira_account_id)
        except JiraError as exc:  # the ticket keeps its assignee; the review still moves
            log.warning("could not reassign %s to %s: %s", key, newcomer.github, exc)

    def _tell(
        self,
        ruleset: RuleSet,
        doc: dict[str, Any],
        repo: str,
        number: int,
        group_name: str,
        replaced: Member,
        newcomer: Member,
        timer: Timer,
    ) -> None:
        url = doc.get("html_url", "")
        pull = link(url, f"{repo}#{number}")
        mention = f"<@{newcomer.slack_user_id}>" if newcomer.slack_user_id else newcomer.display
        text = (
            f"{mention} you are asked for the {escape(group_name)} review of {pull} in place of "
            f"{escape(replaced.display)}, who is away."
        )
        self.services.slack_once(
            f"slack-replaced:{repo}#{number}:{timer.payload['group']}:{replaced.github}",
            ruleset.settings.slack.channel,
            text,
        )


def _swap(document: dict[str, Any], group_id: str, gone: list[str], chosen: str) -> None:
    removed = {f"@{login}".lower() for login in gone}
    for key in ("requested", "requested_view"):
        asked = (document.get(key) or {}).get(group_id)
        if asked is None:
            continue
        kept = [a for a in asked if a.lower() not in removed]
        document[key][group_id] = [*kept, f"@{chosen}"]
