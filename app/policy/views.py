"""What the engine reads of a rule set, as protocols.

Two types satisfy them: the validated pydantic :class:`app.policy.model.RuleSet` the
service loads, and :class:`app.policy.frozen.FrozenRuleSet`, its plain, picklable copy
that ``gatehouse check`` keeps in its cache so that a check never imports pydantic. The
engine (:mod:`app.policy.compiled`, :mod:`app.policy.evaluate`) is written against these
protocols and gives the same answers for both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol


class MemberView(Protocol):
    @property
    def github(self) -> str: ...

    @property
    def display(self) -> str: ...


class GroupView(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def approvals(self) -> int: ...

    @property
    def github_team(self) -> str | None: ...

    @property
    def members(self) -> Sequence[MemberView]: ...


class RuleView(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def title(self) -> str: ...

    @property
    def group(self) -> str: ...

    @property
    def approvals(self) -> int | None: ...

    @property
    def paths(self) -> Sequence[str]: ...

    @property
    def exclude_paths(self) -> Sequence[str]: ...

    @property
    def changed_lines(self) -> Sequence[str]: ...

    @property
    def detect(self) -> Sequence[str]: ...

    @property
    def advisory(self) -> bool: ...

    @property
    def jira(self) -> bool: ...


class RuleSetView(Protocol):
    @property
    def groups(self) -> Mapping[str, GroupView]: ...

    @property
    def rules(self) -> Sequence[RuleView]: ...


def approvals_needed(ruleset: RuleSetView, rule: RuleView) -> int:
    """The rule's own ``approvals``, else its group's."""
    return rule.approvals if rule.approvals is not None else ruleset.groups[rule.group].approvals
