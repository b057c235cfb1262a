"""The check step of the gatehouse GitHub Action (``action.yml``).

Run by the Python gatehouse was installed in, in the repository's checkout, with the
action's inputs in ``INPUT_RULES``, ``INPUT_BASE``, ``INPUT_HEAD`` and
``INPUT_FAIL_ON_REQUIRED`` and the runner's own variables (``GITHUB_EVENT_NAME``,
``GITHUB_EVENT_PATH``, ``GITHUB_OUTPUT``, ``GITHUB_STEP_SUMMARY``, ``RUNNER_TEMP``).

Guarantees:

- inputs reach git and gatehouse as single arguments, never through a shell;
- the change is what the head brings that the base does not have (git's three-dot
  comparison). A missing base or head commit is fetched from ``origin``; a shallow
  checkout is deepened only when the two commits' history is needed;
- by default the rules are ``.github/gatehouse`` as it is in the base commit, so a pull
  request cannot relax its own check; else the rules shipped with gatehouse;
- exit 0 when nothing is required, or reviews are required and ``fail-on-required`` is
  false; 1 when they are and it is true; 2 when the change or the rules cannot be read.
  Outputs and the job summary are written in every case;
- text from the change is never printed where the runner would read it as a workflow
  command.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import step_summary  # beside this file

EXIT_CLEAR, EXIT_REQUIRED, EXIT_BAD_INPUT = 0, 1, 2
RULES_IN_REPOSITORY = ".github/gatehouse"
NO_COMMIT = "0" * 40


class ActionError(Exception):
    """The change or the inputs cannot be read; the message says what to do."""


@dataclass(frozen=True)
class Inputs:
    rules: str
    base: str
    head: str
    fail_on_required: bool


def read_inputs(env: dict[str, str]) -> Inputs:
    flag = env.get("INPUT_FAIL_ON_REQUIRED", "false").strip().lower()
    if flag not in {"true", "false"}:
        raise ActionError(f"fail-on-required must be true or false, not {flag!r}")
    return Inputs(
        rules=env.get("INPUT_RULES", "").strip(),
        base=env.get("INPUT_BASE", "").strip(),
        head=env.get("INPUT_HEAD", "").strip() or "HEAD",
        fail_on_required=flag == "true",
    )


def base_from_event(env: dict[str, str]) -> str:
    """The commit the event's change is compared with: a pull request's base, a merge
    group's base, the commit before a push (a new branch: the default branch)."""
    name = env.get("GITHUB_EVENT_NAME", "")
    path = env.get("GITHUB_EVENT_PATH", "")
    event: dict[str, Any] = {}
    if path:
        try:
            event = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ActionError(f"cannot read the event payload {path}: {exc}") from None
    if name in {"pull_request", "pull_request_target"} and event.get("pull_request"):
        return str(event["pull_request"]["base"]["sha"])
    if name == "merge_group" and event.get("merge_group"):
        return str(event["merge_group"]["base_sha"])
    if name == "push" and event.get("before"):
        if event["before"] != NO_COMMIT:
            return str(event["before"])
        default = (event.get("repository") or {}).get("default_branch")
        if default:
            return str(default)
    raise ActionError(
        f"the {name or 'unknown'} event names no base commit: set the action's `base` input"
    )


def git(*args: str, check: bool = True) -> str:
    done = subprocess.run(["git", *args], capture_output=True, text=True, check=False)
    if check and done.returncode != 0:
        raise ActionError(f"git {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout.strip() if done.returncode == 0 else ""


def is_shallow() -> bool:
    return git("rev-parse", "--is-shallow-repository", check=False) == "true"


def commit_of(rev: str) -> str:
    """``rev``'s commit, fetched from ``origin`` when the checkout does not have it."""
    found = git(
        "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}", check=False
    )
    if found:
        return found
    depth = ["--depth=1"] if is_shallow() else []
    log(f"gatehouse: fetching {rev!r} from origin")
    done = subprocess.run(
        ["git", "fetch", "--no-tags", "--quiet", *depth, "origin", "--", rev],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise ActionError(
            f"commit {rev} is not in the checkout and fetching it failed "
            f"({done.stderr.strip()}); check out with `fetch-depth: 0`"
        )
    return git("rev-parse", "--verify", "FETCH_HEAD^{commit}")


def comparison_base(base: str, head: str) -> str:
    """Where the head's change starts: the base itself when it is the head's parent (a
    pull request's merge commit, a one-commit push), else the two commits' merge base."""
    header = git("cat-file", "commit", head)
    parents = {line.split()[1] for line in header.splitlines() if line.startswith("parent ")}
    if base in parents or base == head:
        return base
    found = git("merge-base", base, head, check=False)
    if not found and is_shallow():
        log("gatehouse: the checkout is shallow; fetching the history of base and head")
        done = subprocess.run(
            ["git", "fetch", "--no-tags", "--quiet", "--unshallow", "origin", base, head],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise ActionError(
                f"fetching the history of base and head failed ({done.stderr.strip()}); "
                "check out with `fetch-depth: 0`"
            )
        found = git("merge-base", base, head, check=False)
    if not found:
        raise ActionError(f"base {base[:12]} and head {head[:12]} share no history")
    return found


@dataclass(frozen=True)
class Rules:
    directory: Path
    described: str
    copied_from: str | None = None
    """The repository path the directory was copied from (its files' names in errors)."""


def rules_dir(inputs: Inputs, base: str, scratch: Path) -> Rules:
    """The rules input, else ``.github/gatehouse`` copied out of the base commit, else
    the rules shipped with the installed gatehouse."""
    if inputs.rules:
        directory = Path(inputs.rules)
        if not directory.is_dir():
            raise ActionError(f"the rules directory {inputs.rules!r} does not exist")
        return Rules(directory, f"the rules in {step_summary.code(inputs.rules)}")
    listing = git("ls-tree", "-r", "-z", "--full-tree", base, "--", RULES_IN_REPOSITORY)
    blobs = [entry.split("\t", 1) for entry in listing.split("\0") if entry]
    if not blobs:
        from app.cli_check import shipped_rules_dir  # the installed gatehouse's own rules

        return Rules(shipped_rules_dir(), "the rules shipped with gatehouse")
    target = scratch / "rules"
    target.mkdir()
    for meta, path in blobs:
        mode, kind, sha = meta.split()
        if kind != "blob" or mode == "120000":  # a symbolic link is not followed
            continue
        blob = subprocess.run(["git", "cat-file", "blob", sha], capture_output=True, check=True)
        destination = target / Path(path).relative_to(RULES_IN_REPOSITORY)
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(blob.stdout)
    described = f"the rules in {step_summary.code(RULES_IN_REPOSITORY)} at the base commit"
    return Rules(target, described, copied_from=RULES_IN_REPOSITORY)


def gatehouse_command() -> str:
    """The ``gatehouse`` script installed beside this interpreter."""
    folder = Path(sys.executable).parent
    for name in ("gatehouse", "gatehouse.exe"):
        if (folder / name).is_file():
            return str(folder / name)
    raise ActionError(f"gatehouse is not installed in {folder}")


def log(text: str) -> None:
    print(text, flush=True)


def log_verbatim(text: str) -> None:
    """Print ``text`` with the runner's workflow commands off, so no line of it is one."""
    token = secrets.token_hex(16)
    print(f"::stop-commands::{token}\n{text.rstrip()}\n::{token}::", flush=True)


def command_text(text: str) -> str:
    """``text`` as the message of a workflow command (one line, as the runner decodes)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def write_outputs(env: dict[str, str], values: dict[str, str]) -> None:
    path = env.get("GITHUB_OUTPUT")
    if not path:
        return
    with open(path, "a", encoding="utf-8") as out:
        for name, value in values.items():
            delimiter = f"gatehouse_{secrets.token_hex(8)}"
            out.write(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")


def write_summary(env: dict[str, str], markdown: str) -> None:
    path = env.get("GITHUB_STEP_SUMMARY")
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(markdown)


def evaluate(
    inputs: Inputs, env: dict[str, str], scratch: Path
) -> tuple[int, dict[str, Any], list[str]]:
    """Run ``gatehouse check`` on the change; its exit code, its JSON and the summary's
    footer. Raises :class:`ActionError` when it could not decide."""
    head = commit_of(inputs.head)
    base = commit_of(inputs.base or base_from_event(env))
    start = comparison_base(base, head)
    rules = rules_dir(inputs, base, scratch)
    revisions = f"{start}..{head}"
    log(f"gatehouse check --git {revisions} --rules {str(rules.directory)!r} --format json")
    done = subprocess.run(
        [
            gatehouse_command(),
            "check",
            "--git",
            revisions,
            "--rules",
            str(rules.directory),
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode not in (EXIT_CLEAR, EXIT_REQUIRED):
        message = done.stderr.strip() or f"gatehouse check exited with {done.returncode}"
        if rules.copied_from:
            message = message.replace(str(rules.directory), rules.copied_from)
            message += f"\n({rules.copied_from} as it is in the base commit {base[:12]})"
        raise ActionError(message)
    try:
        data: dict[str, Any] = json.loads(done.stdout)
    except ValueError:
        raise ActionError(done.stderr.strip() or "gatehouse check printed no result") from None
    footer = [
        f"Compared {step_summary.code(start[:12] + '..' + head[:12])}",
        f"({int(data.get('files_considered') or 0)} changed files) with {rules.described}.",
    ]
    return done.returncode, data, footer


def main() -> int:
    env = dict(os.environ)
    scratch = Path(tempfile.mkdtemp(prefix="gatehouse-", dir=env.get("RUNNER_TEMP") or None))
    try:
        inputs = read_inputs(env)
        code, data, footer = evaluate(inputs, env, scratch)
    except ActionError as exc:
        message = str(exc)
        log_verbatim(message)
        print(f"::error title=gatehouse check failed::{command_text(message)}", flush=True)
        write_summary(env, step_summary.render_error(message))
        write_outputs(env, {"conclusion": "error", "required-groups": "", "result-file": ""})
        return EXIT_BAD_INPUT
    result = scratch / "result.json"
    result.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    groups = [group["group"] for group in data.get("groups") or []]
    if code == EXIT_REQUIRED and inputs.fail_on_required:
        footer.append("A required review fails this step (`fail-on-required: true`).")
    elif code == EXIT_REQUIRED:
        footer.append("A required review is reported, not failed (`fail-on-required: false`).")
    markdown = step_summary.render(data, footer)
    log_verbatim(markdown)
    write_summary(env, markdown)
    write_outputs(
        env,
        {
            "conclusion": "action_required" if code == EXIT_REQUIRED else "success",
            "required-groups": ",".join(groups),
            "result-file": str(result),
        },
    )
    if code == EXIT_REQUIRED:
        names = ", ".join(group["name"] for group in data["groups"])
        level = "error" if inputs.fail_on_required else "notice"
        text = f"{names}: review required (see the job summary)"
        print(f"::{level} title=gatehouse::{command_text(text)}", flush=True)
        return EXIT_REQUIRED if inputs.fail_on_required else EXIT_CLEAR
    return EXIT_CLEAR


if __name__ == "__main__":
    sys.exit(main())
