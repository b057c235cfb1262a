"""The sandbox: fakes of GitHub, Jira and Slack, and the real gatehouse service, all on
loopback. The end-to-end tests and ``gatehouse demo`` drive pull requests through it.
"""

from __future__ import annotations

import contextlib
import functools
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from app.container import Gatehouse, Runtime
from app.policy.loader import load_rules_dir
from app.sandbox.fake_github import FileChange, GitHubState, deliver, serve_github
from app.sandbox.fake_github import payloads as hooks
from app.sandbox.fake_github.accounts import new_key_pair
from app.sandbox.fake_jira import DEFAULT_API_TOKEN, DEFAULT_EMAIL, JiraState, create_jira_app
from app.sandbox.fake_slack import DEFAULT_TOKEN, SlackState, create_slack_app
from app.sandbox.latency import Observer, WithLatency
from app.sandbox.server import ServerThread, bind_loopback
from app.settings import SHIPPED_RULES, ServiceSettings
from app.web.app import create_app

APP_ID = 4242
ORG = "acme"
REPO = "acme/web"
SECRET = "sandbox-webhook-secret"
AUTHOR = "dev-dana"
OUTSIDER = "mallory"
# The work types of the sandbox's Jira project: Jira's defaults and the handbook's.
JIRA_WORK_TYPES = ("Task", "Sub-task", "CI/CD change", "Deployment update")
# Signs the sandbox service's session cookies (sign-in on its pages goes through the fake
# GitHub's OAuth pages).
SESSION_SECRET = "sandbox-session-secret-0123456789abcdef"


@functools.cache
def generate_key() -> tuple[str, str]:
    """A fresh RSA key pair for the sandbox's App (one per process: generating is slow)."""
    return new_key_pair()


@dataclass
class SandboxOptions:
    """How to build a sandbox. ``runtime.now`` is its one clock: the service and the GitHub,
    Jira and Slack fakes all read the time from it."""

    rules_dir: Path = SHIPPED_RULES
    database_url: str | None = None
    jira: bool = True
    slack: bool = True
    check_contract: bool = True
    runtime: Runtime = field(default_factory=Runtime)
    workers: int = 4
    # False: only the fakes run; gatehouse is started apart (a `gatehouse serve` process
    # configured from ``Sandbox.settings``).
    service: bool = True
    # Seconds each fake waits before answering ("github", "jira", "slack"), as the real
    # services do over the network; and an observer of every request GitHub answers.
    latency: dict[str, float] = field(default_factory=dict)
    observe_github: Observer | None = None
    # A fake that answers only while its gate is open ("jira", "slack"): a test holds
    # Jira or Slack back to watch what does not wait for them.
    gates: dict[str, threading.Event] = field(default_factory=dict)
    # More service settings by their environment names, e.g.
    # {"GATEHOUSE_GITHUB_WRITES_PER_MINUTE": 6}.
    settings: dict[str, object] = field(default_factory=dict)


class Sandbox:
    """Everything needed to watch gatehouse handle pull requests, with nothing external."""

    def __init__(self, workdir: Path, options: SandboxOptions | None = None) -> None:
        self.workdir = workdir
        self.options = options or SandboxOptions()
        clock = self.options.runtime.now
        self.github = GitHubState(clock=clock)
        self.jira = JiraState(check_contract=self.options.check_contract, clock=clock)
        self.slack = SlackState(check_contract=self.options.check_contract, clock=clock)
        self._stack = contextlib.ExitStack()
        self.gatehouse: Gatehouse | None = None
        self.url = ""
        self._socket: socket.socket | None = None
        self._port = 0

    # set-up -----------------------------------------------------------------------------
    def _populate(self, public_pem: str) -> None:
        self.github.add_app(APP_ID, public_pem, "gatehouse")
        self.github.add_user(ORG, type="Organization")
        self.github.add_repo(REPO, installation_id=1)
        self.github.add_org_member(ORG, AUTHOR)
        ruleset = load_rules_dir(self.options.rules_dir)
        self.jira.add_project(ruleset.settings.jira.project, issue_types=JIRA_WORK_TYPES)
        for login, permission in ((AUTHOR, "write"), (OUTSIDER, "read")):
            self.github.add_user(login)
            self.github.set_permission(REPO, login, permission)
        for group in ruleset.groups.values():
            for member in group.members:
                self.github.add_user(member.github)
                self.github.set_permission(REPO, member.github, "write")
                self.github.add_org_member(ORG, member.github)
                if member.jira_account_id:
                    self.jira.add_user(member.jira_account_id, member.display)

    def start(self) -> Sandbox:
        private_pem, public_pem = generate_key()
        self._populate(public_pem)
        github = self._stack.enter_context(
            serve_github(
                self.github,
                contract=self.options.check_contract,
                wrap=self._network("github", self.options.observe_github),
            )
        )
        jira_app, slack_app = create_jira_app(self.jira), create_slack_app(self.slack)
        jira = self._serve(self._network("jira")(jira_app)) if self.options.jira else None
        slack = self._serve(self._network("slack")(slack_app)) if self.options.slack else None
        database = self.options.database_url or f"sqlite:///{self.workdir / 'gatehouse.db'}"
        # The service's socket is bound first so that its public URL (check run links,
        # sign-in's redirect_uri) is the address it really answers on.
        self._socket = bind_loopback()
        self._port = self._socket.getsockname()[1]
        oauth = self.github.apps[APP_ID]
        values: dict[str, Any] = dict(
            GITHUB_APP_ID=APP_ID,
            GITHUB_PRIVATE_KEY=private_pem,
            GITHUB_WEBHOOK_SECRET=SECRET,
            GITHUB_API_URL=github.url,
            GATEHOUSE_RULES_DIR=self.options.rules_dir,
            GATEHOUSE_DATABASE_URL=database,
            GATEHOUSE_PUBLIC_URL=f"http://127.0.0.1:{self._port}",
            GITHUB_WEB_URL=github.url,
            GITHUB_CLIENT_ID=oauth.client_id,
            GITHUB_CLIENT_SECRET=oauth.client_secret,
            GATEHOUSE_SESSION_SECRET=SESSION_SECRET,
            JIRA_BASE_URL=jira.url if jira else None,
            JIRA_EMAIL=DEFAULT_EMAIL if jira else None,
            JIRA_API_TOKEN=DEFAULT_API_TOKEN if jira else None,
            SLACK_BOT_TOKEN=DEFAULT_TOKEN if slack else None,
            SLACK_API_URL=slack.url if slack else "https://slack.invalid/api",
            GATEHOUSE_WORKERS=self.options.workers,
        )
        values.update(self.options.settings)
        settings = ServiceSettings(_env_file=None, **values)
        self.settings = settings
        if self.options.service:
            self._boot()
        return self

    def _boot(self) -> None:
        self.gatehouse = Gatehouse(self.settings, self.options.runtime)
        sock, self._socket = self._socket, None
        app = create_app(self.gatehouse)
        self._server = ServerThread(app, sock=sock or bind_loopback(port=self._port)).start()
        self.url = self._server.url

    def restart(self, *, process: bool = True) -> None:
        """Stop the service and start a new one on the same database, as after a crash
        or a deploy; with ``process=False`` the new one does not start its worker."""
        self._server.stop()
        self._boot()
        if not process:
            self.service.worker.stop(timeout=5)

    def _network(self, name: str, observe: Observer | None = None) -> Callable[[Any], Any]:
        """The fake ``name`` as the service sees it over the network (its latency)."""
        seconds = self.options.latency.get(name, 0.0)
        gate = self.options.gates.get(name)
        if not seconds and observe is None and gate is None:
            return lambda app: app
        return lambda app: WithLatency(app, seconds, observe, gate=gate)

    def _serve(self, app: Any) -> ServerThread:
        server = ServerThread(app).start()
        self._stack.callback(server.stop)
        return server

    def stop(self) -> None:
        if self.gatehouse is not None:
            self._server.stop()
        if self._socket is not None:  # reserved for a service that was never started here
            self._socket.close()
            self._socket = None
        self._stack.close()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # driving ----------------------------------------------------------------------------
    @property
    def service(self) -> Gatehouse:
        assert self.gatehouse is not None, "start() the sandbox first"
        return self.gatehouse

    def send(
        self, event: str, payload: dict[str, Any], delivery_id: str | None = None
    ) -> httpx.Response:
        return deliver(
            f"{self.url}/webhook", SECRET, event, payload, delivery_id or str(uuid.uuid4())
        )

    def settle(self, timeout: float = 30.0) -> None:
        """Wait until every delivery is processed and every due timer has run."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.service.worker.drain(timeout=max(0.1, deadline - time.monotonic())):
                break
            if (
                self.service.scheduler.run_due() == 0
                and self.service.deliveries.pending_count() == 0
            ):
                return
        raise TimeoutError("gatehouse did not settle in time")

    def open_pull(
        self,
        title: str,
        files: list[FileChange],
        *,
        author: str = AUTHOR,
        body: str = "",
        head_ref: str = "feature/change",
        draft: bool = False,
        send: bool = True,
    ) -> int:
        pull = self.github.open_pull(
            REPO, author, title, files, body=body, head_ref=head_ref, draft=draft
        )
        if send:
            self.send("pull_request", hooks.pull_request(self.github, REPO, pull.number, "opened"))
            self.settle()
        return pull.number

    def push(self, number: int, files: list[FileChange]) -> str:
        sha = self.github.push(REPO, number, files)
        self.send("pull_request", hooks.pull_request(self.github, REPO, number, "synchronize"))
        self.settle()
        return sha

    def review(self, number: int, reviewer: str, state: str, body: str = "") -> None:
        review = self.github.add_review(REPO, number, reviewer, state, body=body)
        self.send(
            "pull_request_review",
            hooks.pull_request_review(self.github, REPO, number, review, "submitted"),
        )
        self.settle()

    def comment(
        self, number: int, login: str, body: str, user_type: str = "User"
    ) -> dict[str, Any]:
        comment = self.github.add_comment(REPO, number, login, body, user_type=user_type)
        self.send("issue_comment", hooks.issue_comment(self.github, REPO, number, comment))
        self.settle()
        return comment

    def merge(self, number: int) -> None:
        self.github.close_pull(REPO, number, merged=True)
        self.send("pull_request", hooks.pull_request(self.github, REPO, number, "closed"))
        self.settle()

    def check_run(self, number: int) -> Any:
        head = self.github.pull(REPO, number).head_sha
        runs = [r for r in self.github.check_runs(REPO, head) if r.name == "gatehouse"]
        return runs[-1] if runs else None

    def violations(self) -> list[str]:
        return [*self.github.violations, *self.jira.violations, *self.slack.violations]


def with_sandbox(
    workdir: Path, body: Callable[[Sandbox], None], options: SandboxOptions | None = None
) -> None:
    with Sandbox(workdir, options) as sandbox:
        body(sandbox)
