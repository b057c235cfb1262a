"""A burst of new pull requests against the sandbox with the latency of the real services.

Every pull request adds a CI workflow, so each needs Platform Engineering: a check run, a
review request, a Jira ticket, a Slack message and the sticky comment. The fakes of GitHub,
Jira and Slack run in this process and answer after the configured latency; gatehouse runs
as ``gatehouse serve`` processes (one on SQLite, then one and two replicas sharing
PostgreSQL), each delivery sent to the replicas in turn as a load balancer would.

Printed per scenario: delivery -> completed check (p50, p95, max), the time until every
effect of every pull request exists (drain), calls per pull request, duplicates and
missing effects, the service processes' peak RSS, and the CPU used by gatehouse and by
this process (the fakes and the load generator) meanwhile.

The fakes answer without checking each request against the OpenAPI descriptions: on a
small machine that check costs several times gatehouse's own CPU and would measure the
fakes. The end-to-end tests check every request; ``--contract`` turns it on here too.

    .venv/bin/python bench/load.py                       # the three scenarios
    .venv/bin/python bench/load.py --scenario sqlite     # or postgresql-1, postgresql-2
    .venv/bin/python bench/load.py --prs 50 --rate 10    # a smaller burst
    .venv/bin/python bench/load.py --writes-per-minute 80  # GitHub's pace (drain: minutes)
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from app.container import Runtime
from app.sandbox.fake_github import FileChange
from app.sandbox.fake_github import payloads as hooks
from app.sandbox.fake_github.payloads import sign
from app.sandbox.latency import Answered
from app.sandbox.service_process import ServiceProcess, wait_until
from app.sandbox.world import AUTHOR, REPO, SECRET, Sandbox, SandboxOptions
from app.store.database import normalize_url

POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SCENARIOS = {
    "sqlite": ("sqlite", 1),
    "postgresql-1": ("postgresql", 1),
    "postgresql-2": ("postgresql", 2),
}
TARGET_P95 = 2.0


@dataclass
class Timings:
    """When each pull request's delivery was sent and its check completed (monotonic)."""

    sent: dict[int, float] = field(default_factory=dict)
    checked: dict[int, float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def observe(self, answer: Answered) -> None:
        """A check run created or updated with a conclusion completes that PR's check."""
        if answer.status >= 300 or "/check-runs" not in answer.path:
            return
        if answer.method not in ("POST", "PATCH"):
            return
        body = json.loads(answer.body or b"{}")
        external = str(body.get("external_id") or "")
        if body.get("conclusion") and "#" in external:
            number = int(external.rsplit("#", 1)[1])
            with self.lock:
                self.checked.setdefault(number, answer.at)


@contextlib.contextmanager
def database(backend: str, workdir: Path) -> Iterator[str]:
    """An empty database: a file for SQLite, a fresh schema for PostgreSQL."""
    if backend == "sqlite":
        yield f"sqlite:///{workdir / 'gatehouse.db'}"
        return
    base = normalize_url(POSTGRES_URL)
    schema = f"gatehouse_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield base.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False
        )
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def workflow(index: int) -> FileChange:
    return FileChange(
        f".github/workflows/deploy-{index}.yml",
        status="added",
        patch="@@ -0,0 +1,4 @@\n+name: deploy\n+on: push\n+jobs:\n+  deploy: {runs-on: ubuntu-latest}",
    )


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU a process has used so far."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mib(pid: int | None) -> float:
    if pid is None:
        return 0.0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def send_burst(
    urls: list[str], bodies: list[tuple[int, bytes]], rate: float, timings: Timings
) -> list[int]:
    """Send one delivery every 1/rate s, round robin over the replicas; the statuses."""
    statuses: list[int] = []
    start = time.monotonic()
    with httpx.Client(timeout=30) as client:
        for index, (number, body) in enumerate(bodies):
            due = start + index / rate
            pause = due - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            headers = {
                "Content-Type": "application/json",
                "X-GitHub-Event": "pull_request",
                "X-GitHub-Delivery": str(uuid.uuid4()),
                "X-Hub-Signature-256": sign(SECRET, body),
            }
            with timings.lock:
                timings.sent[number] = time.monotonic()
            answer = client.post(
                f"{urls[index % len(urls)]}/webhook", content=body, headers=headers
            )
            statuses.append(answer.status_code)
    return statuses


@dataclass
class Outcome:
    name: str
    p50: float
    p95: float
    worst: float
    drain: float
    calls: dict[str, float]
    problems: list[str]
    rss: list[float]
    cpu: list[float]
    here_cpu: float


def run(name: str, args: argparse.Namespace) -> Outcome:
    backend, replicas = SCENARIOS[name]
    timings = Timings()
    latency = {
        "github": args.github_ms / 1000,
        "jira": args.jira_ms / 1000,
        "slack": args.slack_ms / 1000,
    }
    with (
        tempfile.TemporaryDirectory(prefix="gatehouse-load-") as tmp,
        database(backend, Path(tmp)) as url,
    ):
        workdir = Path(tmp)
        options = SandboxOptions(
            database_url=url,
            runtime=Runtime(),
            service=False,
            check_contract=args.contract,
            latency=latency,
            observe_github=timings.observe,
            workers=args.workers,
        )
        with Sandbox(workdir, options) as sandbox, contextlib.ExitStack() as stack:
            env = {
                "GATEHOUSE_FOLLOW_UP_WORKERS": str(args.follow_up_workers),
                "GATEHOUSE_GITHUB_WRITES_PER_MINUTE": str(args.writes_per_minute),
            }
            services = [
                stack.enter_context(
                    ServiceProcess(sandbox.settings, workdir, f"replica-{i}", extra_env=env)
                )
                for i in range(replicas)
            ]
            for service in services:
                service.start()
            numbers = [
                sandbox.github.open_pull(REPO, AUTHOR, f"Deploy workflow {i}", [workflow(i)]).number
                for i in range(args.prs)
            ]
            bodies = [
                (n, json.dumps(hooks.pull_request(sandbox.github, REPO, n, "opened")).encode())
                for n in numbers
            ]
            sandbox.github.reset_calls()
            cpu_before = [cpu_seconds(s.pid) for s in services]
            here_before = time.process_time()
            started = time.monotonic()
            statuses = send_burst([s.url for s in services], bodies, args.rate, timings)

            def drained() -> bool:
                return (
                    len(timings.checked) >= len(numbers)
                    and len(sandbox.jira.issues()) >= len(numbers)
                    and len(sandbox.slack.messages()) >= len(numbers)
                    and all(sandbox.github.comments(REPO, n) for n in numbers)
                )

            try:
                wait_until(drained, args.timeout, "every effect of the burst")
            except TimeoutError as exc:
                print(f"  {exc}", file=sys.stderr)
                for service in services:
                    print("\n".join(service.log().splitlines()[-20:]), file=sys.stderr)
            drain = time.monotonic() - started
            time.sleep(1.0)  # anything duplicated late shows up too
            rss = [peak_rss_mib(s.pid) for s in services]
            cpu = [
                cpu_seconds(s.pid) - before for s, before in zip(services, cpu_before, strict=True)
            ]
            here_cpu = time.process_time() - here_before
            problems = effects_problems(sandbox, numbers, statuses)
            calls = {
                "GitHub": sandbox.github.calls() / len(numbers),
                "Jira": len(sandbox.jira.requests) / len(numbers),
                "Slack": len(sandbox.slack.requests) / len(numbers),
            }
            problems += [f"contract: {v}" for v in sandbox.violations()[:5]]
            for service in services:
                service.stop()
    latencies = sorted(timings.checked[n] - timings.sent[n] for n in timings.checked)
    if not latencies:
        latencies = [float("inf")]
    p95 = latencies[max(0, round(0.95 * len(latencies)) - 1)]
    return Outcome(
        name,
        statistics.median(latencies),
        p95,
        latencies[-1],
        drain,
        calls,
        problems,
        rss,
        cpu,
        here_cpu,
    )


def effects_problems(sandbox: Sandbox, numbers: list[int], statuses: list[int]) -> list[str]:
    """Every effect exactly once per pull request, and every delivery acknowledged."""
    problems = [
        f"{count} deliveries answered {status}"
        for status, count in Counter(statuses).items()
        if status != 202
    ]
    counts: Counter[str] = Counter()
    for number in numbers:
        pull = sandbox.github.pull(REPO, number)
        runs = [r for r in sandbox.github.check_runs(REPO, pull.head_sha) if r.name == "gatehouse"]
        counts[f"check runs x{len(runs)}"] += 1
        bots = [c for c in sandbox.github.comments(REPO, number) if c.user_type == "Bot"]
        counts[f"sticky comments x{len(bots)}"] += 1
        counts[f"review requests x{len(sandbox.github.requested_reviewers(REPO, number))}"] += 1
    for label, count in sorted(counts.items()):
        if not label.endswith("x1"):
            problems.append(f"{count} pull requests with {label}")
    issues = Counter(issue.summary for issue in sandbox.jira.issues())
    if len(issues) != len(numbers) or any(n > 1 for n in issues.values()):
        problems.append(f"{sum(issues.values())} Jira issues for {len(numbers)} pull requests")
    messages = len(sandbox.slack.messages())
    if messages != len(numbers):
        problems.append(f"{messages} Slack messages for {len(numbers)} pull requests")
    return problems


def report(outcome: Outcome) -> None:
    verdict = "PASS" if outcome.p95 <= TARGET_P95 and not outcome.problems else "FAIL"
    calls = ", ".join(f"{k} {v:.1f}" for k, v in outcome.calls.items())
    rss = " + ".join(f"{r:.0f}" for r in outcome.rss)
    print(
        f"{outcome.name:13} check p50 {outcome.p50:5.2f} s  p95 {outcome.p95:5.2f} s  "
        f"max {outcome.worst:5.2f} s  drained {outcome.drain:5.1f} s  peak RSS {rss} MiB  {verdict}"
    )
    print(f"{'':13} calls per PR: {calls}")
    cpu = " + ".join(f"{c:.1f}" for c in outcome.cpu)
    print(
        f"{'':13} CPU from the burst to drained: gatehouse {cpu} s; "
        f"fakes and load generator {outcome.here_cpu:.1f} s"
    )
    for problem in outcome.problems or ["every effect exactly once"]:
        print(f"{'':13} {problem}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", choices=[*SCENARIOS, "all"], default="all")
    parser.add_argument("--prs", type=int, default=200)
    parser.add_argument("--rate", type=float, default=40.0, help="deliveries per second")
    parser.add_argument("--github-ms", type=float, default=40.0)
    parser.add_argument("--jira-ms", type=float, default=120.0)
    parser.add_argument("--slack-ms", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=16, help="GATEHOUSE_WORKERS")
    parser.add_argument(
        "--follow-up-workers", type=int, default=32, help="GATEHOUSE_FOLLOW_UP_WORKERS"
    )
    parser.add_argument(
        "--writes-per-minute",
        type=float,
        default=0,
        help="GATEHOUSE_GITHUB_WRITES_PER_MINUTE (0: unpaced, as the fakes set no limit)",
    )
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument(
        "--contract",
        action="store_true",
        help="check every request against the OpenAPI descriptions, as the tests do "
        "(costs the fakes several times gatehouse's CPU)",
    )
    args = parser.parse_args()
    names = list(SCENARIOS) if args.scenario == "all" else [args.scenario]
    print(
        f"{args.prs} pull requests at {args.rate:g}/s; latency GitHub {args.github_ms:g} ms, "
        f"Jira {args.jira_ms:g} ms, Slack {args.slack_ms:g} ms; GATEHOUSE_WORKERS={args.workers}, "
        f"GATEHOUSE_FOLLOW_UP_WORKERS={args.follow_up_workers}, "
        f"GATEHOUSE_GITHUB_WRITES_PER_MINUTE={args.writes_per_minute:g}; target p95 <= {TARGET_P95:g} s"
    )
    for name in names:
        report(run(name, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
