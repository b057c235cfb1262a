"""Find Jira issue keys in a pull request's title, head branch and body."""

from __future__ import annotations

import re
from dataclasses import dataclass

# A key is a project key (a letter, then letters, digits or underscores) and a number.
# Branches spell it inside words (feature/LFXV2-302-backup), so only letters may not
# touch it on the left, and digits may not continue it on the right.
KEY = re.compile(r"(?<![A-Za-z0-9_])([A-Z][A-Z0-9_]+-[1-9]\d*)(?!\d)")


@dataclass(frozen=True)
class FoundKey:
    key: str
    where: str


def find_keys(title: str, head_ref: str, body: str) -> list[FoundKey]:
    """Keys in order of precedence (title, branch, body), each once."""
    seen: dict[str, FoundKey] = {}
    for where, text in (("title", title), ("branch", head_ref), ("description", _strip_code(body))):
        for match in KEY.finditer(text or ""):
            seen.setdefault(match.group(1), FoundKey(match.group(1), where))
    return list(seen.values())


def _strip_code(body: str) -> str:
    """Keys inside code blocks and quotes are examples, not references."""
    without_fences = re.sub(r"```.*?```", " ", body or "", flags=re.S)
    return "\n".join(
        line for line in without_fences.splitlines() if not line.lstrip().startswith(">")
    )
