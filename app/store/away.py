"""Away periods members set for themselves on ``/me``.

Dates are calendar days (ISO ``YYYY-MM-DD``) in the SLA timezone, both days included, the
same form as ``away`` in ``groups.yml``: a member away "from the 21st to the 4th" is away
on both of those days wherever the server runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, select

from app.store.database import Database, execute_dml
from app.store.schema import AwayPeriodRow

MAX_PERIODS = 50


class AwayPeriodError(ValueError):
    """A period that cannot be stored, with the reason shown to the member."""


@dataclass(frozen=True, slots=True)
class AwayPeriod:
    id: int
    login: str
    first_day: date
    last_day: date

    def covers(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day


class AwayStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    def periods(self, login: str | None = None) -> list[AwayPeriod]:
        """Every stored period (of one member when ``login`` is given), earliest first."""
        query = select(AwayPeriodRow).order_by(AwayPeriodRow.first_day, AwayPeriodRow.id)
        if login is not None:
            query = query.where(AwayPeriodRow.login == login.lower())
        with self._db.session(write=False) as session:
            return [
                AwayPeriod(
                    row.id,
                    row.login,
                    date.fromisoformat(row.first_day),
                    date.fromisoformat(row.last_day),
                )
                for row in session.scalars(query)
            ]

    def add(self, login: str, first_day: date, last_day: date) -> AwayPeriod:
        if last_day < first_day:
            raise AwayPeriodError("the last day comes before the first")
        if (last_day - first_day).days > 366:
            raise AwayPeriodError("a period may last at most a year")
        if len(self.periods(login)) >= MAX_PERIODS:
            raise AwayPeriodError(f"at most {MAX_PERIODS} periods per member")
        row = AwayPeriodRow(
            login=login.lower(),
            first_day=first_day.isoformat(),
            last_day=last_day.isoformat(),
            created_at=self._db.now(),
        )
        with self._db.session() as session:
            session.add(row)
            session.flush()
            return AwayPeriod(row.id, row.login, first_day, last_day)

    def remove(self, login: str, period_id: int) -> bool:
        """Remove one of ``login``'s own periods; False when it has no such period."""
        with self._db.session() as session:
            statement = delete(AwayPeriodRow).where(
                AwayPeriodRow.id == period_id, AwayPeriodRow.login == login.lower()
            )
            return execute_dml(session, statement) == 1


def stored_away_on(store: AwayStore, day: date) -> frozenset[str]:
    """Logins (lower case) with a stored period covering ``day``."""
    return frozenset(p.login for p in store.periods() if p.covers(day))
