"""Groups backed by a GitHub team: team review requests, team members' approvals count."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.container import Runtime
from app.sandbox.clock import ManualClock
from app.sandbox.world import REPO, Sandbox, SandboxOptions
from app.settings import SHIPPED_RULES
from tests.e2e.changes import WORKFLOW


@pytest.fixture
def team_sandbox(tmp_path: Path, clock: ManualClock) -> Iterator[Sandbox]:
    rules = tmp_path / "rules"
    shutil.copytree(SHIPPED_RULES, rules)
    groups = (
        (rules / "groups.yml")
        .read_text()
        .replace("    # github_team: my-org/platform-engineering", "    github_team: acme/platform")
    )
    (rules / "groups.yml").write_text(groups)
    options = SandboxOptions(rules_dir=rules, runtime=Runtime(now=clock.now))
    with Sandbox(tmp_path, options) as sandbox:
        yield sandbox
        assert sandbox.violations() == []


def test_team_is_asked_and_a_team_member_can_approve(team_sandbox: Sandbox) -> None:
    sandbox = team_sandbox
    sandbox.github.add_user("taylor-oncall")
    sandbox.github.set_permission(REPO, "taylor-oncall", "write")
    sandbox.github.add_team("acme", "platform", ["taylor-oncall"])
    number = sandbox.open_pull("Add deploy workflow", [WORKFLOW])
    assert sandbox.github.requested_teams(REPO, number) == ["platform"]
    assert sandbox.github.requested_reviewers(REPO, number) == []
    sandbox.review(number, "taylor-oncall", "APPROVED")
    run = sandbox.check_run(number)
    assert run.conclusion == "success"
    assert "@taylor-oncall (approved): counted" in run.summary
    # the Jira ticket still goes to a listed member, chosen by the group's strategy
    assert sandbox.jira.issues()[0].assignee_id is not None
