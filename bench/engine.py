"""What ``gatehouse check`` costs as a process, against the obvious baselines.

Run with ``.venv/bin/python bench/engine.py [--runs N] [--quick]``. Every figure is
measured in this run; the first two sections time whole processes of the installed
console script (``.venv/bin/gatehouse``), as a user or a CI job runs it:

1. ``gatehouse check --diff`` on a realistic pull request (a real multi-file change of a
   Go service from ``../shared/corpus/lfx-v2`` when present, else a generated one of the
   same shape) against ``python -c pass``, interleaved, median of N runs each; with a warm
   rules cache and a cold one (a new cache directory for every run). Target: a warm check
   costs at most 5 times a bare interpreter.
2. ``gatehouse check --paths`` with 3,000 generated paths against 200 generated rules (a
   rules directory written to a temporary folder): the whole process minus a 1-path run
   of the same process, median of N pairs, against the naive pathspec loop (one
   ``PathSpec`` per rule list, every path against every rule) timed in this process over
   the same paths and rules. Both sides leave out start-up and loading: the subtraction
   for the process, construction for the loop. Target: at least 15 times cheaper.
3. In process: :class:`PathMatcher` and ``evaluate()`` against the naive readings
   (``engine_paths.in_process_section``); the same (file, rule) pairs or exit 1.
4. In process: ``gatehouse check --diff`` on a 5 MB diff against ``unidiff`` plus the
   shipped line regexes, then diff reading alone (``diff_parse.run``). Skipped by
   ``--quick``.

Subprocesses run without ``PYTHONDONTWRITEBYTECODE``, as an installed gatehouse does:
one warm-up run compiles the bytecode first. Figures are wall-clock medians, with the
processes' CPU time (user + system) beside them. A missed target prints FAIL and the run
still exits 0; it exits 1 only when two readings that must agree do not.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import io
import json
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

import diff_parse
import engine_paths
from unidiff.patch import PatchSet

from app.cli import main as gatehouse_main
from app.policy.loader import load_rules_dir
from app.policy.matcher import NaivePathMatcher
from app.settings import SHIPPED_RULES

DIFF_TARGET_RATIO = 5.0
PATHS_TARGET_SPEEDUP = 15.0
LARGE_DIFF_MEGABYTES = 5.0
LARGE_DIFF_TARGET_SPEEDUP = 3.0
CONSOLE_SCRIPT = Path(sys.executable).parent / "gatehouse"
ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("GATEHOUSE_SHARED_DIR") or ROOT.parent / "shared") / "corpus/lfx-v2"
SEED = 20_260_512


class PullRequest(NamedTuple):
    diff: str
    source: str

    def describe(self) -> str:
        files = self.diff.count("\ndiff --git ") + self.diff.startswith("diff --git ")
        return f"{self.source}: {files} files, {len(self.diff.encode()) / 1000:.1f} KB"


def realistic_pr() -> PullRequest:
    """A typical service pull request: of the corpus's real changes that touch at least
    four files, two of them Go, the median by diff size; a generated one without it."""
    candidates = sorted(
        (len(change["diff"]), change["repo"], change["commit"], change["diff"])
        for change in _corpus()
        if not change["diff_truncated"]
        and len(change["files"]) >= 4
        and sum(name.endswith(".go") for name in change["files"]) >= 2
    )
    if not candidates:
        return PullRequest(generated_pr(), f"generated (no corpus at {CORPUS})")
    _, repo, commit, diff = candidates[len(candidates) // 2]
    return PullRequest(diff, f"{repo}@{commit[:10]} from the corpus")


def _corpus() -> Iterator[dict[str, object]]:
    for path in sorted(CORPUS.glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            yield from (json.loads(line) for line in lines)


def generated_pr() -> str:
    """A Go service change in the corpus's shape: handlers and their tests modified, a new
    enricher with its test, a new messaging subject, a contract document."""
    rng = random.Random(SEED)
    parts = [
        _modified(rng, "internal/service/message_handler.go", hunks=3),
        _modified(rng, "internal/service/message_handler_test.go", hunks=2),
        _modified(rng, "internal/domain/model/message.go", hunks=1),
        _added(rng, "internal/enrichers/settings_enricher.go", 260),
        _added(rng, "internal/enrichers/settings_enricher_test.go", 320),
        _modified(rng, "pkg/constants/subjects.go", hunks=1, new_line=_SUBJECT),
        _modified(rng, "docs/message-contract.md", hunks=1),
    ]
    return "".join(parts)


_SUBJECT = '\tSettingsUpdatedSubject = "lfx.settings.updated"'
_GO = [
    "\tif err != nil {", "\t\treturn nil, fmt.Errorf(\"decode message: %w\", err)", "\t}",
    "\tctx, span := tracer.Start(ctx, \"handle\")", "\tdefer span.End()",
    "\tlogger.InfoContext(ctx, \"processed\", \"id\", msg.ID)", "\treturn result, nil",
    "func (h *Handler) Handle(ctx context.Context, msg *Message) error {", "}",
    "\tassert.Equal(t, tc.want, got)", "\tfor _, tc := range tests {",
    "\t\tt.Run(tc.name, func(t *testing.T) {", "\titems = append(items, item)",
]  # fmt: skip


def _go_lines(rng: random.Random, count: int) -> list[str]:
    return [rng.choice(_GO) for _ in range(count)]


def _modified(rng: random.Random, path: str, hunks: int, new_line: str | None = None) -> str:
    out = [f"diff --git a/{path} b/{path}\n--- a/{path}\n+++ b/{path}\n"]
    start = 10
    for _ in range(hunks):
        before, after = _go_lines(rng, 3), _go_lines(rng, 3)
        removed = _go_lines(rng, rng.randint(2, 8))
        added = _go_lines(rng, rng.randint(4, 16)) + ([new_line] if new_line else [])
        old_count, new_count = 6 + len(removed), 6 + len(added)
        out.append(f"@@ -{start},{old_count} +{start},{new_count} @@\n")
        out += [f" {line}\n" for line in before]
        out += [f"-{line}\n" for line in removed] + [f"+{line}\n" for line in added]
        out += [f" {line}\n" for line in after]
        start += old_count + rng.randint(20, 60)
    return "".join(out)


def _added(rng: random.Random, path: str, count: int) -> str:
    lines = ["package enrichers", "", *_go_lines(rng, count - 2)]
    body = "".join(f"+{line}\n" for line in lines)
    return (
        f"diff --git a/{path} b/{path}\nnew file mode 100644\n--- /dev/null\n+++ b/{path}\n"
        f"@@ -0,0 +1,{count} @@\n{body}"
    )


class Timing:
    """Wall-clock and CPU seconds of one run."""

    def __init__(self, wall: float, cpu: float) -> None:
        self.wall, self.cpu = wall, cpu


def run_process(
    command: Sequence[str], env: dict[str, str], stdin: str | None = None
) -> tuple[Timing, str]:
    """One whole process: its wall time, its CPU time, its standard output."""
    given = None if stdin is None else stdin.encode()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, input=given, capture_output=True, env=env, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    if done.returncode not in (0, 1):
        raise RuntimeError(f"{command[:3]} exited {done.returncode}: {done.stderr[-500:]!r}")
    return Timing(wall, cpu), done.stdout.decode()


def run_here(action: Callable[[], object]) -> Timing:
    wall, cpu = time.perf_counter(), time.process_time()
    action()
    return Timing(time.perf_counter() - wall, time.process_time() - cpu)


def median_ms(timings: Sequence[Timing]) -> tuple[float, float]:
    return (
        statistics.median(t.wall for t in timings) * 1000,
        statistics.median(t.cpu for t in timings) * 1000,
    )


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def row(label: str, wall_ms: float, cpu_ms: float) -> str:
    return f"    {label:36s} {wall_ms:7.1f} ({cpu_ms:6.1f})"


def process_env(cache_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["GATEHOUSE_CACHE_DIR"] = str(cache_dir)
    return env


def diff_process_section(workdir: Path, runs: int) -> bool:
    """Section 1; returns whether every run printed the same evaluation."""
    print("== 1. gatehouse check --diff on a realistic pull request, whole process ==")
    change = realistic_pr()
    diff_file = workdir / "pr.diff"
    diff_file.write_text(change.diff, encoding="utf-8")
    print(f"  diff: {change.describe()}")
    base = [str(CONSOLE_SCRIPT), "check", "--diff", str(diff_file), "--rules", str(SHIPPED_RULES)]
    variants = {
        "check, warm cache": (base, "warm"),
        "check --format json, warm cache": ([*base, "--format", "json"], "warm"),
        "check, cold cache": (base, "cold"),
    }
    warm_env = process_env(workdir / "warm-cache")
    bare = [sys.executable, "-c", "pass"]
    run_process(bare, warm_env)
    outputs: dict[str, set[str]] = {}
    for command, _ in variants.values():  # bytecode and the warm cache entry
        run_process(command, warm_env)
    timings: dict[str, list[Timing]] = {"python -c pass": []} | {name: [] for name in variants}
    for index in range(runs):
        timings["python -c pass"].append(run_process(bare, warm_env)[0])
        for name, (command, cache) in variants.items():
            env = warm_env if cache == "warm" else process_env(workdir / f"cold-{index}")
            took, output = run_process(command, env)
            timings[name].append(took)
            outputs.setdefault("json" if "json" in command else "text", set()).add(output)
    bare = timings["python -c pass"]
    print(
        f"  median of {runs} interleaved runs each: wall ms (CPU ms); ratio to python -c pass "
        "(median of each run's ratio to the bare run just before it)"
    )
    ratios: dict[str, float] = {}
    for name, taken in timings.items():
        ratios[name] = statistics.median(t.wall / b.wall for t, b in zip(taken, bare, strict=True))
        print(row(name, *median_ms(taken)) + f"  {ratios[name]:5.1f}x")
    for name in ("check, warm cache", "check --format json, warm cache"):
        ok = ratios[name] <= DIFF_TARGET_RATIO
        print(f"  target: {name} <= {DIFF_TARGET_RATIO:.0f}x: {ratios[name]:.1f}x {verdict(ok)}")
    if any(len(seen) != 1 for seen in outputs.values()):
        print("  RESULTS DIFFER between runs (cold and warm caches must print the same)")
        return False
    return True


def paths_process_section(workdir: Path, runs: int) -> bool:
    """Section 2; returns whether gatehouse and the naive loop found the same pairs."""
    print("\n== 2. gatehouse check --paths: 3,000 paths x 200 rules, whole process ==")
    paths, selectors = engine_paths.generated_change()
    rules_dir = engine_paths.write_rules_dir(workdir / "rules-200", selectors)
    naive = NaivePathMatcher(selectors)
    command = [str(CONSOLE_SCRIPT), "check", "--rules", str(rules_dir), "--paths"]
    warm_env = process_env(workdir / "paths-cache")
    _, output = run_process([*command, *paths, "--format", "json"], warm_env)
    found = {(f["path"], r["id"]) for r in json.loads(output)["rules"] for f in r["files"]}
    expected = {(p, rule) for p, rules in naive.match_many(paths).items() for rule in rules}
    print(
        f"  {len(paths)} paths x {len(selectors)} rules: {len(expected)} (path, rule) pairs, "
        f"{'identical' if found == expected else 'DIFFERENT'} to the naive loop's"
    )
    # The paths as arguments, as the figure was taken, and on stdin, as a user
    # hands over thousands of them (`git diff --name-only | gatehouse check --paths -`):
    # the interpreter decodes every argument at start-up, before gatehouse runs.
    forms = {
        "arguments": (lambda chosen: [*command, *chosen], lambda chosen: None),
        "stdin": (lambda chosen: [*command, "-"], lambda chosen: "\n".join(chosen) + "\n"),
    }
    speedups: dict[str, float] = {}
    for label, cold in (("warm cache", False), ("cold cache", True)):
        one: dict[str, list[Timing]] = {form: [] for form in forms}
        full: dict[str, list[Timing]] = {form: [] for form in forms}
        loop: list[Timing] = []
        for index in range(runs):
            for form, (argv, stdin) in forms.items():
                for size, into in ((1, one), (len(paths), full)):
                    name = f"paths-cold-{index}-{form}-{size}"
                    env = process_env(workdir / name) if cold else warm_env
                    chosen = paths[:size]
                    into[form].append(run_process(argv(chosen), env, stdin(chosen))[0])
            loop.append(run_here(lambda: naive.match_many(paths)))
        loop_wall, loop_cpu = median_ms(loop)
        print(f"  {label}, median of {runs} runs: wall ms (CPU ms)")
        for form in forms:
            extra = [
                Timing(f.wall - o.wall, f.cpu - o.cpu)
                for f, o in zip(full[form], one[form], strict=True)
            ]
            extra_wall, extra_cpu = median_ms(extra)
            # Each run's ratio to the naive loop timed right after it, so that both sides
            # of a ratio share the machine's load of that moment.
            pairs = list(zip(loop, extra, strict=True))
            wall_ratio = statistics.median(n.wall / e.wall for n, e in pairs)
            cpu_ratio = statistics.median(n.cpu / e.cpu for n, e in pairs)
            print(f"    paths as {form}:")
            print(row("  1 path, whole process", *median_ms(one[form])))
            print(row("  3,000 paths, whole process", *median_ms(full[form])))
            print(row("  3,000 paths minus 1 path", extra_wall, extra_cpu))
            print(
                f"      cheaper than the naive loop: {wall_ratio:.1f}x ({cpu_ratio:.1f}x CPU; "
                f"ratio of the medians {loop_wall / extra_wall:.1f}x)"
            )
            if not cold:
                speedups[form] = wall_ratio
        print(row("naive pathspec loop, in process", loop_wall, loop_cpu))
    for form, speedup in speedups.items():
        print(
            f"  target: >= {PATHS_TARGET_SPEEDUP:.0f}x cheaper than the naive loop (warm cache, "
            f"paths as {form}): {speedup:.1f}x {verdict(speedup >= PATHS_TARGET_SPEEDUP)}"
        )
    return found == expected


def large_diff_section(workdir: Path) -> bool:
    """Section 4; returns whether the in-process and subprocess evaluations agree."""
    print(f"\n== 4. gatehouse check --diff on a {LARGE_DIFF_MEGABYTES:.0f} MB diff, in process ==")
    text = diff_parse.make_diff(LARGE_DIFF_MEGABYTES)
    diff_file = workdir / "large.diff"
    diff_file.write_text(text, encoding="utf-8")
    megabytes = len(text.encode()) / 1_000_000
    arguments = ["check", "--diff", str(diff_file), "--format", "json"]
    arguments += ["--rules", str(SHIPPED_RULES)]
    ruleset = load_rules_dir(SHIPPED_RULES)
    regexes = [re.compile(p) for rule in ruleset.rules for p in rule.changed_lines]

    def in_process() -> str:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            gatehouse_main(arguments)
        return out.getvalue()

    outputs = {in_process()}
    baseline_s = min(run_here(lambda: baseline_scan(text, regexes)).wall for _ in range(2))
    check_s = min(run_here(lambda: outputs.add(in_process())).wall for _ in range(5))
    env = process_env(workdir / "large-cache")
    script = [run_process([str(CONSOLE_SCRIPT), *arguments], env) for _ in range(3)]
    outputs.update(output for _, output in script)
    script_s = min(took.wall for took, _ in script)
    ratio = baseline_s / check_s
    print(f"  {megabytes:.2f} MB, {len(regexes)} changed_lines regexes in the shipped rules")
    print(f"    unidiff.PatchSet + regexes        {megabytes / baseline_s:6.1f} MB/s")
    print(f"    gatehouse check, app.cli.main      {megabytes / check_s:6.1f} MB/s  {ratio:5.1f}x")
    print(
        f"    gatehouse check, console script    {megabytes / script_s:6.1f} MB/s  "
        f"{baseline_s / script_s:5.1f}x (interpreter start-up included)"
    )
    print(
        f"  target: in-process check >= {LARGE_DIFF_TARGET_SPEEDUP:.0f}x baseline: {ratio:.1f}x "
        f"{verdict(ratio >= LARGE_DIFF_TARGET_SPEEDUP)}"
    )
    if len({json.dumps(json.loads(o), sort_keys=True) for o in outputs}) != 1:
        print("  RESULTS DIFFER between the console script and app.cli.main runs")
        return False
    return True


def baseline_scan(text: str, regexes: Sequence[re.Pattern[str]]) -> int:
    """``unidiff`` parse, then every regex on every added and removed line."""
    hits = 0
    for patched in PatchSet(text):
        for hunk in patched:
            for line in hunk:
                if (line.is_added or line.is_removed) and any(
                    r.search(line.value) for r in regexes
                ):
                    hits += 1
    return hits


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=21, help="runs per process figure")
    parser.add_argument("--quick", action="store_true", help="skip the 5 MB diff section")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gatehouse-bench-") as temporary:
        workdir = Path(temporary)
        agree = diff_process_section(workdir, options.runs)
        agree = paths_process_section(workdir, options.runs) and agree
        print("\n== 3. path matching and evaluate(), in process ==")
        agree = engine_paths.in_process_section(lambda line: print(f"  {line}")) and agree
        if not options.quick:
            agree = large_diff_section(workdir) and agree
            print("  diff reading alone (diff_parse):")
            try:
                diff_parse.run(print_fn=lambda line: print(f"    {line}"))
            except AssertionError as exc:
                print(f"  RESULTS DIFFER: {exc}")
                agree = False
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
