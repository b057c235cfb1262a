"""``gatehouse demo``: the real service against the sandbox, through a few pull requests.

Everything runs on this machine: fake GitHub, Jira and Slack servers on loopback, the
gatehouse service with an SQLite database in a temporary folder, and signed webhook
deliveries exactly as GitHub sends them. It prints what people would see, then exits.
"""

from __future__ import annotations

import tempfile
import textwrap
from collections.abc import Callable
from pathlib import Path

from app.reporting.decisions import build_decisions, render_markdown
from app.sandbox.demo_deployments import deploy_and_show, push_hotfix
from app.sandbox.fake_github import FileChange
from app.sandbox.world import AUTHOR, REPO, Sandbox, SandboxOptions
from app.settings import SHIPPED_RULES

WORKFLOW = FileChange(
    ".github/workflows/release.yml",
    status="added",
    patch="@@ -0,0 +1,6 @@\n+name: release\n+on:\n+  push:\n+    tags: ['v*']\n+jobs:\n"
    "+  publish: {runs-on: ubuntu-latest}",
)
SECURITY_GROUP = FileChange(
    "infra/network.tf",
    patch='@@ -20,3 +20,9 @@ module "vpc" {\n }\n \n+resource "aws_security_group" "api" {\n'
    "+  ingress {\n+    from_port   = 443\n+    to_port     = 443\n"
    '+    cidr_blocks = ["10.0.0.0/8"]\n+  }\n',
)
NEW_DEPENDENCY = FileChange(
    "package.json",
    patch=(
        '@@ -1,6 +1,7 @@\n {\n   "name": "web",\n   "dependencies": {\n'
        '+    "nats.ws": "^1.29.0",\n     "react": "^18.2.0"\n   }\n }\n'
    ),
)
DOCS = FileChange(
    "docs/onboarding.md",
    patch="@@ -3,4 +3,4 @@\n ## First day\n-Ask for access.\n+Ask for access in #it-help.\n",
)


class Printer:
    def __init__(self, out: Callable[[str], None]) -> None:
        self.out = out

    def heading(self, text: str) -> None:
        self.out(f"\n{'=' * 78}\n{text}\n{'=' * 78}")

    def section(self, label: str, body: str) -> None:
        self.out(f"\n--- {label} ---")
        self.out(textwrap.indent(body.strip() or "(nothing)", "  "))


def show_pull(sandbox: Sandbox, number: int, p: Printer) -> None:
    run = sandbox.check_run(number)
    if run is not None:
        p.section(f"check run `{run.name}`: {run.conclusion} — {run.title}", run.summary or "")
        if run.annotations:
            lines = [f"{a['path']}:{a['start_line']}: {a['title']}" for a in run.annotations]
            p.section("annotations on the diff", "\n".join(lines))
    reviewers = sandbox.github.requested_reviewers(REPO, number)
    p.section("review requested from", ", ".join(f"@{r}" for r in reviewers) or "nobody")
    comments = sandbox.github.comments(REPO, number)
    p.section(
        "comments on the pull request",
        "\n\n".join(f"@{c.user}:\n{c.body}" for c in comments) or "none",
    )


def show_outside(sandbox: Sandbox, p: Printer, seen: dict[str, int]) -> None:
    issues = sandbox.jira.issues()[seen.get("jira", 0) :]
    if issues:
        p.section(
            "Jira",
            "\n".join(
                f"{i.key} [{i.issue_type.name}] {i.summary} — assignee {i.assignee_id or 'none'}, "
                f"labels {', '.join(i.labels)}"
                for i in issues
            ),
        )
    messages = sandbox.slack.messages()[seen.get("slack", 0) :]
    if messages:
        p.section("Slack #lfx-devops", "\n".join(m.text for m in messages))
    seen["jira"] = len(sandbox.jira.issues())
    seen["slack"] = len(sandbox.slack.messages())


def show_verification(sandbox: Sandbox, number: int, p: Printer, seen: dict[str, int]) -> None:
    """The sticky comment after the merge, the ticket's status and what Slack was told."""
    sticky = [c.body for c in sandbox.github.comments(REPO, number) if "gatehouse:sticky" in c.body]
    p.section("the sticky comment", sticky[0] if sticky else "none")
    key = str(sandbox.service.records.load(REPO, number).get("jira_key") or "")
    if key:
        p.section("Jira", f"{key} is {sandbox.jira.issue(key).status}")
    show_outside(sandbox, p, seen)


def run_demo(out: Callable[[str], None] = print, rules_dir: Path = SHIPPED_RULES) -> int:
    p = Printer(out)
    seen: dict[str, int] = {}
    with (
        tempfile.TemporaryDirectory(prefix="gatehouse-demo-") as workdir,
        Sandbox(Path(workdir), SandboxOptions(rules_dir=rules_dir)) as sandbox,
    ):
        out(
            f"gatehouse is serving {sandbox.url}/webhook (SQLite in {workdir}); fake GitHub, "
            "Jira and Slack run on loopback."
        )

        p.heading(f"1. @{AUTHOR} opens a pull request adding a release workflow")
        first = sandbox.open_pull("Publish releases from tags", [WORKFLOW], head_ref="ci/release")
        show_pull(sandbox, first, p)
        show_outside(sandbox, p, seen)

        p.heading("2. A Terraform change opens HTTPS in a security group")
        second = sandbox.open_pull(
            "Open HTTPS to the API", [SECURITY_GROUP], head_ref="infra/https"
        )
        show_pull(sandbox, second, p)
        show_outside(sandbox, p, seen)

        p.heading("3. A docs-only change")
        third = sandbox.open_pull("Onboarding: where to ask for access", [DOCS], head_ref="docs/it")
        show_pull(sandbox, third, p)

        p.heading(f"4. @alan-sherman (Platform Engineering) approves #{first}")
        sandbox.review(first, "alan-sherman", "APPROVED")
        show_pull(sandbox, first, p)

        p.heading(f"5. Production is affected: @{AUTHOR} comments `/expedite` on #{second}")
        sandbox.comment(second, AUTHOR, "/expedite the API is unreachable from the new VPC")
        show_pull(sandbox, second, p)
        p.section("labels", ", ".join(sandbox.github.labels(REPO, second)))
        show_outside(sandbox, p, seen)

        p.heading(f"6. #{first} merges: its ticket moves to verification; Alan is asked to verify")
        sandbox.merge(first)
        show_verification(sandbox, first, p, seen)

        p.heading(f"7. Once it is deployed, @alan-sherman comments `/verified` on #{first}")
        sandbox.comment(first, "alan-sherman", "/verified the release run published v1.0.0")
        show_verification(sandbox, first, p, seen)

        p.heading("8. main is deployed to production: every change came through an approved PR")
        deploy_and_show(sandbox, p.section, seen)

        p.heading(f"9. @{AUTHOR} pushes straight to main; the next deployment waits")
        push_hotfix(sandbox)
        deploy_and_show(sandbox, p.section, seen)

        p.heading("10. A new dependency goes to the architecture review call, which approves it")
        fourth = sandbox.open_pull(
            "Talk to NATS from the browser", [NEW_DEPENDENCY], head_ref="feat/nats-ws"
        )
        sandbox.comment(
            fourth,
            "example-architect-one",
            "/arch-decision approve fits the messaging pattern agreed for the event bus",
        )
        show_pull(sandbox, fourth, p)

        p.heading("11. `gatehouse decisions`: the decision log for all teams")
        log = build_decisions(sandbox.service.audit.export())
        out(render_markdown(log))

        violations = sandbox.violations()
        p.heading("Summary")
        out(
            f"GitHub calls made by gatehouse: {sandbox.service.stats.total()} "
            f"({sandbox.service.stats.total(include_not_modified=False)} counted against the rate limit)"
        )
        out(
            f"Requests the fakes found outside GitHub's, Jira's or Slack's API descriptions: {len(violations)}"
        )
        for violation in violations:
            out(f"  - {violation}")
        return 1 if violations else 0
