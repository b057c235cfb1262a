"""The single sticky comment: created when a pull request first needs something, edited
afterwards (only when its text changes), found again by its hidden marker when the
record was lost."""

from __future__ import annotations

import hashlib
from typing import Any

from app.github.client import InstallationClient
from app.github.transport import GitHubError
from app.render.comment import is_sticky
from app.store import RecordStore


class StickyComment:
    def __init__(self, records: RecordStore) -> None:
        self.records = records

    def publish(
        self,
        client: InstallationClient,
        repo: str,
        number: int,
        body: str,
        *,
        wanted: bool,
        look_up: bool,
    ) -> int | None:
        """Create or edit the comment. ``wanted`` is False for a pull request that needs
        nothing: no comment is created then, but an existing one is brought up to date."""
        doc = self.records.load(repo, number)
        digest = hashlib.sha256(body.encode()).hexdigest()
        comment_id: int | None = doc.get("comment_id")
        if comment_id is None and look_up:
            comment_id = self._find(client, repo, number)
        if comment_id is None and not wanted:
            return None
        if comment_id is not None and doc.get("comment_digest") == digest:
            return comment_id
        if comment_id is not None:
            try:
                client.update_comment(repo, comment_id, body)
            except GitHubError as exc:
                if exc.status != 404:
                    raise
                comment_id = None  # someone deleted it: post it again
        if comment_id is None:
            comment_id = int(client.create_comment(repo, number, body)["id"])

        def put(document: dict[str, Any], cid: int = comment_id) -> None:
            document["comment_id"] = cid
            document["comment_digest"] = digest

        self.records.update(repo, number, put)
        return comment_id

    @staticmethod
    def _find(client: InstallationClient, repo: str, number: int) -> int | None:
        for comment in client.list_comments(repo, number):
            user = comment.get("user") or {}
            if user.get("type") == "Bot" and is_sticky(comment.get("body")):
                return int(comment["id"])
        return None
