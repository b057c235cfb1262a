"""The action's steps, run as the runner runs them, on pull requests in temporary git
repositories: the summary, the outputs and the exit code of each kind of result.

The setup-python and install steps are stood in for by this interpreter, which has
gatehouse installed (the install step has its own tests below, with a stand-in Python).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from app.cli_check import shipped_rules_dir
from tests.ci_use.composite import ROOT, ActionRun, run_action
from tests.ci_use.gitrepo import (
    SECURITY_GROUP,
    WORKFLOW,
    commit,
    git,
    init,
    pull_request,
    pull_request_event,
)

THIS_PYTHON = {"python": {"python-path": sys.executable}, "install": {"python": sys.executable}}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = init(tmp_path / "origin")
    commit(repo, {"README.md": "# service\n", "docs/guide.md": "Hello\n"}, "initial")
    return repo


def act(
    workspace: Path,
    event: dict[str, Any],
    event_name: str = "pull_request",
    **inputs: str,
) -> ActionRun:
    runner = workspace.parent / f"runner-{workspace.name}"
    shutil.rmtree(runner, ignore_errors=True)
    return run_action(
        workspace,
        runner,
        event_name=event_name,
        event=event,
        inputs={name.replace("_", "-"): value for name, value in inputs.items()},
        given=THIS_PYTHON,
        env={"GATEHOUSE_CACHE_DIR": str(workspace.parent / "cache")},
    )


def test_required_review_is_summarised_with_rules_files_and_lines_and_passes(
    repo: Path,
) -> None:
    base, head, _ = pull_request(
        repo, {".github/workflows/deploy.yml": WORKFLOW, "infra/sg.tf": SECURITY_GROUP}
    )
    run = act(repo, pull_request_event(base, head))
    assert run.exit_code == 0, run.log
    assert run.outputs["conclusion"] == "action_required"
    assert run.outputs["required-groups"] == "platform-engineering"
    assert "### gatehouse: Platform Engineering review required" in run.summary
    assert "(`ci-github-actions`)" in run.summary
    assert "`.github/workflows/deploy.yml` (new)" in run.summary
    assert "`infra/sg.tf` (new)" in run.summary
    assert 'line 1: `+ resource "aws_security_group" "web" {`' in run.summary
    assert "is reported, not failed (`fail-on-required: false`)" in run.summary
    assert "::notice title=gatehouse::Platform Engineering: review required" in run.log


def test_required_review_fails_the_step_when_fail_on_required(repo: Path) -> None:
    base, head, _ = pull_request(repo, {".github/workflows/deploy.yml": WORKFLOW})
    run = act(repo, pull_request_event(base, head), fail_on_required="true")
    assert (run.exit_code, run.failed_step) == (1, "check")
    assert run.outputs["conclusion"] == "action_required"
    assert run.outputs["required-groups"] == "platform-engineering"
    assert "Platform Engineering review required" in run.summary
    assert "::error title=gatehouse::Platform Engineering: review required" in run.log


def test_change_nothing_governs_passes_with_conclusion_success(repo: Path) -> None:
    base, head, _ = pull_request(repo, {"docs/guide.md": "Hello again\n"})
    run = act(repo, pull_request_event(base, head), fail_on_required="true")
    assert run.exit_code == 0, run.log
    assert run.outputs == {
        "conclusion": "success",
        "required-groups": "",
        "result-file": run.outputs["result-file"],
    }
    assert "### gatehouse: no review required" in run.summary
    assert "No rule matched the 1 changed file." in run.summary
    assert Path(run.outputs["result-file"]).is_file()


def test_bad_rules_always_fail_with_the_error_and_its_line(repo: Path) -> None:
    rules = repo / "org-rules"
    shutil.copytree(shipped_rules_dir(), rules)
    settings = rules / "settings.yml"
    settings.write_text(settings.read_text().replace("check_name:", "check_nmae:"))
    base, head, _ = pull_request(repo, {".github/workflows/deploy.yml": WORKFLOW})
    run = act(repo, pull_request_event(base, head), rules="org-rules")
    assert (run.exit_code, run.failed_step) == (2, "check")
    assert run.outputs["conclusion"] == "error"
    assert run.outputs["required-groups"] == ""
    assert "### gatehouse could not evaluate the change" in run.summary
    assert "settings.yml:8: unknown key 'check_nmae'" in run.summary
    assert "::error title=gatehouse check failed::gatehouse: the rules are invalid:%0A" in run.log


def test_rules_come_from_the_base_commit_so_a_pull_request_cannot_relax_them(
    repo: Path,
) -> None:
    custom = {f".github/gatehouse/{p.name}": p.read_text() for p in shipped_rules_dir().iterdir()}
    custom[".github/gatehouse/docs.yml"] = (
        "rules:\n  - id: docs-governed\n    title: Docs are governed here\n"
        "    group: platform-engineering\n    paths: ['docs/**']\n"
    )
    commit(repo, dict(custom), "organisation rules")
    base, head, _ = pull_request(
        repo, {"docs/guide.md": "Changed\n", ".github/gatehouse/docs.yml": None}
    )
    run = act(repo, pull_request_event(base, head))
    assert run.outputs["conclusion"] == "action_required", run.log
    assert "(`docs-governed`)" in run.summary
    assert "the rules in `.github/gatehouse` at the base commit" in run.summary


def test_broken_rules_in_the_base_commit_are_named_by_their_repository_path(
    repo: Path,
) -> None:
    commit(repo, {".github/gatehouse/rules.yml": "rules:\n  - id: x\n    titel: y\n"})
    base, head, _ = pull_request(repo, {"docs/guide.md": "Changed\n"})
    run = act(repo, pull_request_event(base, head))
    assert run.exit_code == 2, run.log
    assert ".github/gatehouse/rules.yml:3:" in run.summary
    assert "as it is in the base commit" in run.summary


def test_shallow_checkout_of_the_merge_commit_fetches_the_base(repo: Path, tmp_path: Path) -> None:
    base, head, _ = pull_request(repo, {".github/workflows/deploy.yml": WORKFLOW})
    clone = tmp_path / "checkout"
    git(tmp_path, "clone", "--quiet", "--depth=1", "--branch=pull-merge", repo.as_uri(), str(clone))
    missing = subprocess.run(["git", "cat-file", "-e", base], cwd=clone, capture_output=True)
    assert missing.returncode != 0
    run = act(clone, pull_request_event(base, head))
    assert run.outputs["required-groups"] == "platform-engineering", run.log
    assert f"fetching '{base}' from origin" in run.log
    assert "`.github/workflows/deploy.yml` (new)" in run.summary


def test_shallow_checkout_of_a_branch_behind_its_base_compares_from_the_fork_point(
    repo: Path, tmp_path: Path
) -> None:
    """A two-dot diff would show main's newer Jenkinsfile as deleted by the branch."""
    _, head, _ = pull_request(repo, {"docs/guide.md": "Changed\n"})
    git(repo, "checkout", "--quiet", "main")
    base = commit(repo, {"Jenkinsfile": "pipeline {}\n"}, "main moves on")
    clone = tmp_path / "checkout"
    git(tmp_path, "clone", "--quiet", "--depth=1", "--branch=feature", repo.as_uri(), str(clone))
    run = act(clone, pull_request_event(base, head), head=head)
    assert run.exit_code == 0, run.log
    assert run.outputs["conclusion"] == "success", run.summary
    assert "fetching the history of base and head" in run.log


def test_push_compares_with_the_commit_before_and_a_new_branch_with_the_default(
    repo: Path,
) -> None:
    before = git(repo, "rev-parse", "HEAD")
    commit(repo, {"Jenkinsfile": "pipeline {}\n"})
    pushed = act(repo, {"before": before}, event_name="push")
    assert pushed.outputs["required-groups"] == "platform-engineering", pushed.log
    git(repo, "checkout", "--quiet", "-b", "topic")
    commit(repo, {"docs/more.md": "More\n"})
    created = act(
        repo,
        {"before": "0" * 40, "repository": {"default_branch": "main"}},
        event_name="push",
    )
    assert created.outputs["conclusion"] == "success", created.log


def test_an_event_without_a_base_asks_for_the_base_input(repo: Path) -> None:
    run = act(repo, {}, event_name="workflow_dispatch")
    assert run.exit_code == 2
    assert "the workflow_dispatch event names no base commit" in run.summary
    dispatched = act(repo, {}, event_name="workflow_dispatch", base="HEAD")
    assert dispatched.outputs["conclusion"] == "success", dispatched.log


@pytest.mark.parametrize(
    "inputs",
    [
        {"rules": "$(touch injected)"},
        {"base": "$(touch injected)"},
        {"head": "`touch injected`"},
        {"fail_on_required": "true; touch injected"},
    ],
    ids=["rules", "base", "head", "fail-on-required"],
)
def test_inputs_are_data_never_shell(repo: Path, inputs: dict[str, str]) -> None:
    base, head, _ = pull_request(repo, {"docs/guide.md": "Changed\n"})
    run = act(repo, pull_request_event(base, head), **inputs)
    assert run.exit_code == 2
    assert run.outputs["conclusion"] == "error"
    assert not list(repo.parent.rglob("injected"))


def test_summary_reaches_the_log_with_workflow_commands_off(repo: Path) -> None:
    """Changed lines are shown in the log; none of them may act as a workflow command."""
    hostile = 'resource "aws_security_group" "x" {} # ::error::forged\n'
    base, head, _ = pull_request(repo, {"infra/sg.tf": hostile})
    run = act(repo, pull_request_event(base, head))
    lines = run.log.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("::stop-commands::"))
    token = lines[start].removeprefix("::stop-commands::")
    end = lines.index(f"::{token}::")
    forged = next(i for i, line in enumerate(lines) if "::error::forged" in line)
    assert start < forged < end
    commands = [line for line in lines[:start] + lines[end + 1 :] if line.startswith("::")]
    assert commands == [
        "::notice title=gatehouse::Platform Engineering: review required (see the job summary)"
    ]


# --- the install step, with a stand-in Python that records what it is asked ----------

FAKE_PYTHON = """\
#!/usr/bin/env bash
# A stand-in interpreter: `-m venv DIR` makes DIR/bin/python (this script); any other
# call records its arguments, one per line.
if [ "$1" = "-m" ] && [ "$2" = "venv" ]; then
  mkdir -p "$3/bin" && cp "$0" "$3/bin/python" && exit 0
fi
printf '%s\\n' "$@" > "$(dirname "$0")/../pip-arguments"
"""


def install(tmp_path: Path, version: str | None) -> ActionRun:
    fake = tmp_path / "fake-python"
    fake.write_text(FAKE_PYTHON)
    fake.chmod(0o755)
    inputs = {} if version is None else {"version": version}
    return run_action(
        tmp_path,
        tmp_path / "runner",
        event_name="pull_request",
        event={},
        inputs=inputs,
        given={"python": {"python-path": str(fake)}, "check": {}},
    )


def test_install_defaults_to_the_actions_own_checkout(tmp_path: Path) -> None:
    run = install(tmp_path, None)
    assert run.exit_code == 0, run.log
    python = Path(run.step_outputs["install"]["python"])
    assert python.parent.parent.parent == tmp_path / "runner" / "temp"
    arguments = (python.parent.parent / "pip-arguments").read_text().splitlines()
    assert arguments[:2] == ["-m", "pip"] and arguments[-1] == str(ROOT)


def test_install_passes_the_version_as_one_argument(tmp_path: Path) -> None:
    spec = "gatehouse @ git+https://example.invalid/x.git@v1 $(touch injected)"
    run = install(tmp_path, spec)
    assert run.exit_code == 0, run.log
    venv = Path(run.step_outputs["install"]["python"]).parent.parent
    assert (venv / "pip-arguments").read_text().splitlines()[-1] == spec
    assert not list(tmp_path.rglob("injected"))


def test_install_refuses_a_version_that_is_an_option(tmp_path: Path) -> None:
    run = install(tmp_path, "--index-url=https://example.invalid/simple")
    assert (run.exit_code, run.failed_step) == (2, "install")
    assert "::error title=gatehouse::the version input must be" in run.log
