"""What a deployment brings, read from GitHub: the commits since the environment's last
approved deployment, and the pull requests GitHub associates with each.

Calls: one compare (more pages only past 100 commits) and one
``GET /commits/{sha}/pulls`` per commit. History that cannot be read is reported, never
skipped: the verdict then needs a person (fail closed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.deployments.verdict import CommitFacts, PullFacts
from app.github.client import InstallationClient
from app.github.transport import GitHubError


@dataclass(frozen=True)
class Changes:
    """``base`` is the last approved deployment's commit (None for a first deployment)."""

    base: str | None
    commits: tuple[CommitFacts, ...]
    pulls: dict[str, tuple[PullFacts, ...]] = field(default_factory=dict)
    unknown: str | None = None


def commit_facts(item: dict[str, Any]) -> CommitFacts:
    """A commit of a compare answer."""
    inner = item.get("commit") or {}
    author = (item.get("author") or {}).get("login") or (inner.get("author") or {}).get("name")
    message = str(inner.get("message") or "").strip().splitlines()
    return CommitFacts(
        sha=str(item.get("sha") or ""),
        author=str(author or "unknown"),
        message=message[0][:200] if message else "",
        html_url=str(item.get("html_url") or ""),
    )


def pull_facts(item: dict[str, Any]) -> PullFacts:
    """A pull request of ``repos/list-pull-requests-associated-with-commit``."""
    return PullFacts(
        number=int(item["number"]),
        title=str(item.get("title") or ""),
        merged=bool(item.get("merged_at")),
        head_sha=str((item.get("head") or {}).get("sha") or ""),
        html_url=str(item.get("html_url") or ""),
        author=str((item.get("user") or {}).get("login") or ""),
    )


def read_changes(client: InstallationClient, repo: str, base: str | None, head: str) -> Changes:
    """The commits ``head`` brings since ``base`` (only ``head`` itself when ``base`` is
    None), each with its pull requests."""
    commits, unknown = _commits(client, repo, base, head)
    pulls = {
        commit.sha: tuple(pull_facts(p) for p in client.pulls_for_commit(repo, commit.sha))
        for commit in commits
    }
    return Changes(base, tuple(commits), pulls, unknown)


def _commits(
    client: InstallationClient, repo: str, base: str | None, head: str
) -> tuple[list[CommitFacts], str | None]:
    if base == head:
        return [], None
    if base is None:
        return [_one(client, repo, head)], None
    try:
        answer, listed = client.compare_commits(repo, base, head)
    except GitHubError as exc:
        if exc.status not in (404, 422):
            raise
        reason = (
            f"the commits since the last approved deployment ({base[:7]}) cannot be listed "
            f"(GitHub answered {exc.status}); only the deployed commit was judged"
        )
        return [_one(client, repo, head)], reason
    commits = [commit_facts(item) for item in listed]
    total = int(answer.get("total_commits") or len(commits))
    if len(commits) < total:
        return commits, (
            f"only {len(commits)} of the {total} commits since the last approved deployment "
            f"({base[:7]}) could be read"
        )
    return commits, None


def _one(client: InstallationClient, repo: str, sha: str) -> CommitFacts:
    """The deployed commit alone (a compare of the commit with itself names it)."""
    answer, _ = client.compare_commits(repo, sha, sha, max_pages=1)
    found = answer.get("base_commit")
    return commit_facts(found) if isinstance(found, dict) else CommitFacts(sha, "unknown")
