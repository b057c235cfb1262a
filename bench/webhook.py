"""How fast gatehouse acknowledges webhook deliveries, and what one event costs in calls.

Run with ``.venv/bin/python bench/webhook.py`` (``--loadgen python`` uses the Python load
generator even when ``wrk`` is installed; ``--section load|calls`` runs one half).

1. ``POST /webhook`` at 16 and 64 concurrent connections against the real gatehouse app
   (``create_app(..., manage_worker=False)``: each delivery is verified, classified and
   committed to SQLite, and nothing processes it, so the figures are about acknowledging)
   and against a bare FastAPI app that only reads the body, checks the HMAC and answers
   202. Each app runs in its own process on 127.0.0.1 under uvicorn with the settings
   ``gatehouse serve`` uses; the load comes from ``wrk`` when installed, else from Python
   processes of at most 16 connections each. The two apps take turns, a few rounds per
   level, so a busy moment on the machine falls on both; the figures are the rounds'
   medians. Every request is a ~20 KB signed ``pull_request.opened`` delivery with its
   own ``X-GitHub-Delivery``, so gatehouse records each one.
2. The GitHub calls gatehouse makes per event (``opened``, ``synchronize``, a review) and
   the Jira and Slack calls per pull request, driven through the sandbox.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import importlib.util
import json
import math
import multiprocessing
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import httpx
import uvicorn
from fastapi import FastAPI, Request, Response

from app.cli_serve import server_settings
from app.container import Gatehouse, Runtime
from app.sandbox.fake_github import FileChange, GitHubState
from app.sandbox.fake_github import payloads as hooks
from app.sandbox.world import REPO, Sandbox, SandboxOptions, generate_key
from app.settings import SHIPPED_RULES, ServiceSettings
from app.web.app import create_app

SECRET = "bench-webhook-secret"
LEVELS = (16, 64)
ROUNDS = 3  # per app and level, the apps taking turns
WRK_SECONDS, WRK_WARM_UP_SECONDS, WRK_MAX_ANSWERS = 4, 2, 60_000
PYTHON_REQUESTS, PYTHON_WARM_UP_REQUESTS, PYTHON_SECONDS = 2_000, 500, 60.0
TARGET_SHARE, TARGET_P99_MS = 0.70, 25.0
TARGET_CALLS = {"opened": 6, "synchronize": 4}
TOKEN_OPERATION = "apps/create-installation-access-token"


def _changes(*files: tuple[str, str, str]) -> list[FileChange]:
    return [FileChange(path, status, patch) for path, status, patch in files]


PULL_FILES = _changes(
    (".github/workflows/deploy.yml", "added", "@@ -0,0 +1,3 @@\n+name: deploy\n+on: push\n+jobs: {}"),
    ("infra/network.tf", "modified", '@@ -10,2 +10,5 @@ module "vpc" {\n }\n \n'
     '+resource "aws_security_group" "web" {\n+  ingress { from_port = 443 }\n+}'),
    ("charts/api/values-prod.yaml", "modified", "@@ -1,2 +1,2 @@\n image: api\n-replicaCount: 2\n+replicaCount: 4"),
    ("k8s/base/api/deployment.yaml", "modified", "@@ -1,2 +1,2 @@\n kind: Deployment\n-  replicas: 2\n+  replicas: 3"),
    ("services/api/src/api/handler.py", "modified", "@@ -4,2 +4,2 @@\n def handle():\n-    return 1\n+    return 2"),
    ("services/api/src/api/models.py", "modified", "@@ -1 +1,2 @@\n class Model:\n+    id: int"),
    ("services/api/tests/test_handler.py", "added", "@@ -0,0 +1 @@\n+def check(): ..."),
    ("web/src/components/Header.tsx", "modified", "@@ -1 +1 @@\n-<h1/>\n+<h2/>"),
    ("docs/deploy.md", "modified", "@@ -1,2 +1,2 @@\n # Deploy\n-old\n+new"),
    ("services/api/config.py", "modified", "@@ -1 +1 @@\n-TIMEOUT = 5\n+TIMEOUT = 10"),
)  # fmt: skip
PUSHED_FILES = _changes(
    (".github/workflows/deploy.yml", "modified", "@@ -1,2 +1,2 @@\n name: deploy\n-on: push\n+on: [push]"),
    ("services/api/src/api/handler.py", "modified", "@@ -4,2 +4,2 @@\n def handle():\n-    return 2\n+    return 3"),
)  # fmt: skip
PULL_BODY = "\n\n".join(
    f"## {heading}\nThis moves the deploy workflow to the shared runners, opens HTTPS to the "
    "web tier, raises the API's production replica count and tidies the handler."
    for heading in ("Why", "What", "Risk", "Rollout", "Rollback", "Testing")
)


def delivery_body() -> bytes:
    """A ``pull_request.opened`` delivery in GitHub's shape, about 20 KB."""
    state = GitHubState()
    state.add_user("acme", type="Organization")
    state.add_repo(REPO, installation_id=1)
    pull = state.open_pull(REPO, "dev-dana", "Deploy from shared runners", PULL_FILES, PULL_BODY)
    return json.dumps(hooks.pull_request(state, REPO, pull.number, "opened")).encode()


def bare_app(secret: bytes) -> FastAPI:
    """The floor: read the body, check the signature in constant time, answer 202."""
    app = FastAPI(docs_url=None, redoc_url=None)

    @app.post("/webhook")
    async def webhook(request: Request) -> Response:
        body = await request.body()
        expected = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
        given = request.headers.get("x-hub-signature-256", "")
        if not hmac.compare_digest(expected.encode(), given.encode()):
            return Response(status_code=401)
        return Response(b'{"status":"accepted"}', 202, media_type="application/json")

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def gatehouse_app(workdir: Path) -> FastAPI:
    """The real service's app on a fresh SQLite database; its worker never starts."""
    settings = ServiceSettings(
        GITHUB_APP_ID=4242,
        GITHUB_PRIVATE_KEY=generate_key()[0],
        GITHUB_WEBHOOK_SECRET=SECRET,
        GITHUB_API_URL="http://127.0.0.1:9",  # never called: nothing processes deliveries
        GATEHOUSE_RULES_DIR=SHIPPED_RULES,
        GATEHOUSE_DATABASE_URL=f"sqlite:///{workdir / 'gatehouse.db'}",
        _env_file=None,
    )
    return create_app(Gatehouse(settings, Runtime()), manage_worker=False)


def serve(kind: str, workdir: Path) -> None:
    """Child process: serve one app on a free loopback port, print the port, run until
    SIGTERM. Both apps get the uvicorn settings ``gatehouse serve`` uses."""
    app = gatehouse_app(workdir) if kind == "gatehouse" else bare_app(SECRET.encode())
    # IPPROTO_TCP, as getaddrinfo gives it: asyncio sets TCP_NODELAY on accepted sockets
    # only then (as for `gatehouse serve`); without it Nagle adds 40 ms to every answer.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    print(sock.getsockname()[1], flush=True)
    config = uvicorn.Config(app, **server_settings("warning"))
    uvicorn.Server(config).run(sockets=[sock])


def uvicorn_implementations() -> str:
    """What uvicorn's ``auto`` picks here (the servers run in this interpreter too)."""
    config = uvicorn.Config(bare_app(b""), **server_settings("warning"))
    config.load()
    http = "httptools" if "httptools" in config.http_protocol_class.__module__ else "h11"
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    return f"http={http}, loop={loop}"


class ServerProcess:
    """One app in its own interpreter, so the load generator never shares its GIL."""

    def __init__(self, kind: str, workdir: Path) -> None:
        command = [sys.executable, __file__, "--serve", kind, str(workdir)]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        line = self.process.stdout.readline()  # the port, or nothing if the child died
        if not line.strip().isdigit():
            self.stop()
            raise RuntimeError(f"the {kind} server did not start")
        self.url = f"http://127.0.0.1:{int(line)}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"the {kind} server at {self.url} never answered /healthz")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


class LoadResult(NamedTuple):
    requests: int
    rate: float
    p50_ms: float
    p99_ms: float
    failures: int  # connection errors, timeouts and answers other than 202


WRK_SCRIPT = """
local file = assert(io.open("{body}", "rb"))
wrk.method, wrk.body = "POST", file:read("*a")
file:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["User-Agent"] = "GitHub-Hookshot/bench"
wrk.headers["X-GitHub-Event"] = "pull_request"
wrk.headers["X-Hub-Signature-256"] = "{signature}"
local threads = {{}}
function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end
function init(args) sent, answered, bad = 0, 0, 0 end
function request()
  sent = sent + 1
  wrk.headers["X-GitHub-Delivery"] = "{tag}-" .. tid .. "-" .. sent
  return wrk.format(nil, "/webhook")
end
function response(status, headers, body)
  answered = answered + 1
  if status ~= 202 then bad = bad + 1 end
  if answered >= {limit} then wrk.thread:stop() end
end
function done(summary, latency, requests)
  local e = summary.errors
  local failures = e.connect + e.read + e.write + e.timeout
  for _, thread in ipairs(threads) do failures = failures + thread:get("bad") end
  io.write(string.format("wrk-result %d %d %f %f %d\\n", summary.requests,
    summary.duration, latency:percentile(50), latency:percentile(99), failures))
end
"""


@dataclass
class LoadGenerator:
    """``wrk`` (one thread, bounded by time and answers) or Python processes (bounded by
    request count and time); every request carries a fresh delivery id."""

    use_wrk: bool
    workdir: Path
    body: bytes
    signature: str

    def run(self, url: str, tag: str, connections: int, *, warm_up: bool = False) -> LoadResult:
        if self.use_wrk:
            seconds = WRK_WARM_UP_SECONDS if warm_up else WRK_SECONDS
            return self._wrk(url, tag, connections, seconds)
        total = PYTHON_WARM_UP_REQUESTS if warm_up else PYTHON_REQUESTS
        return self._python(url, tag, connections, total)

    def _wrk(self, url: str, tag: str, connections: int, seconds: int) -> LoadResult:
        body, script = self.workdir / "body.json", self.workdir / f"{tag}.lua"
        body.write_bytes(self.body)
        script.write_text(
            WRK_SCRIPT.format(body=body, signature=self.signature, tag=tag, limit=WRK_MAX_ANSWERS)
        )
        command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "-T5s", "-s", str(script)]
        done = subprocess.run(
            [*command, url], capture_output=True, text=True, timeout=seconds + 60, check=False
        )
        found = re.search(r"^wrk-result (\d+) (\d+) ([\d.]+) ([\d.]+) (\d+)$", done.stdout, re.M)
        if found is None:
            raise RuntimeError(f"wrk printed no result: {done.stdout}{done.stderr}")
        requests, seconds_taken = int(found[1]), int(found[2]) / 1e6
        p50, p99 = float(found[3]) / 1000, float(found[4]) / 1000
        return LoadResult(requests, requests / seconds_taken, p50, p99, int(found[5]))

    def _python(self, url: str, tag: str, connections: int, total: int) -> LoadResult:
        context = multiprocessing.get_context("spawn")
        shares = [min(16, connections - first) for first in range(0, connections, 16)]
        barrier, queue = context.Barrier(len(shares)), context.Queue()
        jobs = [
            LoadJob(url, self.body, self.signature, f"{tag}-{i}", n, total * n // connections)
            for i, n in enumerate(shares)
        ]
        workers = [context.Process(target=_load_process, args=(j, barrier, queue)) for j in jobs]
        for worker in workers:
            worker.start()
        try:
            parts = [queue.get(timeout=PYTHON_SECONDS + 60) for _ in workers]
        finally:
            for worker in workers:
                worker.join(10)
                if worker.is_alive():
                    worker.kill()
        latencies: list[float] = sorted(ms for part in parts for ms in part[2])
        elapsed = max(part[1] for part in parts) - min(part[0] for part in parts)

        def percentile(q: float) -> float:
            return latencies[max(0, math.ceil(q * len(latencies)) - 1)]

        count, failures = len(latencies), sum(part[3] for part in parts)
        return LoadResult(count, count / elapsed, percentile(0.5), percentile(0.99), failures)


class LoadJob(NamedTuple):
    """What one load process sends: ``quota`` requests over ``connections``."""

    url: str
    body: bytes
    signature: str
    tag: str
    connections: int
    quota: int


def _load_process(job: LoadJob, barrier: Any, queue: Any) -> None:
    """One load process, started together with the others by ``barrier``."""
    barrier.wait(timeout=120)
    started = time.time()
    latencies, failures = asyncio.run(_drive(job))
    queue.put((started, time.time(), latencies, failures))


async def _drive(job: LoadJob) -> tuple[list[float], int]:
    host, port = job.url.removeprefix("http://").split(":")
    head = (
        f"POST /webhook HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
        f"User-Agent: GitHub-Hookshot/bench\r\nX-GitHub-Event: pull_request\r\n"
        f"X-Hub-Signature-256: {job.signature}\r\nContent-Length: {len(job.body)}\r\n"
        "X-GitHub-Delivery: "
    ).encode()
    deadline = time.monotonic() + PYTHON_SECONDS
    latencies: list[float] = []
    counts = {"issued": 0, "failures": 0}
    length = re.compile(rb"(?i)\r\ncontent-length:\s*(\d+)")

    async def connection() -> None:
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            while counts["issued"] < job.quota and time.monotonic() < deadline:
                counts["issued"] += 1
                started = time.perf_counter()
                writer.write(head + f"{job.tag}-{counts['issued']}\r\n\r\n".encode() + job.body)
                await writer.drain()
                answer = await reader.readuntil(b"\r\n\r\n")
                size = length.search(answer)
                await reader.readexactly(int(size[1]) if size else 0)
                latencies.append((time.perf_counter() - started) * 1000)
                counts["failures"] += answer[9:12] != b"202"
        except (OSError, asyncio.IncompleteReadError):
            counts["failures"] += 1
        finally:
            writer.close()

    await asyncio.gather(*(connection() for _ in range(job.connections)))
    return latencies, counts["failures"]


def recorded_deliveries(workdir: Path) -> int:
    with sqlite3.connect(f"file:{workdir / 'gatehouse.db'}?mode=ro", uri=True) as db:
        return int(db.execute("SELECT count(*) FROM deliveries").fetchone()[0])


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


class Rounds(NamedTuple):
    """One app's runs at one level, summarised by their medians."""

    runs: list[LoadResult]

    @property
    def requests(self) -> int:
        return sum(r.requests for r in self.runs)

    @property
    def failures(self) -> int:
        return sum(r.failures for r in self.runs)

    def median(self, field: str) -> float:
        return float(statistics.median(getattr(r, field) for r in self.runs))


def load_section(use_wrk: bool) -> None:
    print("== 1. POST /webhook: acknowledging deliveries (nothing processes them) ==")
    body = delivery_body()
    tool = "wrk, 1 thread" if use_wrk else "Python asyncio processes of <= 16 connections"
    print(f"  body {len(body):,} bytes (pull_request.opened); load from {tool}")
    print(
        f"  uvicorn as `gatehouse serve` runs it: {uvicorn_implementations()}; "
        f"{ROUNDS} rounds per app and level, the apps taking turns"
    )
    kinds = ("bare", "gatehouse")
    runs: dict[tuple[str, int], list[LoadResult]] = {(k, n): [] for k in kinds for n in LEVELS}
    accepted = 0
    with tempfile.TemporaryDirectory(prefix="gatehouse-webhook-") as tmp:
        workdir = Path(tmp)
        load = LoadGenerator(use_wrk, workdir, body, hooks.sign(SECRET, body))
        servers: dict[str, ServerProcess] = {}
        try:
            for kind in kinds:
                servers[kind] = ServerProcess(kind, workdir)
            for kind in kinds:
                warm = load.run(servers[kind].url, f"{kind}-warm-up", LEVELS[0], warm_up=True)
                if kind == "gatehouse":
                    accepted += warm.requests - warm.failures
            for level in LEVELS:
                for round_ in range(ROUNDS):
                    for kind in kinds if round_ % 2 == 0 else kinds[::-1]:
                        tag = f"{kind}-{level}-{round_}"
                        result = load.run(servers[kind].url, tag, level)
                        runs[(kind, level)].append(result)
                        if kind == "gatehouse":
                            accepted += result.requests - result.failures
        finally:
            for server in servers.values():
                server.stop()
        recorded = recorded_deliveries(workdir)
    results = {key: Rounds(value) for key, value in runs.items()}
    print(
        f"  {'app':<10} {'conns':>5} {'requests':>9} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} "
        f"{'failed':>6}   req/s by round"
    )
    for level in LEVELS:
        for kind in kinds:
            r = results[(kind, level)]
            by_round = " ".join(f"{run.rate:.0f}" for run in r.runs)
            print(
                f"  {kind:<10} {level:>5} {r.requests:>9,} {r.median('rate'):>7.0f} "
                f"{r.median('p50_ms'):>7.1f} {r.median('p99_ms'):>7.1f} {r.failures:>6}   "
                f"{by_round}"
            )
    for level in LEVELS:
        # Each round's two runs are next to each other in time: compare them pairwise.
        pairs = zip(results[("gatehouse", level)].runs, results[("bare", level)].runs, strict=True)
        share = statistics.median(ours.rate / bare.rate for ours, bare in pairs)
        print(
            f"  target: gatehouse/bare throughput at {level} connections >= "
            f"{TARGET_SHARE:.0%}: {share:.0%} {verdict(share >= TARGET_SHARE)}"
        )
    p99 = results[("gatehouse", 16)].median("p99_ms")
    print(
        f"  target: gatehouse p99 at 16 connections < {TARGET_P99_MS:.0f} ms: {p99:.1f} ms "
        f"{verdict(p99 < TARGET_P99_MS)}"
    )
    failures = sum(r.failures for r in results.values())
    print(f"  every request answered 202: {failures} not {verdict(failures == 0)}")
    print(
        f"  every answered delivery recorded: {recorded:,} rows for {accepted:,} answered 202 "
        f"{verdict(recorded >= accepted)} (warm-up included; rows beyond that were in flight "
        "when a run stopped)"
    )


def _delta(before: dict[str, int], after: dict[str, int]) -> Counter[str]:
    return Counter({k: n - before.get(k, 0) for k, n in after.items() if n > before.get(k, 0)})


def _breakdown(title: str, counts: Counter[str]) -> None:
    print(f"  {title}: {sum(counts.values())}")
    for key, n in sorted(counts.items()):
        print(f"      {n:3}  {key}")


def calls_section() -> None:
    print("\n== 2. outbound calls per event (sandbox: fake GitHub, Jira, Slack on 127.0.0.1) ==")
    steps: list[tuple[str, Counter[str], int]] = []
    with (
        tempfile.TemporaryDirectory(prefix="gatehouse-calls-") as tmp,
        Sandbox(Path(tmp), SandboxOptions(rules_dir=SHIPPED_RULES)) as sandbox,
    ):
        stats = sandbox.service.stats

        def measure(name: str, action: Callable[[], object]) -> None:
            before, seen = stats.snapshot(), sandbox.github.calls()
            action()
            steps.append((name, _delta(before, stats.snapshot()), sandbox.github.calls() - seen))

        def opened() -> None:
            sandbox.send("pull_request", hooks.pull_request(sandbox.github, REPO, number, "opened"))
            sandbox.settle()

        number = sandbox.open_pull("Deploy from shared runners", PULL_FILES, send=False)
        measure("opened", opened)
        measure("synchronize", lambda: sandbox.push(number, PUSHED_FILES))
        reviewer = sandbox.github.requested_reviewers(REPO, number)[0]
        measure("review submitted", lambda: sandbox.review(number, reviewer, "APPROVED"))
        conclusion = sandbox.check_run(number).conclusion
        jira = Counter(r.operation_id or f"{r.method} {r.path}" for r in sandbox.jira.calls())
        slack = Counter(r.method for r in sandbox.slack.calls())
        violations = sandbox.violations()
    print(
        f"  a pull request of {len(PULL_FILES)} files; after @{reviewer} approves, the check "
        f"is {conclusion}"
    )
    for name, counts, seen in steps:
        tokens = sum(n for key, n in counts.items() if key.startswith(f"{TOKEN_OPERATION} "))
        total = sum(counts.values()) - tokens
        not_modified = sum(n for key, n in counts.items() if key.endswith(" 304"))
        limit = TARGET_CALLS.get(name)
        target = f" (target <= {limit}: {verdict(total <= limit)})" if limit else ""
        print(
            f"  {name}: {total} GitHub calls{target}, {not_modified} answered 304; "
            f"installation tokens created: {tokens}; the fake saw {seen} requests"
        )
        for key, n in sorted(counts.items()):
            print(f"      {n:3}  {key}")
    _breakdown("Jira calls for the pull request", jira)
    _breakdown("Slack calls for the pull request", slack)
    print(f"  requests outside the published API descriptions: {len(violations)}")


def main() -> int:
    parser = argparse.ArgumentParser(description="gatehouse webhook benchmarks")
    parser.add_argument("--serve", nargs=2, metavar=("APP", "DIR"), help=argparse.SUPPRESS)
    parser.add_argument("--loadgen", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--section", choices=("all", "load", "calls"), default="all")
    args = parser.parse_args()
    if args.serve:
        serve(args.serve[0], Path(args.serve[1]))
        return 0
    if args.section in ("all", "load"):
        use_wrk = args.loadgen == "wrk" or (args.loadgen == "auto" and bool(shutil.which("wrk")))
        load_section(use_wrk)
    if args.section in ("all", "calls"):
        calls_section()
    return 0


if __name__ == "__main__":
    sys.exit(main())
