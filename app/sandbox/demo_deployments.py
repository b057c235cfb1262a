"""The demo's deployments: gatehouse as the custom protection rule of ``production``."""

from __future__ import annotations

from collections.abc import Callable

from app.sandbox.fake_github import FileChange
from app.sandbox.fake_github import payloads as hooks
from app.sandbox.world import AUTHOR, REPO, Sandbox

HOTFIX = FileChange(
    "docs/onboarding.md",
    patch="@@ -3,4 +3,4 @@\n ## First day\n-Ask for access in #it-help.\n+Ask in #it-help.\n",
)
Section = Callable[[str, str], None]


def deploy_and_show(sandbox: Sandbox, section: Section, seen: dict[str, int]) -> None:
    """Deploy the default branch's head to production and show what GitHub and Slack got."""
    deployment = sandbox.github.start_deployment(REPO, "production", creator=AUTHOR)
    payload = hooks.deployment_protection_rule(sandbox.github, REPO, deployment.id)
    sandbox.send("deployment_protection_rule", payload)
    sandbox.settle()
    reviews = sandbox.github.gate_reviews(REPO, deployment.run_id)
    section(
        f"the workflow run's deployment to production ({deployment.sha[:7]})",
        "\n".join(f"{r.state or 'waiting'}: {r.comment}" for r in reviews) or "no answer",
    )
    messages = sandbox.slack.messages()[seen.get("slack", 0) :]
    if messages:
        section("Slack #lfx-devops", "\n".join(m.text for m in messages))
    seen["slack"] = len(sandbox.slack.messages())


def push_hotfix(sandbox: Sandbox) -> str:
    return sandbox.github.push_direct(REPO, AUTHOR, [HOTFIX], message="Fix the onboarding hint")
