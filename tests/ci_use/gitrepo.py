"""Small git repositories for the CI tests, built with the git command line."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
}

WORKFLOW = """\
name: deploy
on: push
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - run: make deploy
"""

SECURITY_GROUP = """\
resource "aws_security_group" "web" {
  name = "web"
}
"""


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args],
        cwd=cwd,
        env={**os.environ, **GIT_ENV},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done.stdout.strip()


def init(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "--quiet", "--initial-branch=main")
    git(path, "config", "uploadpack.allowAnySHA1InWant", "true")
    return path


def commit(repo: Path, files: dict[str, str | None], message: str = "change") -> str:
    """Write (or, for ``None``, delete) ``files`` and commit them; the new commit's sha."""
    for name, text in files.items():
        path = repo / name
        if text is None:
            git(repo, "rm", "--quiet", "-r", "--", name)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        git(repo, "add", "--", name)
    git(repo, "commit", "--quiet", "--allow-empty", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def pull_request(repo: Path, change: dict[str, str | None]) -> tuple[str, str, str]:
    """A branch ``feature`` with ``change`` on top of ``main``, and the merge commit
    GitHub checks out for a pull request (checked out here): (base, head, merge)."""
    base = git(repo, "rev-parse", "main")
    git(repo, "checkout", "--quiet", "-b", "feature", "main")
    head = commit(repo, change, "the pull request's change")
    git(repo, "checkout", "--quiet", "-b", "pull-merge", "main")
    git(repo, "merge", "--quiet", "--no-ff", "-m", "Merge feature into main", "feature")
    return base, head, git(repo, "rev-parse", "HEAD")


def pull_request_event(base: str, head: str) -> dict[str, object]:
    return {
        "action": "synchronize",
        "number": 7,
        "pull_request": {"number": 7, "base": {"sha": base}, "head": {"sha": head}},
    }
