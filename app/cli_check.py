"""``gatehouse check`` and ``gatehouse rules``: the engine offline, without GitHub.

Exit codes (SPEC section 2): 0 nothing required, 1 reviews required, 2 bad input or rules.

A check costs little as a process: its compiled rules come from a cache keyed by their
content (:mod:`app.policy.rules_cache`), so a check on unchanged rules neither composes
YAML nor validates it, and it imports only what it runs (the settings only to read a
``.env`` file). The cache lives in ``GATEHOUSE_CACHE_DIR``, else
``$XDG_CACHE_HOME/gatehouse``, else ``~/.cache/gatehouse``; removing it is always safe.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, cast

from app.policy.diff import DiffError, split_unified_diff
from app.policy.evaluate import evaluate
from app.policy.issues import RulesError
from app.policy.rules_cache import load_check_rules
from app.policy.snapshot import ChangedFile, FileStatus, PullSnapshot

if TYPE_CHECKING:
    from app.policy.model import RuleSet

EXIT_CLEAR, EXIT_REQUIRED, EXIT_BAD_INPUT = 0, 1, 2

# ServiceSettings.rules_dir's environment names, which pydantic-settings matches
# without regard to case.
_RULES_DIR_VARIABLES = ("gatehouse_rules_dir", "rules_dir")


class InputError(Exception):
    """Input that cannot be evaluated; the message says what to fix."""


def rules_dir_from(args: argparse.Namespace) -> Path:
    """``--rules``, else ``GATEHOUSE_RULES_DIR`` as the service reads it.

    Without a ``.env`` file the environment alone decides, and is read here without
    building the service's settings (pydantic-settings costs more than the whole check);
    with one, the settings object reads both.
    """
    if getattr(args, "rules", None):
        return Path(args.rules)
    named = [value for name, value in os.environ.items() if name.lower() in _RULES_DIR_VARIABLES]
    if len(named) > 1 or Path(".env").is_file():
        from app.settings import load_settings

        return load_settings().resolved_rules_dir()
    directory = Path(named[0]) if named else Path("./rules")
    if directory == Path("./rules") and not directory.exists():
        return shipped_rules_dir()
    return directory


def shipped_rules_dir() -> Path:
    """``app.settings.SHIPPED_RULES``, found without importing the settings."""
    package = Path(__file__).resolve().parent
    packaged = package / "shipped_rules"
    return packaged if packaged.is_dir() else package.parent / "rules"


def cache_dir_from_environment() -> Path | None:
    """Where compiled rules are kept between runs; ``None`` when there is no home."""
    explicit = os.environ.get("GATEHOUSE_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and os.path.isabs(xdg):
        return Path(xdg) / "gatehouse"
    try:
        return Path.home() / ".cache" / "gatehouse"
    except RuntimeError:
        return None


def add_check_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    check = sub.add_parser(
        "check",
        help="evaluate a change offline: which reviews it needs and why",
        description="Evaluate a change against the rules, without GitHub. Exit code 0 when "
        "nothing is required, 1 when reviews are required, 2 on bad input or bad rules.",
    )
    source = check.add_mutually_exclusive_group(required=True)
    source.add_argument("--diff", metavar="FILE", help="a unified diff file, or - for stdin")
    source.add_argument(
        "--paths",
        nargs="+",
        metavar="PATH",
        help="changed paths, or - to read them from stdin, one per line",
    )
    source.add_argument("--git", metavar="BASE..HEAD", help="a git range in this repository")
    check.add_argument("--rules", metavar="DIR", help="rules directory (GATEHOUSE_RULES_DIR)")
    check.add_argument("--format", choices=("text", "json"), default="text")
    check.set_defaults(handler=run_check)

    rules = sub.add_parser("rules", help="validate the rules directory or print its schema")
    rules_sub = rules.add_subparsers(dest="rules_command", required=True)
    validate = rules_sub.add_parser("validate", help="validate a rules directory")
    validate.add_argument("dir", nargs="?", help="rules directory (GATEHOUSE_RULES_DIR)")
    validate.set_defaults(handler=run_validate)
    schema = rules_sub.add_parser("schema", help="print the JSON Schema of a rules file")
    schema.set_defaults(handler=run_schema)


def _files_from(args: argparse.Namespace) -> tuple[ChangedFile, ...]:
    if args.paths:
        # Thousands of paths come on stdin (`git diff --name-only | gatehouse check
        # --paths -`): no argument-list limit, and no interpreter start-up decoding each.
        paths = sys.stdin.read().splitlines() if args.paths == ["-"] else args.paths
        # Without a diff the changed lines are unknown: rules that look at lines count
        # the file (never fail open) and the output says so.
        return tuple(
            ChangedFile(path=p.strip().removeprefix("./"), patch_unavailable=True)
            for p in paths
            if p.strip()
        )
    if args.git:
        if ".." not in args.git:
            raise InputError(f"--git takes a range BASE..HEAD, got {args.git!r}")
        import subprocess

        command = ["git", "diff", "-M", "--no-color", "--no-ext-diff", "--full-index", args.git]
        try:
            done = subprocess.run(command, capture_output=True, text=True, check=False)
        except FileNotFoundError:
            raise InputError("git is not installed") from None
        if done.returncode != 0:
            raise InputError(f"git diff {args.git} failed: {done.stderr.strip()}")
        try:
            files = split_unified_diff(done.stdout)
        except DiffError as exc:
            raise InputError(f"{args.git}: {exc}") from None
        return with_whole_texts(files, *args.git.split("..", 1))
    elif args.diff == "-":
        text = sys.stdin.read()
    else:
        try:
            text = Path(args.diff).read_text(encoding="utf-8", errors="surrogateescape")
        except OSError as exc:
            raise InputError(f"cannot read {args.diff}: {exc.strerror}") from None
    try:
        return split_unified_diff(text)
    except DiffError as exc:
        raise InputError(f"{args.diff or args.git}: {exc}") from None


def with_whole_texts(
    files: tuple[ChangedFile, ...], base: str, head: str
) -> tuple[ChangedFile, ...]:
    """Both sides of the files whose detectors compare whole documents, read from git in
    one ``git cat-file --batch`` process; a file git cannot show keeps its hunks only."""
    import subprocess
    from dataclasses import replace

    from app.policy.detectors import DETECTORS

    wanted = [
        f
        for f in files
        if not f.binary and any(DETECTORS[n].handles(f.path) for n in ("dependency", "api", "helm"))
    ]
    if not wanted:
        return files
    specs = []
    for f in wanted:
        specs.append(f"{base or 'HEAD'}:{f.previous_path or f.path}")
        specs.append(f"{head or 'HEAD'}:{f.path}")
    done = subprocess.run(
        ["git", "cat-file", "--batch"],
        input="\n".join(specs).encode() + b"\n",
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        return files
    texts = _batch_texts(done.stdout, len(specs))
    whole: dict[str, ChangedFile] = {}
    for index, f in enumerate(wanted):
        before, after = texts[2 * index], texts[2 * index + 1]
        if f.status is FileStatus.ADDED:
            before = ""
        if f.status is FileStatus.REMOVED:
            after = ""
        if before is not None and after is not None:
            whole[f.path] = replace(f, before=before, after=after)
    return tuple(whole.get(f.path, f) for f in files)


def _batch_texts(output: bytes, count: int) -> list[str | None]:
    """The objects ``git cat-file --batch`` printed, ``None`` for a missing one."""
    texts: list[str | None] = []
    pos = 0
    for _ in range(count):
        eol = output.find(b"\n", pos)
        header = output[pos:eol].split()
        pos = eol + 1
        if len(header) != 3 or header[1] != b"blob":
            texts.append(None)
            continue
        size = int(header[2])
        texts.append(output[pos : pos + size].decode("utf-8", errors="replace"))
        pos += size + 1
    return texts


def run_check(args: argparse.Namespace) -> int:
    try:
        loaded = load_check_rules(rules_dir_from(args), cache_dir_from_environment())
        files = _files_from(args)
    except RulesError as exc:
        print(f"gatehouse: the rules are invalid:\n{exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except InputError as exc:
        print(f"gatehouse: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    compiled = loaded.compiled
    evaluation = evaluate(compiled.ruleset, PullSnapshot(files=files), compiled)
    if args.format == "json":
        from app.render.data import evaluation_to_dict

        sys.stdout.write(json.dumps(evaluation_to_dict(evaluation), indent=2) + "\n")
    else:
        from app.render.cli_text import render_text

        # render_text reads the groups and the settings it shows, which the frozen rule
        # set carries with the same names and types as the pydantic one.
        sys.stdout.write(render_text(evaluation, cast("RuleSet", compiled.ruleset)))
    return EXIT_REQUIRED if evaluation.required else EXIT_CLEAR


def run_validate(args: argparse.Namespace) -> int:
    from app.policy.loader import load_rules_dir
    from app.settings import load_settings

    directory = Path(args.dir) if args.dir else load_settings().resolved_rules_dir()
    try:
        ruleset = load_rules_dir(directory)
    except RulesError as exc:
        for issue in exc.issues:
            print(str(issue), file=sys.stderr)
        count = len(exc.issues)
        print(f"{count} error{'s' if count != 1 else ''} in {directory}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(
        f"{directory}: OK ({len(ruleset.rules)} rules, {len(ruleset.groups)} groups: "
        f"{', '.join(ruleset.groups)})"
    )
    return EXIT_CLEAR


def run_schema(args: argparse.Namespace) -> int:
    from app.policy.loader import rules_json_schema

    json.dump(rules_json_schema(), sys.stdout, indent=2)
    sys.stdout.write("\n")
    return EXIT_CLEAR


__all__ = ["FileStatus", "add_check_parser"]
