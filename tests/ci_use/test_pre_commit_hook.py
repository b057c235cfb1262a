"""The pre-commit hooks in .pre-commit-hooks.yaml, on staged changes in temporary repos.

`gatehouse-check` (language: python) needs the network to build its environment (pre-commit
pip-installs this repository and its dependencies), so it is tested by running its entry
the way that environment would: with this interpreter's gatehouse first on PATH.
`gatehouse-check-system` has the same entry and builds nothing, so it also runs offline
through `pre-commit try-repo` when pre-commit is installed.
"""

from __future__ import annotations

import importlib.util
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.cli_check import shipped_rules_dir
from tests.ci_use.composite import ROOT
from tests.ci_use.gitrepo import GIT_ENV, WORKFLOW, commit, git, init

MANIFEST = ROOT / ".pre-commit-hooks.yaml"
BIN = str(Path(sys.executable).parent)


def hooks() -> dict[str, dict[str, Any]]:
    loaded = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    return {hook["id"]: hook for hook in loaded}


def environment(tmp_path: Path) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if k != "GATEHOUSE_RULES_DIR"},
        **GIT_ENV,
        "PATH": BIN + os.pathsep + os.environ.get("PATH", ""),
        "GATEHOUSE_CACHE_DIR": str(tmp_path / "cache"),
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
    }


def run_entry(repo: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    entry = shlex.split(hooks()["gatehouse-check"]["entry"])
    return subprocess.run(
        [*entry, *args],
        cwd=repo,
        env=environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def stage(repo: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text, encoding="utf-8")
        git(repo, "add", "--", name)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = init(tmp_path / "project")
    commit(repo, {"README.md": "# project\n", "infra/vars.tf": 'variable "size" {}\n'}, "init")
    return repo


def test_both_hooks_run_the_same_program_on_the_staged_change_at_pre_commit() -> None:
    found = hooks()
    assert set(found) == {"gatehouse-check", "gatehouse-check-system"}
    assert found["gatehouse-check"]["language"] == "python"
    assert found["gatehouse-check-system"]["language"] == "system"
    assert found["gatehouse-check"]["entry"] == found["gatehouse-check-system"]["entry"]
    for hook in found.values():
        assert hook["stages"] == ["pre-commit"]
        assert hook["pass_filenames"] is False
        assert hook["verbose"] is True, "an informational hook's output must be shown"


@pytest.mark.skipif(not importlib.util.find_spec("pre_commit"), reason="pre-commit not installed")
def test_manifest_is_valid_for_pre_commit() -> None:
    from pre_commit.clientlib import load_manifest  # type: ignore[import-untyped]

    assert [hook["id"] for hook in load_manifest(str(MANIFEST))] == [
        "gatehouse-check",
        "gatehouse-check-system",
    ]


def test_staged_workflow_reports_platform_engineering_and_passes(
    repo: Path, tmp_path: Path
) -> None:
    stage(repo, {".github/workflows/deploy.yml": WORKFLOW})
    done = run_entry(repo, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Platform Engineering review required" in done.stdout
    assert ".github/workflows/deploy.yml (new)" in done.stdout


def test_block_makes_a_required_review_fail_the_commit(repo: Path, tmp_path: Path) -> None:
    stage(repo, {".github/workflows/deploy.yml": WORKFLOW})
    done = run_entry(repo, tmp_path, "--block")
    assert done.returncode == 1
    assert "Platform Engineering review required" in done.stdout


def test_staged_lines_decide_line_rules(repo: Path, tmp_path: Path) -> None:
    """With the diff, a Terraform change without network resources is not a network
    change (`--paths` would have to count it, not knowing the lines)."""
    stage(repo, {"infra/vars.tf": 'variable "size" {\n  default = 2\n}\n'})
    done = run_entry(repo, tmp_path)
    assert "iac-terraform" in done.stdout
    assert "network-security" not in done.stdout


def test_only_the_staged_change_counts(repo: Path, tmp_path: Path) -> None:
    (repo / "Jenkinsfile").write_text("pipeline {}\n")  # not staged
    stage(repo, {"docs/notes.md": "notes\n"})
    done = run_entry(repo, tmp_path, "--block")
    assert done.returncode == 0, done.stdout
    assert "No review required" in done.stdout


def test_first_commit_of_a_repository_is_checked(tmp_path: Path) -> None:
    repo = init(tmp_path / "new")
    stage(repo, {".github/workflows/deploy.yml": WORKFLOW})
    done = run_entry(repo, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Platform Engineering review required" in done.stdout


def test_repository_rules_in_dot_github_gatehouse_are_used(repo: Path, tmp_path: Path) -> None:
    rules = repo / ".github" / "gatehouse"
    shutil.copytree(shipped_rules_dir(), rules)
    (rules / "docs.yml").write_text(
        "rules:\n  - id: docs-governed\n    title: Docs\n"
        "    group: platform-engineering\n    paths: ['docs/**']\n"
    )
    stage(repo, {"docs/notes.md": "notes\n"})
    done = run_entry(repo, tmp_path)
    assert "docs-governed" in done.stdout


def test_bad_rules_always_fail(repo: Path, tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "rules.yml").write_text("rules:\n  - id: x\n    titel: y\n")
    stage(repo, {"docs/notes.md": "notes\n"})
    done = run_entry(repo, tmp_path, "--rules", str(rules))
    assert done.returncode == 2
    assert "rules.yml:3" in done.stderr


def test_an_unresolved_merge_fails_with_a_reason(repo: Path, tmp_path: Path) -> None:
    git(repo, "checkout", "--quiet", "-b", "other")
    commit(repo, {"README.md": "other\n"})
    git(repo, "checkout", "--quiet", "main")
    commit(repo, {"README.md": "main\n"})
    subprocess.run(
        ["git", "merge", "other"],
        cwd=repo,
        env=environment(tmp_path),
        capture_output=True,
        check=False,
    )
    done = run_entry(repo, tmp_path)
    assert done.returncode == 2
    assert "the staged change cannot be read" in done.stdout


@pytest.mark.skipif(not importlib.util.find_spec("pre_commit"), reason="pre-commit not installed")
def test_pre_commit_try_repo_runs_the_system_hook_offline(repo: Path, tmp_path: Path) -> None:
    hook_repo = init(tmp_path / "hooks")
    shutil.copy(MANIFEST, hook_repo / MANIFEST.name)
    git(hook_repo, "add", MANIFEST.name)
    git(hook_repo, "commit", "--quiet", "-m", "hooks")
    stage(repo, {".github/workflows/deploy.yml": WORKFLOW})
    done = subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), "gatehouse-check-system"],
        cwd=repo,
        env=environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Passed" in done.stdout
    assert "Platform Engineering review required" in done.stdout
