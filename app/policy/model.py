"""The rules directory's schema (SPEC section 3) as strict pydantic models.

Unknown keys are errors everywhere, so a typo never silently disables a rule. The JSON
Schema printed by ``gatehouse rules schema`` is generated from these models.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_WORKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri")
_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_JIRA_PROJECT = re.compile(r"^[A-Z][A-Z0-9_]+$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _clock(value: str) -> str:
    if not _CLOCK.match(value):
        raise ValueError(f"{value!r} is not a time of day written HH:MM (24-hour)")
    return value


class JiraVerification(Strict):
    """The Jira transitions of the verification step (SPEC section 8), each found by the
    transition's name or the name of the status it leads to (case-insensitive); ``null``
    leaves the ticket where it is."""

    transition: Annotated[str, Field(min_length=1)] | None = "In Verification"
    """Performed when a change Platform Engineering approved merges."""
    done_transition: Annotated[str, Field(min_length=1)] | None = "Done"
    """Performed by ``/verified``."""


class JiraSettings(Strict):
    project: str = "LFXV2"
    issue_type: str = "Task"
    labels: list[str] = Field(default_factory=lambda: ["platform-engineering"])
    require_key: bool = False
    verification: JiraVerification = JiraVerification()

    @field_validator("project")
    @classmethod
    def _project_key(cls, value: str) -> str:
        if not _JIRA_PROJECT.match(value):
            raise ValueError(
                f"{value!r} is not a Jira project key (upper-case letters, e.g. LFXV2)"
            )
        return value

    @field_validator("labels")
    @classmethod
    def _labels_without_spaces(cls, value: list[str]) -> list[str]:
        for label in value:
            if not label or any(ch.isspace() for ch in label):
                raise ValueError(f"Jira labels cannot be empty or contain spaces: {label!r}")
        return value


class SlackSettings(Strict):
    channel: str = "#lfx-devops"


class BusinessDays(Strict):
    business_days: Annotated[float, Field(gt=0)]


class BusinessHours(Strict):
    business_hours: Annotated[float, Field(gt=0)]


class Hours(Strict):
    hours: Annotated[float, Field(gt=0)]


class SlaSettings(Strict):
    timezone: str = "America/Los_Angeles"
    workday: tuple[str, str] = ("09:00", "17:00")
    workdays: list[Weekday] = Field(default_factory=lambda: list(DEFAULT_WORKDAYS))
    holidays: str | None = None
    standard: BusinessDays = BusinessDays(business_days=2)
    expedited: BusinessHours = BusinessHours(business_hours=4)
    post_implementation_review: Hours = Hours(hours=24)
    joint_review: Hours = Hours(hours=24)
    verification: BusinessDays = BusinessDays(business_days=2)
    """Platform Engineering verifies a merged change within this (SPEC section 8)."""
    remind_before_minutes: Annotated[int, Field(ge=0)] = 120

    @field_validator("workday")
    @classmethod
    def _workday(cls, value: tuple[str, str]) -> tuple[str, str]:
        start, end = (_clock(v) for v in value)
        if start >= end:
            raise ValueError(f"the workday must start before it ends, got {start}-{end}")
        return (start, end)

    @field_validator("workdays")
    @classmethod
    def _some_workdays(cls, value: list[Weekday]) -> list[Weekday]:
        if not value:
            raise ValueError("at least one workday is needed, or no deadline could ever fall")
        return value


class ArchitectureReview(Strict):
    weekday: Weekday = "wed"
    time: str = "16:00"
    duration_minutes: Annotated[int, Field(gt=0)] = 60
    post_agenda_minutes_before: Annotated[int, Field(ge=0)] = 60

    _time = field_validator("time")(classmethod(lambda cls, v: _clock(v)))


class DeploymentSettings(Strict):
    environments: list[str] = Field(default_factory=lambda: ["production"])
    """The environments gatehouse protects as a custom deployment protection rule (names
    compared case-insensitively, as GitHub does); deployments elsewhere are approved at
    once."""

    @field_validator("environments")
    @classmethod
    def _named(cls, value: list[str]) -> list[str]:
        for name in value:
            if not name.strip():
                raise ValueError("an environment name cannot be empty")
        return value


class Settings(Strict):
    check_name: str = "gatehouse"
    jira: JiraSettings = JiraSettings()
    slack: SlackSettings = SlackSettings()
    sla: SlaSettings = SlaSettings()
    architecture_review: ArchitectureReview = ArchitectureReview()
    deployments: DeploymentSettings = DeploymentSettings()


class AwayPeriod(Strict):
    """Days a member is away, both included, as calendar dates in the SLA timezone."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    first: date = Field(alias="from")
    last: date = Field(alias="to")

    @model_validator(mode="after")
    def _in_order(self) -> AwayPeriod:
        if self.last < self.first:
            raise ValueError(f"away: 'to' ({self.last}) comes before 'from' ({self.first})")
        return self

    def covers(self, day: date) -> bool:
        return self.first <= day <= self.last


class Member(Strict):
    github: str
    name: str | None = None
    jira_account_id: str | None = None
    slack_user_id: str | None = None
    away: list[AwayPeriod] = Field(default_factory=list)
    """Periods the member is away: assignment skips them (SPEC section 10)."""

    @property
    def display(self) -> str:
        return self.name or self.github


class Group(Strict):
    name: str
    approvals: Annotated[int, Field(ge=1)] = 1
    github_team: str | None = None
    members: list[Member] = Field(default_factory=list)
    assign: Literal["round-robin", "least-loaded"] = "round-robin"

    @field_validator("github_team")
    @classmethod
    def _org_slash_team(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9_.-]+$", value):
            raise ValueError(f"github_team must be written ORG/TEAM-SLUG, got {value!r}")
        return value

    @model_validator(mode="after")
    def _someone_can_approve(self) -> Group:
        if not self.members and not self.github_team:
            raise ValueError("a group needs members or a github_team, or nobody could approve")
        return self


class Rule(Strict):
    id: str
    title: str
    group: str
    approvals: Annotated[int, Field(ge=1)] | None = None
    paths: list[str] = Field(default_factory=list)
    exclude_paths: list[str] = Field(default_factory=list)
    changed_lines: list[str] = Field(default_factory=list)
    detect: list[str] = Field(default_factory=list)
    """Finding kinds (``dependency.added``, ``messaging.*``): the file counts when a
    detector reports one of them for it (SPEC section 7)."""
    advisory: bool = False
    """Suggest the group instead of requiring it: never blocks, asks nobody, no ticket."""
    jira: bool = True
    issue_type: str | None = None
    """The Jira work type of the ticket a match opens (the handbook's "CI/CD change",
    "Deployment update"); unset: ``settings.jira.issue_type``."""

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not _SLUG.match(value):
            raise ValueError(f"rule ids are lower-case slugs like 'ci-cd', got {value!r}")
        return value

    @field_validator("changed_lines")
    @classmethod
    def _regexes(cls, value: list[str]) -> list[str]:
        for pattern in value:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from None
        return value

    @field_validator("detect")
    @classmethod
    def _known_kinds(cls, value: list[str]) -> list[str]:
        from app.policy.detectors import unknown_kind

        for pattern in value:
            problem = unknown_kind(pattern)
            if problem is not None:
                raise ValueError(problem)
        return value

    @model_validator(mode="after")
    def _selects_something(self) -> Rule:
        if not self.paths and not self.changed_lines and not self.detect:
            raise ValueError("a rule needs paths, changed_lines or detect, or it matches nothing")
        return self


class RulesFile(Strict):
    """One YAML file of the organisation's rules directory."""

    settings: Settings | None = None
    groups: dict[str, Group] | None = None
    rules: list[Rule] | None = None


class RepoJiraOverride(Strict):
    project: str | None = None
    issue_type: str | None = None
    labels: list[str] | None = None
    require_key: bool | None = None

    _project = field_validator("project")(
        classmethod(lambda cls, v: v if v is None else JiraSettings._project_key(v))
    )


class RepoSettings(Strict):
    jira: RepoJiraOverride | None = None


class RepoRulesFile(Strict):
    """A repository's ``.github/gatehouse.yml``: it may add rules and override Jira only."""

    settings: RepoSettings | None = None
    rules: list[Rule] | None = None


class RuleSet(Strict):
    """The merged, validated rules that the engine evaluates."""

    settings: Settings
    groups: dict[str, Group]
    rules: tuple[Rule, ...]

    def group_of(self, rule: Rule) -> Group:
        return self.groups[rule.group]

    def approvals_for(self, rule: Rule) -> int:
        return rule.approvals if rule.approvals is not None else self.groups[rule.group].approvals
