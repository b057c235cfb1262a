"""The commit graph of a fake repository: resolving refs and comparing two commits."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from app.sandbox.fake_github.records import Commit, FileChange, Repo


@dataclass(frozen=True)
class Comparison:
    """What ``GET /compare/{base}...{head}`` reports: commits and files from the merge base
    to ``head``, and how far each side is from it."""

    base: str
    head: str
    merge_base: str
    status: str
    ahead_by: int
    behind_by: int
    commits: list[Commit]
    files: list[FileChange]


def resolve(repo: Repo, ref: str) -> str | None:
    """The commit a branch name, ``refs/heads/...`` name, full sha or sha prefix names."""
    name = ref.removeprefix("refs/heads/")
    if name in repo.branches:
        return repo.branches[name]
    if ref in repo.commits:
        return ref
    if len(ref) >= 7:
        found = [sha for sha in repo.commits if sha.startswith(ref.lower())]
        if len(found) == 1:
            return found[0]
    return None


def ancestry(repo: Repo, sha: str) -> dict[str, int]:
    """Every ancestor of ``sha`` (itself included) with its distance in commits."""
    distance = {sha: 0}
    queue = deque([sha])
    while queue:
        current = queue.popleft()
        for parent in repo.commits[current].parents:
            if parent not in distance:
                distance[parent] = distance[current] + 1
                queue.append(parent)
    return distance


def path_between(repo: Repo, base: str, head: str) -> list[Commit]:
    """Commits reachable from ``head`` but not from ``base``, in the order they were made."""
    excluded = ancestry(repo, base)
    reachable = ancestry(repo, head)
    return [
        commit for sha, commit in repo.commits.items() if sha in reachable and sha not in excluded
    ]


def cumulative(commits: list[Commit]) -> list[FileChange]:
    """The files ``commits`` change, in first-touched order; a later change of a path wins."""
    files: dict[str, FileChange] = {}
    for commit in commits:
        files.update(commit.changes)
    return list(files.values())


def compare(repo: Repo, base: str, head: str) -> Comparison:
    """Compare two commits of ``repo`` the way GitHub's three-dot compare does."""
    base_ancestry, head_ancestry = ancestry(repo, base), ancestry(repo, head)
    common = [sha for sha in head_ancestry if sha in base_ancestry]
    merge_base = min(common, key=lambda sha: (head_ancestry[sha], base_ancestry[sha]))
    ahead = path_between(repo, merge_base, head)
    behind = len(path_between(repo, merge_base, base))
    if base == head:
        status = "identical"
    elif not behind:
        status = "ahead"
    elif not ahead:
        status = "behind"
    else:
        status = "diverged"
    return Comparison(base, head, merge_base, status, len(ahead), behind, ahead, cumulative(ahead))
