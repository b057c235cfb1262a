"""How fast ``gatehouse check --diff`` reads a large unified diff.

Run with ``.venv/bin/python bench/diff_parse.py [MEGABYTES]`` (default 5). It builds a
reproducible multi-file ``git diff`` in memory (mostly source files, a few Terraform files
and ``package.json`` manifests; modifications, additions, deletions and renames) and
times, best of several runs, the two ways of finding the changed lines a
``changed_lines`` rule matches:

- (a) ``unidiff.PatchSet`` over the whole text, then one compiled regex over every added
  and removed line of every file (the general-purpose reading);
- (b) :func:`app.policy.diff.split_unified_diff`, then :func:`app.policy.diff.changed_lines`
  only for the files such a rule selects (``*.tf`` and ``package.json``), with the same
  regex (what the engine does).

Both must report the same matching lines. Target: (b) at least 3 times faster than (a).
"""

from __future__ import annotations

import random
import re
import sys
import time
from collections.abc import Callable

from unidiff.patch import PatchSet

from app.policy.diff import changed_lines, split_unified_diff

SEED = 20_260_105
TARGET_SPEEDUP = 3.0

LINE_RULE = re.compile(
    r'resource\s+"aws_(?:security_group(?:_rule)?|iam_\w+)"|^\s*"[@\w./-]+"\s*:\s*"[\^~]?\d'
)
"""A changed-lines rule in the shape the shipped rules use: security-group and IAM
resources in Terraform, a versioned dependency line in a JSON manifest."""

_WORDS = [
    "handler", "client", "model", "service", "config", "routes", "schema", "store",
    "cache", "events", "metrics", "errors", "ledger", "billing", "profile", "ingest",
]  # fmt: skip
_SOURCE_DIRS = ["services/api", "services/worker", "web/src", "lib/core", "cmd/tool"]
_SUFFIXES = [".py", ".go", ".ts", ".tsx", ".java", ".rb"]


def _word(rng: random.Random) -> str:
    return rng.choice(_WORDS)


def _source_line(rng: random.Random) -> str:
    shape = rng.randrange(5)
    if shape == 0:
        return f"    {_word(rng)}_{rng.randrange(99)} = {_word(rng)}.get({rng.randrange(999)})"
    if shape == 1:
        return f"    if {_word(rng)} is not None and {_word(rng)}.ready():"
    if shape == 2:
        return f"        return {_word(rng)}({_word(rng)}, timeout={rng.randrange(60)})"
    if shape == 3:
        return f"    # {_word(rng)} {_word(rng)} {_word(rng)} before the {_word(rng)}"
    return ""


def _terraform_line(rng: random.Random) -> str:
    shape = rng.randrange(6)
    if shape == 0:
        kind = rng.choice(["aws_security_group", "aws_iam_role", "aws_s3_bucket", "aws_instance"])
        return f'resource "{kind}" "{_word(rng)}_{rng.randrange(99)}" {{'
    if shape == 1:
        return f'  cidr_blocks = ["10.{rng.randrange(255)}.0.0/16"]'
    if shape == 2:
        return f"  from_port   = {rng.choice([22, 80, 443, 5432])}"
    if shape == 3:
        return f'  name        = "{_word(rng)}-{rng.randrange(999)}"'
    return "}" if shape == 4 else ""


def _manifest_line(rng: random.Random) -> str:
    if rng.random() < 0.7:
        version = f"{rng.choice('^~')}{rng.randrange(20)}.{rng.randrange(20)}.{rng.randrange(9)}"
        return f'    "{_word(rng)}-{_word(rng)}": "{version}",'
    return f'  "{_word(rng)}": {{'


def _file_diff(rng: random.Random, path: str, make_line: Callable[[random.Random], str]) -> str:
    roll = rng.random()
    blob = f"{rng.getrandbits(28):07x}..{rng.getrandbits(28):07x}"
    if roll < 0.06:
        lines = [make_line(rng) for _ in range(rng.randint(5, 120))]
        body = "".join(f"+{line}\n" for line in lines)
        return (
            f"diff --git a/{path} b/{path}\nnew file mode 100644\nindex 0000000..{blob[9:]}\n"
            f"--- /dev/null\n+++ b/{path}\n@@ -0,0 +1,{len(lines)} @@\n{body}"
        )
    if roll < 0.09:
        lines = [make_line(rng) for _ in range(rng.randint(5, 80))]
        body = "".join(f"-{line}\n" for line in lines)
        return (
            f"diff --git a/{path} b/{path}\ndeleted file mode 100644\nindex {blob[:7]}..0000000\n"
            f"--- a/{path}\n+++ /dev/null\n@@ -1,{len(lines)} +0,0 @@\n{body}"
        )
    old_path = path
    header = f"diff --git a/{path} b/{path}\nindex {blob} 100644\n"
    if roll < 0.12:
        old_path = f"legacy/{path}"
        header = (
            f"diff --git a/{old_path} b/{path}\nsimilarity index {rng.randint(60, 99)}%\n"
            f"rename from {old_path}\nrename to {path}\nindex {blob} 100644\n"
        )
    hunks = []
    old_at = new_at = 1
    for _ in range(rng.randint(1, 8)):
        gap = rng.randint(4, 60)
        old_at += gap
        new_at += gap
        before = [make_line(rng) for _ in range(3)]
        after = [make_line(rng) for _ in range(3)]
        removed = [make_line(rng) for _ in range(rng.randint(0, 6))]
        added = [make_line(rng) for _ in range(rng.randint(0 if removed else 1, 10))]
        old_count = 6 + len(removed)
        new_count = 6 + len(added)
        body = (
            "".join(f" {line}\n" for line in before)
            + "".join(f"-{line}\n" for line in removed)
            + "".join(f"+{line}\n" for line in added)
            + "".join(f" {line}\n" for line in after)
        )
        hunks.append(f"@@ -{old_at},{old_count} +{new_at},{new_count} @@ def {_word(rng)}():\n")
        hunks.append(body)
        old_at += old_count
        new_at += new_count
    return f"{header}--- a/{old_path}\n+++ b/{path}\n{''.join(hunks)}"


def make_diff(megabytes: float) -> str:
    """A reproducible ``git diff`` of about ``megabytes`` MB: ~95 % source files, the
    rest Terraform files and ``package.json`` manifests."""
    rng = random.Random(SEED)
    parts: list[str] = []
    size = 0
    target = int(megabytes * 1_000_000)
    counter = 0
    while size < target:
        counter += 1
        roll = rng.random()
        if roll < 0.03:
            path = f"infra/{_word(rng)}/{_word(rng)}_{counter}.tf"
            part = _file_diff(rng, path, _terraform_line)
        elif roll < 0.05:
            path = f"packages/{_word(rng)}-{counter}/package.json"
            part = _file_diff(rng, path, _manifest_line)
        else:
            folder = rng.choice(_SOURCE_DIRS)
            path = f"{folder}/{_word(rng)}/{_word(rng)}_{counter}{rng.choice(_SUFFIXES)}"
            part = _file_diff(rng, path, _source_line)
        parts.append(part)
        size += len(part)
    return "".join(parts)


def scan_with_unidiff(text: str) -> int:
    """(a): every added or removed line of every file through the regex."""
    hits = 0
    for patched in PatchSet(text):
        for hunk in patched:
            for line in hunk:
                if (line.is_added or line.is_removed) and LINE_RULE.search(line.value):
                    hits += 1
    return hits


def scan_with_gatehouse(text: str) -> int:
    """(b): split, then read lines only of the files the rule's paths select."""
    hits = 0
    for changed in split_unified_diff(text):
        if changed.patch is None:
            continue
        if not (changed.path.endswith(".tf") or changed.path.rpartition("/")[2] == "package.json"):
            continue
        for change in changed_lines(changed.patch):
            if LINE_RULE.search(change.text):
                hits += 1
    return hits


def _best_seconds(function: Callable[[str], int], text: str, runs: int) -> tuple[float, int]:
    best = float("inf")
    result = 0
    for _ in range(runs):
        started = time.perf_counter()
        result = function(text)
        best = min(best, time.perf_counter() - started)
    return best, result


def run(print_fn: Callable[[str], object] = print, megabytes: float = 5.0) -> dict[str, float]:
    """Times (a) and (b) on a ``megabytes`` MB diff; prints and returns the figures
    (``*_mb_s`` throughputs, ``speedup`` of (b) over (a), the diff's size and files)."""
    text = make_diff(megabytes)
    size_mb = len(text.encode()) / 1_000_000
    files = len(split_unified_diff(text))
    unidiff_seconds, unidiff_hits = _best_seconds(scan_with_unidiff, text, runs=2)
    gatehouse_seconds, gatehouse_hits = _best_seconds(scan_with_gatehouse, text, runs=5)
    split_seconds, _ = _best_seconds(lambda t: len(split_unified_diff(t)), text, runs=5)
    if unidiff_hits != gatehouse_hits:
        raise AssertionError(
            f"matching lines differ: unidiff {unidiff_hits}, ours {gatehouse_hits}"
        )
    figures = {
        "megabytes": size_mb,
        "files": float(files),
        "matching_lines": float(gatehouse_hits),
        "unidiff_mb_s": size_mb / unidiff_seconds,
        "gatehouse_mb_s": size_mb / gatehouse_seconds,
        "split_only_mb_s": size_mb / split_seconds,
        "speedup": unidiff_seconds / gatehouse_seconds,
    }
    print_fn(f"diff: {size_mb:.2f} MB, {files} files, {gatehouse_hits} matching changed lines")
    print_fn(f"(a) unidiff.PatchSet + regex on every line: {figures['unidiff_mb_s']:8.1f} MB/s")
    print_fn(f"(b) split_unified_diff + changed_lines:     {figures['gatehouse_mb_s']:8.1f} MB/s")
    print_fn(f"    split_unified_diff alone:               {figures['split_only_mb_s']:8.1f} MB/s")
    verdict = "meets" if figures["speedup"] >= TARGET_SPEEDUP else "MISSES"
    print_fn(
        f"speedup (b)/(a): {figures['speedup']:.1f}x ({verdict} the {TARGET_SPEEDUP:.0f}x target)"
    )
    return figures


if __name__ == "__main__":
    run(megabytes=float(sys.argv[1]) if len(sys.argv) > 1 else 5.0)
