"""Who is away today: ``away`` periods in ``groups.yml`` and those members set on ``/me``.

"Today" is the calendar day in the SLA timezone (SPEC section 10), so a period ending on
the 4th ends at midnight where the team works, wherever the server runs.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from app.policy.model import RuleSet
from app.store.away import AwayStore, stored_away_on


class Availability:
    def __init__(self, store: AwayStore, now: Callable[[], datetime]) -> None:
        self._store = store
        self._now = now

    def today(self, ruleset: RuleSet) -> date:
        return self._now().astimezone(ZoneInfo(ruleset.settings.sla.timezone)).date()

    def away(self, ruleset: RuleSet, day: date | None = None) -> frozenset[str]:
        """Logins (lower case) away on ``day`` (default: today)."""
        day = day or self.today(ruleset)
        configured = {
            member.github.lower()
            for group in ruleset.groups.values()
            for member in group.members
            if any(period.covers(day) for period in member.away)
        }
        return frozenset(configured) | stored_away_on(self._store, day)
