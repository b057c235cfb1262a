"""Away periods: stored per member from ``/me``, joined with ``groups.yml``'s, by day in
the SLA timezone."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from app.policy.loader import load_rules_dir
from app.pulls.availability import Availability
from app.settings import SHIPPED_RULES
from app.store import Database
from app.store.away import AwayPeriodError, AwayStore


def test_periods_are_kept_per_member_and_only_their_owner_removes_them(database: Database) -> None:
    store = AwayStore(database)
    mine = store.add("Alan-Sherman", date(2026, 12, 21), date(2027, 1, 4))
    store.add("antonia-gaete", date(2026, 12, 24), date(2026, 12, 24))
    assert [(p.first_day, p.last_day) for p in store.periods("alan-sherman")] == [
        (date(2026, 12, 21), date(2027, 1, 4))
    ]
    assert store.remove("antonia-gaete", mine.id) is False
    assert store.remove("alan-sherman", mine.id) is True
    assert store.periods("alan-sherman") == []
    with pytest.raises(AwayPeriodError, match="before the first"):
        store.add("alan-sherman", date(2027, 1, 4), date(2026, 12, 21))


def test_today_is_the_day_in_the_sla_timezone_and_both_ends_count(database: Database) -> None:
    ruleset = load_rules_dir(SHIPPED_RULES)  # America/Los_Angeles
    store = AwayStore(database)
    store.add("alan-sherman", date(2026, 12, 21), date(2027, 1, 4))
    # 2027-01-05 03:00 UTC is still the 4th in Los Angeles: the last day, still away.
    late = Availability(store, lambda: datetime(2027, 1, 5, 3, 0, tzinfo=UTC))
    assert "alan-sherman" in late.away(ruleset)
    after = Availability(store, lambda: datetime(2027, 1, 5, 9, 0, tzinfo=UTC))
    assert "alan-sherman" not in after.away(ruleset)
    first = Availability(store, lambda: datetime(2026, 12, 21, 9, 0, tzinfo=UTC))
    assert "alan-sherman" in first.away(ruleset)  # 01:00 on the 21st in Los Angeles


def test_away_in_groups_yml_counts_too(database: Database, tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(SHIPPED_RULES, rules)
    groups = rules / "groups.yml"
    groups.write_text(
        groups.read_text().replace(
            "        slack_user_id: U0PLATF002\n",
            "        slack_user_id: U0PLATF002\n        away: [{from: 2026-12-21, to: 2027-01-04}]\n",
            1,
        )
    )
    ruleset = load_rules_dir(rules)
    during = Availability(AwayStore(database), lambda: datetime(2026, 12, 28, 18, 0, tzinfo=UTC))
    assert during.away(ruleset) == {"antonia-gaete"}
    before = Availability(AwayStore(database), lambda: datetime(2026, 12, 20, 18, 0, tzinfo=UTC))
    assert before.away(ruleset) == frozenset()
