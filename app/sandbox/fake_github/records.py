"""The records the fake GitHub keeps: plain data, mutated only under the state's lock.

Timestamps have no default: whoever creates a record stamps it from the state's clock
(``World.now``), never from the wall clock.
"""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

REVIEW_STATES = ("APPROVED", "CHANGES_REQUESTED", "COMMENTED", "DISMISSED")
PERMISSIONS = ("admin", "write", "read", "none")


def iso(moment: datetime | None) -> str | None:
    """GitHub's timestamp form, ``2026-11-30T16:00:00Z``."""
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")


_shas = itertools.count(1)


def new_sha(*parts: str) -> str:
    """A fresh 40-hex commit id, unique in the process."""
    seed = "\0".join((str(next(_shas)), *parts))
    return hashlib.sha1(seed.encode(), usedforsecurity=False).hexdigest()


def blob_sha(text: str) -> str:
    """The git blob id of ``text``, as ``git hash-object`` computes it."""
    data = text.encode()
    header = f"blob {len(data)}\0".encode()
    return hashlib.sha1(header + data, usedforsecurity=False).hexdigest()


def count_patch(patch: str | None) -> tuple[int, int]:
    """Added and removed lines of a unified-diff hunk text (file headers excluded)."""
    added = removed = 0
    for line in (patch or "").splitlines():
        if line.startswith("+") and not line.startswith("+++ "):
            added += 1
        elif line.startswith("-") and not line.startswith("--- "):
            removed += 1
    return added, removed


@dataclass(frozen=True)
class FileChange:
    """One file a commit changes. ``additions``/``deletions`` left at -1 are counted from
    ``patch``; give them explicitly for files whose patch GitHub would omit."""

    path: str
    status: str = "modified"
    patch: str | None = None
    previous_filename: str | None = None
    additions: int = -1
    deletions: int = -1

    def __post_init__(self) -> None:
        added, removed = count_patch(self.patch)
        if self.additions < 0:
            object.__setattr__(self, "additions", added)
        if self.deletions < 0:
            object.__setattr__(self, "deletions", removed)


@dataclass
class User:
    login: str
    id: int
    type: str = "User"
    name: str | None = None
    created_at: datetime = field(kw_only=True)


@dataclass
class App:
    """A GitHub App: its JWT key, its OAuth client (``client_id``/``client_secret``, and the
    ``callback_urls`` sign-in may return to; none registered accepts any ``redirect_uri``),
    and what it asks for."""

    id: int
    slug: str
    public_key_pem: str
    name: str
    owner: str
    created_at: datetime = field(kw_only=True)
    client_id: str = field(kw_only=True)
    client_secret: str = field(kw_only=True)
    callback_urls: list[str] = field(default_factory=list, kw_only=True)
    permissions: dict[str, str] = field(default_factory=dict, kw_only=True)
    events: list[str] = field(default_factory=list, kw_only=True)
    description: str | None = field(default=None, kw_only=True)
    external_url: str | None = field(default=None, kw_only=True)
    webhook_secret: str | None = field(default=None, kw_only=True)


@dataclass
class Installation:
    id: int
    account: str
    created_at: datetime = field(kw_only=True)


@dataclass
class Token:
    value: str
    installation_id: int
    app_id: int
    expires_at: datetime


@dataclass(frozen=True)
class UserToken:
    """A user access token (``ghu_``) from the OAuth web flow: acts as ``login`` through
    the App ``app_id``. Never expires, as with GitHub's user-token expiry turned off."""

    value: str
    login: str
    app_id: int


@dataclass(frozen=True)
class OAuthCode:
    """An authorisation code of the web flow: single use, valid until ``expires_at``."""

    value: str
    app_id: int
    login: str
    redirect_uri: str | None
    expires_at: datetime


@dataclass(frozen=True)
class ManifestCode:
    """The code a manifest registration hands back: exchanged once, within the hour, for
    the new App's credentials (its private key is known only until then)."""

    value: str
    app_id: int
    private_key_pem: str
    expires_at: datetime


@dataclass
class Commit:
    sha: str
    parents: list[str]
    message: str
    author: str
    changes: dict[str, FileChange]
    at: datetime = field(kw_only=True)


@dataclass
class Review:
    id: int
    user: str
    state: str
    commit_id: str
    body: str
    submitted_at: datetime = field(kw_only=True)


@dataclass
class Reaction:
    id: int
    user: str
    content: str
    created_at: datetime = field(kw_only=True)


@dataclass
class Comment:
    id: int
    number: int
    user: str
    body: str
    user_type: str = "User"
    app_id: int | None = None
    created_at: datetime = field(kw_only=True)
    updated_at: datetime = field(kw_only=True)
    reactions: list[Reaction] = field(default_factory=list)


@dataclass
class Label:
    id: int
    name: str
    color: str = "ededed"
    description: str = ""


@dataclass
class Pull:
    id: int
    number: int
    author: str
    title: str
    body: str
    head_ref: str
    base_ref: str
    base_sha: str
    commits: list[str]
    files: dict[str, FileChange]
    draft: bool = False
    state: str = "open"
    merged: bool = False
    merged_by: str | None = None
    merge_commit_sha: str | None = None
    labels: list[str] = field(default_factory=list)
    requested_reviewers: list[str] = field(default_factory=list)
    requested_teams: list[str] = field(default_factory=list)
    reviews: list[Review] = field(default_factory=list)
    created_at: datetime = field(kw_only=True)
    updated_at: datetime = field(kw_only=True)
    closed_at: datetime | None = None
    merged_at: datetime | None = None

    @property
    def head_sha(self) -> str:
        return self.commits[-1]


@dataclass
class CheckRun:
    id: int
    name: str
    head_sha: str
    app_id: int
    status: str = "queued"
    conclusion: str | None = None
    details_url: str | None = None
    external_id: str | None = None
    started_at: datetime | None = field(kw_only=True)
    completed_at: datetime | None = None
    title: str | None = None
    summary: str | None = None
    text: str | None = None
    annotations: list[dict[str, Any]] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Team:
    id: int
    org: str
    slug: str
    members: list[str]


@dataclass
class Repo:
    id: int
    owner: str
    name: str
    default_branch: str
    installation_id: int
    private: bool
    branches: dict[str, str] = field(default_factory=dict)
    commits: dict[str, Commit] = field(default_factory=dict)
    pulls: dict[int, Pull] = field(default_factory=dict)
    comments: dict[int, Comment] = field(default_factory=dict)
    labels: dict[str, Label] = field(default_factory=dict)
    check_runs: dict[int, CheckRun] = field(default_factory=dict)
    permissions: dict[str, str] = field(default_factory=dict)
    contents: dict[str, dict[str, str]] = field(default_factory=dict)
    next_number: int = 1
    created_at: datetime = field(kw_only=True)

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"


@dataclass(frozen=True)
class RecordedRequest:
    """One request the fake answered, as tests assert on it."""

    method: str
    path: str
    operation_id: str | None
    status: int
    query: dict[str, str]
    body_json: Any
    at: datetime


@dataclass
class Fault:
    status: int
    times: int
    retry_after: int | None
    message: str | None
