"""How fast gatehouse's engine decides a large change, against the obvious readings.

Run with ``.venv/bin/python bench/engine.py``. Three sections, figures measured in this run:

1. path matching (``engine_paths.run``): 3,000 generated files x 200 generated rules,
   naive pathspec reading vs :class:`app.policy.matcher.PathMatcher`; then 3,000 realistic
   files with small patches against the shipped rules, :func:`app.policy.evaluate.evaluate`
   vs one ``PathSpec`` per rule plus every ``changed_lines`` regex on every changed line of
   every selected file. Both must find the same (file, rule) pairs.
2. ``gatehouse check --diff FILE --format json`` on a 5 MB diff, end to end (the console
   script in a subprocess, and ``app.cli.main`` in this process), vs ``unidiff.PatchSet``
   plus every shipped ``changed_lines`` regex on every added and removed line.
3. the diff-reading sub-step alone (``diff_parse.run``).

A missed target prints FAIL and the run still exits 0; it exits 1 only when two readings
that must agree do not (wrong results are a bug, slow ones a finding).
"""

from __future__ import annotations

import contextlib
import io
import json
import random
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import diff_parse
import engine_paths
from pathspec import PathSpec
from unidiff.patch import PatchSet

from app.cli import main as gatehouse_main
from app.policy.compiled import compile_rules
from app.policy.evaluate import evaluate
from app.policy.loader import load_rules_dir
from app.policy.model import RuleSet
from app.policy.snapshot import ChangedFile, FileStatus, PullSnapshot
from app.settings import SHIPPED_RULES

SEED = 20_260_417
FILES = 3_000
DIFF_MEGABYTES = 5.0
MATCHER_TARGET_MS = 20.0
MATCHER_TARGET_SPEEDUP = 15.0
CHECK_TARGET_SPEEDUP = 3.0

Pairs = set[tuple[str, str]]

# Lines a small patch draws from: half from its file kind's pool (some of which a
# shipped ``changed_lines`` rule matches, some not), half from the generic pool.
_GENERIC = ["    return value", "    # keep the previous behaviour", "}", "import os", ""]
_KIND_LINES: dict[str, list[str]] = {
    "package.json": ['    "left-pad": "^1.3.0",', '  "version": "2.4.1",', '  "private": true,'],
    "requirements": ["httpx>=0.27", "# pinned until the next release", "-r base.txt"],
    "pyproject.toml": ['    "fastapi>=0.110",', "line-length = 100", 'version = "0.3.0"'],
    "go.mod": [
        "require github.com/nats-io/nats.go v1.31.0",
        "go 1.22",
        "\tx.org/y v0.2.0 // indirect",
    ],
    "Cargo.toml": ['serde = "1.0"', 'version = "0.2.0"', "[dependencies.tokio]"],
    "pom.xml": ["    <artifactId>jackson-core</artifactId>", "    <version>2.16.1</version>"],
    "Makefile": ["deploy: build", "\tgo test ./...", "\tdocker push $(IMAGE)", "lint:"],
    "Dockerfile": ["FROM python:3.12-slim", "RUN pip install --no-cache-dir .", "COPY . /srv"],
    ".tf": ['resource "aws_security_group" "web" {', "  tags = local.tags", '  port = "443"'],
    ".yaml": ["kind: Deployment", "replicas: 3", "  name: web", "    image: acme/web:1.4.2"],
}


def _kind(path: str) -> str:
    name = path.rpartition("/")[2]
    if name in _KIND_LINES:
        return name
    if name.startswith("requirements"):
        return "requirements"
    if name.startswith("Dockerfile"):
        return "Dockerfile"
    suffix = "." + name.rpartition(".")[2]
    return ".yaml" if suffix == ".yml" else suffix


def small_patch(rng: random.Random, path: str) -> str:
    """One hunk in GitHub's ``pulls/list-files`` form: 3 context lines, 0-2 removed,
    1-3 added."""
    pool = _KIND_LINES.get(_kind(path), _GENERIC)

    def pick() -> str:
        return rng.choice(pool if rng.random() < 0.5 else _GENERIC)

    removed = [pick() for _ in range(rng.randint(0, 2))]
    added = [pick() for _ in range(rng.randint(1, 3))]
    start = rng.randint(1, 400)
    body = [f" {pick()}", *(f"-{x}" for x in removed), *(f"+{x}" for x in added)]
    body += [f" {pick()}", f" {pick()}"]
    return f"@@ -{start},{3 + len(removed)} +{start},{3 + len(added)} @@\n" + "\n".join(body)


def realistic_change(count: int = FILES) -> tuple[ChangedFile, ...]:
    rng = random.Random(SEED)
    paths = engine_paths.generate_paths(rng, count)
    return tuple(ChangedFile(p, FileStatus.MODIFIED, patch=small_patch(rng, p)) for p in paths)


class NaiveShippedRules:
    """The obvious reading: one ``PathSpec`` per rule list, every path against every rule,
    then every ``changed_lines`` regex over every changed line of each selected file."""

    def __init__(self, ruleset: RuleSet) -> None:
        self._rules = [
            (
                rule.id,
                PathSpec.from_lines("gitignore", rule.paths) if rule.paths else None,
                PathSpec.from_lines("gitignore", rule.exclude_paths),
                [re.compile(p) for p in rule.changed_lines],
            )
            for rule in ruleset.rules
        ]

    def pairs(self, files: Sequence[ChangedFile]) -> Pairs:
        found: Pairs = set()
        for changed in files:
            for rule_id, paths, excludes, regexes in self._rules:
                if paths is not None and not paths.match_file(changed.path):
                    continue
                if excludes.match_file(changed.path):
                    continue
                if regexes and not self._lines_match(changed.patch or "", regexes):
                    continue
                found.add((changed.path, rule_id))
        return found

    @staticmethod
    def _lines_match(patch: str, regexes: list[re.Pattern[str]]) -> bool:
        lines = [line[1:] for line in patch.splitlines() if line[:1] in ("+", "-")]
        return any(regex.search(line) for line in lines for regex in regexes)


def best(runs: int, action: Callable[[], object]) -> float:
    """The fastest of ``runs`` calls, in seconds."""
    fastest = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        action()
        fastest = min(fastest, time.perf_counter() - started)
    return fastest


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def path_section(ruleset: RuleSet) -> bool:
    """Prints section 1; returns whether the engine and the naive reading agree."""
    print("== 1. path matching ==")
    try:
        figures = engine_paths.run(print_fn=lambda line: print(f"  {line}"))
    except RuntimeError as exc:
        print(f"  RESULTS DIFFER: {exc}")
        return False
    fast = figures["matcher_ms"] < MATCHER_TARGET_MS
    ratio = figures["matcher_speedup"] >= MATCHER_TARGET_SPEEDUP
    print(
        f"  target: indexed matcher < {MATCHER_TARGET_MS:.0f} ms for 3,000 files x 200 rules: "
        f"{figures['matcher_ms']:.1f} ms {verdict(fast)}; >= {MATCHER_TARGET_SPEEDUP:.0f}x naive: "
        f"{figures['matcher_speedup']:.1f}x {verdict(ratio)}"
    )

    files = realistic_change()
    snapshot = PullSnapshot(files=files)
    naive = NaiveShippedRules(ruleset)
    expected = naive.pairs(files)
    evaluation = evaluate(ruleset, snapshot, compile_rules(ruleset))
    found = {(f.path, m.rule_id) for m in evaluation.matches for f in m.files}
    compile_s = best(5, lambda: compile_rules(ruleset))
    fresh = [compile_rules(ruleset) for _ in range(7)]  # cold path caches, as for a new PR
    engine_s = best(len(fresh), lambda: evaluate(ruleset, snapshot, fresh.pop()))
    naive_s = best(3, lambda: naive.pairs(files))
    line_rules = sum(1 for rule in ruleset.rules if rule.changed_lines)
    print(
        f"  {len(files)} realistic files x {len(ruleset.rules)} shipped rules "
        f"({line_rules} with changed_lines): {len(found)} (file, rule) pairs, "
        f"{len({p for p, _ in found})} files matched"
    )
    print(f"    naive pathspec + line regexes  {naive_s * 1000:9.1f} ms   1.0x")
    print(
        f"    evaluate() on compiled rules   {engine_s * 1000:9.1f} ms {naive_s / engine_s:5.1f}x"
        f"   (compile_rules once: {compile_s * 1000:.1f} ms)"
    )
    if found != expected:
        extra, missing = sorted(found - expected)[:5], sorted(expected - found)[:5]
        print(f"    RESULTS DIFFER: engine only {extra}; naive only {missing}")
        return False
    print("    matched (file, rule) pairs identical: yes")
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


def check_in_process(arguments: list[str]) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        gatehouse_main(arguments)
    return out.getvalue()


def diff_section(ruleset: RuleSet, workdir: Path) -> bool:
    """Prints section 2; returns whether the subprocess and in-process outputs agree."""
    print(f"\n== 2. gatehouse check --diff on a {DIFF_MEGABYTES:.0f} MB diff ==")
    text = diff_parse.make_diff(DIFF_MEGABYTES)
    diff_file = workdir / "change.diff"
    diff_file.write_text(text, encoding="utf-8")
    megabytes = len(text.encode()) / 1_000_000
    arguments = ["check", "--diff", str(diff_file), "--format", "json"]
    arguments += ["--rules", str(SHIPPED_RULES)]
    console_script = Path(sys.executable).parent / "gatehouse"
    outputs: list[str] = []

    def run_script() -> None:
        done = subprocess.run([str(console_script), *arguments], capture_output=True, check=False)
        if done.returncode not in (0, 1):
            raise RuntimeError(f"gatehouse check exited {done.returncode}: {done.stderr!r}")
        outputs.append(done.stdout.decode())

    regexes = [re.compile(p) for rule in ruleset.rules for p in rule.changed_lines]
    baseline_s = best(2, lambda: baseline_scan(text, regexes))
    script_s = best(3, run_script)
    process_s = best(5, lambda: outputs.append(check_in_process(arguments)))
    base_rate = megabytes / baseline_s
    process_ratio = baseline_s / process_s
    print(f"  diff: {megabytes:.2f} MB, {len(regexes)} changed_lines regexes in the shipped rules")
    print(f"    baseline unidiff.PatchSet + regexes   {base_rate:7.1f} MB/s  ({baseline_s:.2f} s)")
    print(
        f"    gatehouse check, console script       {megabytes / script_s:7.1f} MB/s  "
        f"({script_s:.2f} s, interpreter start-up included) {baseline_s / script_s:5.1f}x"
    )
    print(
        f"    gatehouse check, app.cli.main         {megabytes / process_s:7.1f} MB/s  "
        f"({process_s:.2f} s) {process_ratio:5.1f}x"
    )
    print(
        f"  target: in-process check >= {CHECK_TARGET_SPEEDUP:.0f}x baseline: "
        f"{process_ratio:.1f}x {verdict(process_ratio >= CHECK_TARGET_SPEEDUP)}"
    )
    answers = {json.dumps(json.loads(output), sort_keys=True) for output in outputs}
    if len(answers) != 1:
        print("  RESULTS DIFFER between the console script and app.cli.main runs")
        return False
    evaluation = json.loads(outputs[0])
    print(f"  every run printed the same evaluation ({evaluation.get('conclusion')})")
    return True


def main() -> int:
    ruleset = load_rules_dir(SHIPPED_RULES)
    agree = path_section(ruleset)
    with tempfile.TemporaryDirectory(prefix="gatehouse-bench-") as workdir:
        agree = diff_section(ruleset, Path(workdir)) and agree
    print("\n== 3. diff reading alone (diff_parse) ==")
    try:
        diff_parse.run(print_fn=lambda line: print(f"  {line}"), megabytes=DIFF_MEGABYTES)
    except AssertionError as exc:
        print(f"  RESULTS DIFFER: {exc}")
        agree = False
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
