"""A validated rule set as plain named tuples: cheap to pickle, cheap to load.

``gatehouse check`` caches its compiled rules between runs; unpickling these classes
imports nothing but the engine, where the pydantic models would pull in pydantic and
rebuild their validators on every start. Named tuples rather than dataclasses because
defining one costs a fraction of a dataclass, and a check defines them on every start.

Only :func:`freeze` builds them, from a :class:`app.policy.model.RuleSet` that passed
validation, so they are valid by construction. They satisfy :mod:`app.policy.views`, and
carry the settings that the CLI's renderers show.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from app.policy.model import RuleSet


class FrozenMember(NamedTuple):
    github: str
    name: str | None = None
    jira_account_id: str | None = None
    slack_user_id: str | None = None
    away: tuple[tuple[date, date], ...] = ()

    @property
    def display(self) -> str:
        return self.name or self.github


class FrozenGroup(NamedTuple):
    name: str
    approvals: int
    github_team: str | None
    members: tuple[FrozenMember, ...]
    assign: str


class FrozenRule(NamedTuple):
    id: str
    title: str
    group: str
    approvals: int | None
    paths: tuple[str, ...]
    exclude_paths: tuple[str, ...]
    changed_lines: tuple[str, ...]
    detect: tuple[str, ...]
    advisory: bool
    jira: bool
    issue_type: str | None = None


class FrozenJira(NamedTuple):
    project: str
    issue_type: str
    labels: tuple[str, ...]
    require_key: bool


class FrozenSla(NamedTuple):
    timezone: str


class FrozenArchitectureReview(NamedTuple):
    weekday: str
    time: str
    duration_minutes: int


class FrozenSettings(NamedTuple):
    """The settings an offline check shows; SLA clocks and Slack need the service."""

    check_name: str
    jira: FrozenJira
    sla: FrozenSla
    architecture_review: FrozenArchitectureReview


class FrozenRuleSet(NamedTuple):
    settings: FrozenSettings
    groups: Mapping[str, FrozenGroup]
    rules: tuple[FrozenRule, ...]


def freeze(ruleset: RuleSet) -> FrozenRuleSet:
    """The plain copy of a validated rule set; the engine decides the same on both."""
    settings = ruleset.settings
    review = settings.architecture_review
    return FrozenRuleSet(
        settings=FrozenSettings(
            check_name=settings.check_name,
            jira=FrozenJira(
                project=settings.jira.project,
                issue_type=settings.jira.issue_type,
                labels=tuple(settings.jira.labels),
                require_key=settings.jira.require_key,
            ),
            sla=FrozenSla(timezone=settings.sla.timezone),
            architecture_review=FrozenArchitectureReview(
                weekday=review.weekday, time=review.time, duration_minutes=review.duration_minutes
            ),
        ),
        groups={
            group_id: FrozenGroup(
                name=group.name,
                approvals=group.approvals,
                github_team=group.github_team,
                members=tuple(
                    FrozenMember(
                        m.github,
                        m.name,
                        m.jira_account_id,
                        m.slack_user_id,
                        tuple((p.first, p.last) for p in m.away),
                    )
                    for m in group.members
                ),
                assign=group.assign,
            )
            for group_id, group in ruleset.groups.items()
        },
        rules=tuple(
            FrozenRule(
                id=rule.id,
                title=rule.title,
                group=rule.group,
                approvals=rule.approvals,
                paths=tuple(rule.paths),
                exclude_paths=tuple(rule.exclude_paths),
                changed_lines=tuple(rule.changed_lines),
                detect=tuple(rule.detect),
                advisory=rule.advisory,
                jira=rule.jira,
                issue_type=rule.issue_type,
            )
            for rule in ruleset.rules
        ),
    )
