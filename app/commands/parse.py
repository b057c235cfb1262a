"""Read a command from the first line of a new pull-request comment.

Only the first line can hold a command; the words after it (and the lines below) are its
argument. A first line that is a quote, a code fence or indented code never triggers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

USAGE: dict[str, str] = {
    "expedite": "/expedite REASON — ask for expedited review (urgent production issue or "
    "security vulnerability); the reason is required",
    "recheck": "/recheck — evaluate this pull request again now",
    "disagree": "/disagree RATIONALE — after changes were requested: record why you "
    "disagree and start the 24-hour joint review",
    "decision": "/decision approve|reject RATIONALE — engineering management's final "
    "decision on an open disagreement",
    "arch-review": "/arch-review — put this pull request on the next architecture review agenda",
    "arch-decision": "/arch-decision approve|changes|reject RATIONALE — the Architectural "
    "Team's outcome of the weekly architecture review call for this pull request",
    "verified": "/verified [NOTE] — Platform Engineering: the merged change, once deployed, "
    "meets its approved specification",
    "verification-failed": "/verification-failed NOTE — Platform Engineering: the merged "
    "change does not meet its approved specification; the note is required",
}
ARCH_VERDICTS = ("approve", "changes", "reject")
_COMMAND = re.compile(r"^/([A-Za-z][A-Za-z0-9_-]*)(?:\s+(.*))?$")


@dataclass(frozen=True)
class Command:
    name: str
    argument: str
    verdict: str | None = None
    """For ``/decision``: ``approve`` or ``reject``; for ``/arch-decision`` also ``changes``."""


@dataclass(frozen=True)
class Malformed:
    name: str
    problem: str

    @property
    def usage(self) -> str:
        if self.name in USAGE:
            return f"Usage: `{USAGE[self.name]}`"
        return "Commands: " + "; ".join(f"`{u.split(' — ')[0]}`" for u in USAGE.values())


def parse_command(body: str) -> Command | Malformed | None:
    """The command in ``body``, a :class:`Malformed` one to answer, or ``None``."""
    lines = (body or "").replace("\r\n", "\n").split("\n")
    first = lines[0]
    if not first.startswith("/"):
        return None
    match = _COMMAND.match(first.strip())
    if match is None:
        return None
    name = match.group(1).lower()
    rest = "\n".join([match.group(2) or "", *lines[1:]]).strip()
    if name not in USAGE:
        return Malformed(name, f"`/{name}` is not a gatehouse command.")
    if name in ("recheck", "arch-review", "verified"):
        return Command(name, rest)
    if name == "decision":
        verdict, _, rationale = rest.partition(" ")
        verdict = verdict.strip().lower()
        if verdict not in ("approve", "reject"):
            return Malformed(name, "say `approve` or `reject` first.")
        if not rationale.strip():
            return Malformed(name, "the rationale is required.")
        return Command(name, rationale.strip(), verdict)
    if name == "arch-decision":
        return _arch_decision(rest)
    if not rest:
        what = {"expedite": "reason", "verification-failed": "note"}.get(name, "rationale")
        return Malformed(name, f"the {what} is required.")
    return Command(name, rest)


def _arch_decision(rest: str) -> Command | Malformed:
    """The verdict is the first word (any whitespace after it); the rationale is the rest."""
    words = rest.split(maxsplit=1)
    verdict = words[0].lower() if words else ""
    if verdict not in ARCH_VERDICTS:
        return Malformed("arch-decision", "say `approve`, `changes` or `reject` first.")
    rationale = words[1].strip() if len(words) > 1 else ""
    if not rationale:
        return Malformed("arch-decision", "the rationale is required.")
    return Command("arch-decision", rationale, verdict)
