"""Build the engine's :class:`PullSnapshot` from GitHub, spending as few calls as we can.

Calls for one pull request: every page of files (100 a page), the reviews (skipped for a
newly opened pull request, which has none), one compare per distinct reviewed commit that
is not the head, and team members only when a review comes from someone the rules do not
list already. Unknown history counts as changed (fail closed).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from app.github.client import MAX_PULL_FILES, InstallationClient
from app.github.transport import GitHubError
from app.policy.model import RuleSet
from app.policy.snapshot import (
    CallDecision,
    ChangedFile,
    FileStatus,
    Override,
    PullSnapshot,
    Review,
    ReviewState,
)

COMPARE_FILE_LIMIT = 300
_STATUSES = {status.value for status in FileStatus}


def changed_file(item: dict[str, Any]) -> ChangedFile:
    """One entry of ``pulls/list-files`` or a compare's ``files``."""
    status = item.get("status", "modified")
    patch = item.get("patch")
    changes = int(item.get("changes", 0) or 0)
    return ChangedFile(
        path=item["filename"],
        status=FileStatus(status) if status in _STATUSES else FileStatus.MODIFIED,
        previous_path=item.get("previous_filename"),
        patch=patch,
        patch_unavailable=patch is None and changes > 0,
    )


def reviews_from(items: Iterable[dict[str, Any]]) -> tuple[Review, ...]:
    reviews = []
    for item in items:
        user = item.get("user") or {}
        state = str(item.get("state", "")).upper()
        if state not in ReviewState.__members__ or not user.get("login"):
            continue
        reviews.append(
            Review(
                reviewer=user["login"],
                state=ReviewState(state),
                commit_sha=item.get("commit_id") or "",
                review_id=int(item.get("id", 0)),
                submitted_at=item.get("submitted_at"),
            )
        )
    return tuple(reviews)


def build_snapshot(
    client: InstallationClient,
    ruleset: RuleSet,
    repo: str,
    pull: dict[str, Any],
    *,
    fetch_reviews: bool = True,
    overrides: tuple[Override, ...] = (),
    call_decisions: tuple[CallDecision, ...] = (),
) -> PullSnapshot:
    """``pull`` is the pull request object of a webhook payload or of ``pulls/get``."""
    number = int(pull["number"])
    head_sha = pull["head"]["sha"]
    files_json = client.list_files(repo, number)
    declared = int(pull.get("changed_files") or 0)
    truncated = len(files_json) >= MAX_PULL_FILES and declared > len(files_json)
    truncated = truncated or (len(files_json) >= MAX_PULL_FILES and declared == 0)
    reviews = reviews_from(client.list_reviews(repo, number)) if fetch_reviews else ()
    changed_since = _changed_since(client, repo, head_sha, reviews)
    return PullSnapshot(
        files=tuple(changed_file(item) for item in files_json),
        repository=repo,
        number=number,
        title=pull.get("title") or "",
        body=pull.get("body") or "",
        head_ref=pull["head"].get("ref", ""),
        base_ref=pull["base"].get("ref", ""),
        author=(pull.get("user") or {}).get("login", ""),
        head_sha=head_sha,
        files_truncated=truncated,
        reviews=reviews,
        changed_since=changed_since,
        group_members=_team_members(client, ruleset, reviews),
        overrides=overrides,
        call_decisions=call_decisions,
    )


def _changed_since(
    client: InstallationClient, repo: str, head_sha: str, reviews: tuple[Review, ...]
) -> dict[str, frozenset[str] | None]:
    commits = {
        r.commit_sha
        for r in reviews
        if r.state in (ReviewState.APPROVED, ReviewState.CHANGES_REQUESTED)
        and r.commit_sha
        and r.commit_sha != head_sha
    }
    result: dict[str, frozenset[str] | None] = {}
    for sha in sorted(commits):
        try:
            data = client.compare(repo, sha, head_sha)
        except GitHubError as exc:
            if exc.status in (404, 422):
                result[sha] = None
                continue
            raise
        files = data.get("files") or []
        if len(files) >= COMPARE_FILE_LIMIT or data.get("status") == "diverged":
            result[sha] = None
            continue
        names = set()
        for item in files:
            names.add(item["filename"])
            if item.get("previous_filename"):
                names.add(item["previous_filename"])
        result[sha] = frozenset(names)
    return result


def _team_members(
    client: InstallationClient, ruleset: RuleSet, reviews: tuple[Review, ...]
) -> dict[str, frozenset[str]]:
    """Team members, fetched only for groups where a review's author is not listed."""
    reviewers = {r.reviewer.lower() for r in reviews}
    members: dict[str, frozenset[str]] = {}
    for group_id, group in ruleset.groups.items():
        if not group.github_team:
            continue
        listed = {m.github.lower() for m in group.members}
        if not reviewers - listed:
            continue
        members[group_id] = frozenset(
            login.lower() for login in client.team_members(group.github_team)
        )
    return members
