"""Where the official API descriptions live, when they are present.

The fakes check every request against GitHub's, Atlassian's and Slack's published API
descriptions. Those files are not part of gatehouse; they are looked up in
``GATEHOUSE_SHARED_DIR`` or in a ``shared`` folder beside the checkout, and everything that
needs them is skipped (tests) or runs unchecked (the demo) when they are absent.
"""

from __future__ import annotations

import os
from pathlib import Path

_REPO_ROOT = Path(__file__).resolve().parents[2]


def shared_dir() -> Path | None:
    """The folder holding ``github/``, ``jira/`` and ``slack/`` descriptions, if any."""
    configured = os.environ.get("GATEHOUSE_SHARED_DIR")
    candidates = [Path(configured)] if configured else []
    candidates += [_REPO_ROOT.parent / "shared", _REPO_ROOT / "shared"]
    for candidate in candidates:
        if (candidate / "github" / "openapi").is_dir():
            return candidate
    return None


def shared_file(*parts: str) -> Path | None:
    """A file under the shared folder, or ``None`` when it (or the folder) is missing."""
    root = shared_dir()
    if root is None:
        return None
    path = root.joinpath(*parts)
    return path if path.is_file() else None
