"""What the service knows about a pull request beyond the evaluation itself.

The evaluation says what is required and why; the context adds what gatehouse did about
it (who was asked, the Jira ticket, SLA due times), so every surface can show next steps.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class TicketInfo:
    """The Jira side: ``state`` is linked, created, pending, off, missing, invalid or failed."""

    state: str
    key: str | None = None
    url: str | None = None
    note: str = ""


@dataclass(frozen=True)
class DueInfo:
    """An SLA due time, already formatted in the SLA timezone, e.g.
    ``2026-11-30 16:00 PST (in 3 business hours)``."""

    text: str
    overdue: bool = False
    kind: str = "feedback"


@dataclass(frozen=True)
class PullContext:
    repository: str = ""
    number: int | None = None
    pr_url: str = ""
    details_url: str = ""
    author: str = ""
    requested: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    ticket: TicketInfo | None = None
    due: Mapping[str, DueInfo] = field(default_factory=dict)
    expedited: bool = False
    notes: tuple[str, ...] = ()
    disagreement: str | None = None
