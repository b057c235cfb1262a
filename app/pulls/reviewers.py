"""Ask each group still missing approvals for a review, once per pull request.

The member comes from the group's ``assign`` strategy (remembered in the database, so the
same person gets the Jira ticket); a group with a ``github_team`` is asked as a team. The
author is never asked, nobody is asked again on the next push, and a member who already
reviewed is not asked again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from app.github.client import InstallationClient
from app.github.transport import GitHubError
from app.policy.model import RuleSet
from app.policy.result import Evaluation
from app.policy.snapshot import PullSnapshot
from app.pulls.availability import Availability
from app.store import AssignmentStore, RecordStore

log = logging.getLogger("gatehouse.reviewers")


@dataclass
class ReviewRequests:
    """Who is asked, per group, for display (``@login`` or ``@org/team``); ``users`` and
    ``teams`` are the requests still to be sent to GitHub."""

    asked: dict[str, tuple[str, ...]] = field(default_factory=dict)
    assignees: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    users: list[str] = field(default_factory=list)
    teams: list[str] = field(default_factory=list)
    already: frozenset[str] = frozenset()


class ReviewerRequester:
    def __init__(
        self,
        records: RecordStore,
        assignments: AssignmentStore,
        availability: Availability | None = None,
    ) -> None:
        self.records = records
        self.assignments = assignments
        self.availability = availability

    def assignee(self, ruleset: RuleSet, snapshot: PullSnapshot, group_id: str) -> str | None:
        """The member responsible for ``group_id`` on this pull request (chosen once)."""
        assert snapshot.number is not None
        current = self.assignments.assignee(snapshot.repository, snapshot.number, group_id)
        if current:
            return current
        group = ruleset.groups[group_id]
        candidates = [m.github for m in group.members]
        author = [snapshot.author, snapshot.author.lower()]
        away = self.availability.away(ruleset) if self.availability else frozenset()
        absent = [login for login in candidates if login.lower() in away]
        # Away members are skipped; if the whole group is away, someone is still asked.
        chosen = self.assignments.choose(
            group_id, candidates, group.assign, exclude=[*author, *absent]
        ) or self.assignments.choose(group_id, candidates, group.assign, exclude=author)
        if chosen is None:
            return None
        return self.assignments.assign(snapshot.repository, snapshot.number, group_id, chosen)

    def plan(
        self, ruleset: RuleSet, snapshot: PullSnapshot, evaluation: Evaluation
    ) -> ReviewRequests:
        """Who is (or will be) asked for each group, without calling GitHub: the check is
        published with this, and :meth:`send` makes the requests afterwards."""
        assert snapshot.number is not None
        doc = self.records.load(snapshot.repository, snapshot.number)
        already: dict[str, list[str]] = doc.get("requested", {})
        reviewed = {r.reviewer.lower() for r in snapshot.reviews}
        result = ReviewRequests(already=frozenset(already))
        for req in evaluation.requirements:
            group = ruleset.groups[req.group]
            assignee = self.assignee(ruleset, snapshot, req.group) if group.members else None
            if assignee:
                result.assignees[req.group] = assignee
            if req.group in already:
                result.asked[req.group] = tuple(already[req.group])
                continue
            if req.satisfied or req.blocked_by:
                continue
            if group.github_team:
                result.teams.append(group.github_team.split("/", 1)[1])
                result.asked[req.group] = (f"@{group.github_team}",)
            elif assignee and assignee.lower() not in reviewed:
                result.users.append(assignee)
                result.asked[req.group] = (f"@{assignee}",)
            elif not assignee:
                result.notes.append(f"{req.name} has no member other than the author to ask.")
        return result

    def send(
        self, client: InstallationClient, repo: str, number: int, plan: ReviewRequests
    ) -> None:
        """Make the planned requests and remember them, so no push asks again. A request
        GitHub refuses for good is recorded too (with a note), so no event asks again."""
        if plan.users or plan.teams:
            try:
                client.request_reviewers(
                    repo, number, sorted(set(plan.users)), sorted(set(plan.teams))
                )
            except GitHubError as exc:
                if exc.status != 422:
                    raise
                # Refused for good (not a collaborator, say).
                log.warning("review request on %s#%s refused: %s", repo, number, exc.message)
                plan.notes.append(f"GitHub refused the review request: {exc.message}")
                for group_id in plan.asked:
                    if group_id not in plan.already:
                        plan.asked[group_id] = ()
        newly = {g: list(v) for g, v in plan.asked.items() if g not in plan.already}
        plan.users, plan.teams = [], []
        if newly:

            def put(document: dict[str, Any]) -> None:
                document.setdefault("requested", {}).update(newly)

            self.records.update(repo, number, put)
