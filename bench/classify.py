"""How well gatehouse judges real changes: precision and recall per reviewing group.

Replays every change of ``../shared/corpus/lfx-v2/`` (real merged changes of the LFX v2
services) through the same path as ``gatehouse check --diff -`` with the shipped rules, and
compares the required groups with the hand labels in ``bench/labels/*.csv`` (written from
the handbook before gatehouse's answers were looked at; see ``bench/labels/README.md``).

    .venv/bin/python bench/classify.py                # figures, disagreements, flag rates
    .venv/bin/python bench/classify.py --quiet        # figures only
    .venv/bin/python bench/classify.py --cli 20       # also check 20 changes via the real CLI

A change whose diff the corpus cut (``diff_truncated``) is judged on the diff as stored,
exactly as ``gatehouse check --diff -`` would judge it. Skips with a message, exit 0, when
the corpus is absent.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.policy.compiled import compile_rules  # noqa: E402
from app.policy.diff import split_unified_diff  # noqa: E402
from app.policy.evaluate import evaluate  # noqa: E402
from app.policy.loader import load_rules_dir  # noqa: E402
from app.policy.snapshot import ChangedFile, PullSnapshot  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "lfx-v2"
LABELS = ROOT / "bench" / "labels"
GROUPS = {"pe": "platform-engineering", "arch": "architecture"}


@dataclass
class Change:
    repo: str
    commit: str
    message: str
    files: list[str]
    diff: str
    truncated: bool


@dataclass
class Verdict:
    change: Change
    required: set[str]
    suggested: set[str]
    rules: dict[str, list[str]] = field(default_factory=dict)


def read_corpus(directory: Path) -> Iterator[Change]:
    for path in sorted(directory.glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            for line in handle:
                row = json.loads(line)
                yield Change(
                    repo=row["repo"].rpartition("/")[2],
                    commit=row["commit"][:12],
                    message=row["message"].split("\n", 1)[0],
                    files=row["files"],
                    diff=row["diff"],
                    truncated=bool(row.get("diff_truncated")),
                )


def read_labels(directory: Path) -> dict[tuple[str, str], dict[str, str]]:
    labels: dict[tuple[str, str], dict[str, str]] = {}
    for path in sorted(directory.glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                labels[(path.stem, row["commit"])] = row
    return labels


def snapshot_files(change: Change) -> tuple[ChangedFile, ...]:
    return split_unified_diff(change.diff) if change.diff.strip() else ()


def judge(changes: list[Change], rules_dir: Path) -> list[Verdict]:
    ruleset = load_rules_dir(rules_dir)
    compiled = compile_rules(ruleset)
    verdicts = []
    for change in changes:
        evaluation = evaluate(ruleset, PullSnapshot(files=snapshot_files(change)), compiled)
        rules: dict[str, list[str]] = {}
        for match in (*evaluation.matches, *evaluation.advisories):
            rules.setdefault(match.group, []).append(
                match.rule_id + (" (advisory)" if match.advisory else "")
            )
        verdicts.append(
            Verdict(
                change,
                {r.group for r in evaluation.requirements},
                {s.group for s in evaluation.suggestions},
                rules,
            )
        )
    return verdicts


def score(pairs: list[tuple[bool, bool]]) -> tuple[float, float, int, int, int]:
    tp = sum(1 for want, got in pairs if want and got)
    fp = sum(1 for want, got in pairs if not want and got)
    fn = sum(1 for want, got in pairs if want and not got)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall, tp, fp, fn


def cli_agrees(verdicts: list[Verdict], count: int, rules_dir: Path) -> int:
    """Re-judge ``count`` changes through the installed ``gatehouse check`` process."""
    exe = ROOT / ".venv" / "bin" / "gatehouse"
    disagreements = 0
    for verdict in verdicts[:count]:
        done = subprocess.run(
            [str(exe), "check", "--diff", "-", "--format", "json", "--rules", str(rules_dir)],
            input=verdict.change.diff,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode == 2:
            print(f"  CLI refused {verdict.change.commit}: {done.stderr.strip()}")
            disagreements += 1
            continue
        groups = set(json.loads(done.stdout)["groups"])
        if groups != verdict.required:
            disagreements += 1
            print(f"  CLI differs on {verdict.change.commit}: {sorted(groups)}")
    return disagreements


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--rules", type=Path, default=ROOT / "rules")
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument("--quiet", action="store_true", help="figures only")
    parser.add_argument(
        "--cli",
        type=int,
        default=0,
        metavar="N",
        help="also run N changes through the gatehouse CLI process",
    )
    args = parser.parse_args()
    if not args.corpus.is_dir():
        print(f"classify: no corpus at {args.corpus}; nothing to measure (skipped)")
        return 0
    changes = list(read_corpus(args.corpus))
    labels = read_labels(args.labels)
    started = time.perf_counter()
    verdicts = judge(changes, args.rules)
    elapsed = time.perf_counter() - started
    print(f"{len(changes)} changes judged in {elapsed:.2f} s; {len(labels)} labelled\n")

    labelled = [v for v in verdicts if (v.change.repo, v.change.commit) in labels]
    print("| group | precision | recall | TP | FP | FN | labelled yes |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for column, group in GROUPS.items():
        pairs = [
            (labels[(v.change.repo, v.change.commit)][column] == "yes", group in v.required)
            for v in labelled
        ]
        precision, recall, tp, fp, fn = score(pairs)
        yes = sum(1 for want, _ in pairs if want)
        print(f"| {group} | {precision:.2f} | {recall:.2f} | {tp} | {fp} | {fn} | {yes} |")

    print("\nFlag rate per repository (required; suggested in brackets):")
    print("| repository | changes | platform-engineering | architecture |")
    print("| --- | --- | --- | --- |")
    for repo in sorted({v.change.repo for v in verdicts}):
        mine = [v for v in verdicts if v.change.repo == repo]
        cells = []
        for group in GROUPS.values():
            required = sum(1 for v in mine if group in v.required) / len(mine)
            suggested = sum(1 for v in mine if group in v.suggested) / len(mine)
            cells.append(f"{required:.0%} ({suggested:.0%})")
        print(f"| {repo} | {len(mine)} | {cells[0]} | {cells[1]} |")

    if not args.quiet:
        print("\nDisagreements (label vs gatehouse):")
        for verdict in labelled:
            row = labels[(verdict.change.repo, verdict.change.commit)]
            for column, group in GROUPS.items():
                want, got = row[column] == "yes", group in verdict.required
                if want != got:
                    kind = "missed" if want else "false alarm"
                    rules = ", ".join(verdict.rules.get(group, [])) or "-"
                    print(
                        f"- {verdict.change.repo} {verdict.change.commit} {column} {kind}: "
                        f"label: {row['reason']} | rules: {rules}"
                    )
    if args.cli:
        print(f"\nCLI cross-check on {args.cli} changes:")
        print(f"  {cli_agrees(verdicts, args.cli, args.rules)} disagreement(s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
