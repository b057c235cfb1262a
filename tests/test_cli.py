"""The `gatehouse` console script, run as a user runs it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.settings import SHIPPED_RULES

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures" / "changes"
GATEHOUSE = shutil.which("gatehouse", path=str(Path(sys.executable).parent)) or "gatehouse"


def run(
    *args: str, stdin: str | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    # Buffered output, as in a user's shell: the answer must be flushed before exiting.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    env["GATEHOUSE_RULES_DIR"] = str(SHIPPED_RULES)
    return subprocess.run(
        [GATEHOUSE, *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=60,
    )


def test_workflow_diff_requires_platform_engineering_exit_1() -> None:
    diff = next(FIXTURES.glob("*workflow*.diff"))
    done = run("check", "--diff", str(diff))
    assert done.returncode == 1, done.stderr
    assert "Platform Engineering review required" in done.stdout
    assert "ci-github-actions" in done.stdout


def test_docs_diff_needs_nothing_exit_0(tmp_path: Path) -> None:
    diff = tmp_path / "docs.diff"
    diff.write_text(
        "diff --git a/docs/a.md b/docs/a.md\n--- a/docs/a.md\n+++ b/docs/a.md\n@@ -1 +1 @@\n-a\n+b\n"
    )
    done = run("check", "--diff", str(diff))
    assert done.returncode == 0
    assert "No review required" in done.stdout


def test_diff_from_stdin_as_json() -> None:
    diff = next(FIXTURES.glob("*security-group*.diff")).read_text()
    done = run("check", "--diff", "-", "--format", "json", stdin=diff)
    assert done.returncode == 1
    data = json.loads(done.stdout)
    assert data["conclusion"] == "action_required"
    rule = next(r for r in data["rules"] if r["id"] == "network-security")
    assert rule["files"][0]["lines"], "the matching lines are reported with numbers"
    assert all(isinstance(line["line"], int) for line in rule["files"][0]["lines"])


def test_paths_mode() -> None:
    done = run("check", "--paths", ".github/workflows/ci.yml", "README.md")
    assert done.returncode == 1 and "ci-github-actions" in done.stdout


def test_paths_from_stdin_give_the_same_answer() -> None:
    listed = run("check", "--format", "json", "--paths", ".github/workflows/ci.yml", "README.md")
    piped = run("check", "--format", "json", "--paths", "-",
                stdin="./.github/workflows/ci.yml\n\nREADME.md\n")  # fmt: skip
    assert piped.returncode == listed.returncode == 1, piped.stderr
    assert json.loads(piped.stdout) == json.loads(listed.stdout)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_git_range_in_a_real_repository(tmp_path: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
            cwd=tmp_path,
            check=True,
            capture_output=True,
        )

    git("init", "-q", "-b", "main")
    (tmp_path / "README.md").write_text("hello\n")
    git("add", ".")
    git("commit", "-qm", "base")
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "sg.tf").write_text('resource "aws_security_group" "x" {\n}\n')
    git("add", ".")
    git("commit", "-qm", "sg")
    done = run("check", "--git", "HEAD~1..HEAD", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert "network-security" in done.stdout and "line 1" in done.stdout
    bad = run("check", "--git", "nope..HEAD", cwd=tmp_path)
    assert bad.returncode == 2 and "git diff nope..HEAD failed" in bad.stderr


def test_bad_input_exit_2(tmp_path: Path) -> None:
    missing = run("check", "--diff", str(tmp_path / "missing.diff"))
    assert missing.returncode == 2 and "cannot read" in missing.stderr
    garbage = tmp_path / "garbage.diff"
    garbage.write_text("this is not a diff\n")
    assert run("check", "--diff", str(garbage)).returncode == 2


def test_invalid_rules_exit_2_with_file_and_line(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(SHIPPED_RULES, rules)
    text = (rules / "platform-engineering.yml").read_text().replace("title:", "titel:", 1)
    (rules / "platform-engineering.yml").write_text(text)
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "titel:" in row)
    done = run("check", "--paths", "x", "--rules", str(rules))
    assert done.returncode == 2
    assert f"platform-engineering.yml:{line}: unknown key 'titel'" in done.stderr
    validate = run("rules", "validate", str(rules))
    assert validate.returncode == 2
    assert f"platform-engineering.yml:{line}:" in validate.stderr


def test_rules_validate_and_schema() -> None:
    done = run("rules", "validate", str(SHIPPED_RULES))
    assert done.returncode == 0 and "OK" in done.stdout
    schema = json.loads(run("rules", "schema").stdout)
    assert schema["properties"]["rules"]


def test_git_range_reads_both_sides_of_manifests(tmp_path: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
            cwd=tmp_path,
            check=True,
            capture_output=True,
        )

    requires = "".join(f"\texample.com/m{i} v1.0.{i}\n" for i in range(40))
    go_mod = f"module example.com/x\n\ngo 1.23\n\nrequire (\n{requires})\n"
    git("init", "-q", "-b", "main")
    (tmp_path / "go.mod").write_text(go_mod)
    git("add", ".")
    git("commit", "-qm", "base")
    (tmp_path / "go.mod").write_text(go_mod.replace("m20 v1.0.20", "m20 v1.0.21"))
    git("commit", "-qam", "bump")
    bump = run("check", "--git", "HEAD~1..HEAD", cwd=tmp_path)
    assert bump.returncode == 0, bump.stdout + bump.stderr
    assert "go.mod: 1 version bump, no new Go module" in bump.stdout
    (tmp_path / "go.mod").write_text(
        go_mod.replace(")\n", "\tgithub.com/nats-io/nats.go v1.37.0\n)\n")
    )
    git("commit", "-qam", "new module")
    added = run("check", "--git", "HEAD~1..HEAD", "--format", "json", cwd=tmp_path)
    assert added.returncode == 1, added.stderr
    (finding,) = json.loads(added.stdout)["rules"][0]["files"][0]["findings"]
    assert finding["message"] == "new Go module github.com/nats-io/nats.go v1.37.0"


def test_a_large_answer_arrives_whole_with_its_exit_code() -> None:
    """A check leaves without the interpreter's teardown: what it wrote to a pipe must
    still all arrive, and its exit code with it."""
    paths = [f"infra/modules/m{n}/security_groups/rule{n}.tf" for n in range(2000)]
    done = run("check", "--format", "json", "--paths", *paths, "docs/a.md")
    assert done.returncode == 1, done.stderr
    data = json.loads(done.stdout)
    listed = {f["path"] for rule in data["rules"] for f in rule["files"]}
    assert listed == set(paths)
