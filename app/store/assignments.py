"""Who reviews: round-robin or least-loaded choice within a group, shared by replicas.

Each group has one cursor row; :meth:`AssignmentStore.choose` locks it, picks and moves it
in one transaction, so two replicas choosing at the same moment get different people.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Literal

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.store.database import Database, execute_dml, insert_ignore
from app.store.schema import AssignmentCursorRow, AssignmentRow

Strategy = Literal["round-robin", "least-loaded"]


def _rotation(candidates: Sequence[str], cursor: AssignmentCursorRow) -> list[str]:
    """``candidates`` starting after the last one chosen (or at the stored position)."""
    if cursor.last_login in candidates:
        start = candidates.index(cursor.last_login) + 1
    else:
        start = cursor.position
    start %= len(candidates)
    return [*candidates[start:], *candidates[:start]]


class AssignmentStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    def choose(
        self,
        group: str,
        candidates: Sequence[str],
        strategy: Strategy,
        *,
        exclude: Collection[str] = (),
    ) -> str | None:
        """The next member of ``group`` to ask, never one in ``exclude``; None if nobody.

        ``round-robin`` takes candidates in turn; ``least-loaded`` takes whoever has the
        fewest open assignments in the group, ties broken in round-robin order.
        """
        if strategy not in ("round-robin", "least-loaded"):
            raise ValueError(f"unknown assignment strategy {strategy!r}")
        ordered = list(dict.fromkeys(candidates))
        if not any(login not in exclude for login in ordered):
            return None
        now = self._db.now()
        with self._db.session() as session:
            insert_ignore(
                session,
                AssignmentCursorRow,
                {"group_name": group, "position": 0, "last_login": None, "updated_at": now},
            )
            cursor = session.scalars(
                select(AssignmentCursorRow)
                .where(AssignmentCursorRow.group_name == group)
                .with_for_update()
                .execution_options(populate_existing=True)
            ).one()
            eligible = [login for login in _rotation(ordered, cursor) if login not in exclude]
            if strategy == "least-loaded":
                loads = self._open_loads(session, group)
                eligible.sort(key=lambda login: loads.get(login, 0))  # stable: keeps turns
            chosen = eligible[0]
            cursor.last_login = chosen
            cursor.position = ordered.index(chosen) + 1
            cursor.updated_at = now
            return chosen

    @staticmethod
    def _open_loads(session: Session, group: str) -> dict[str, int]:
        rows = session.execute(
            select(AssignmentRow.login, func.count())
            .where(AssignmentRow.group_name == group, AssignmentRow.open.is_(True))
            .group_by(AssignmentRow.login)
        ).all()
        return {login: int(count) for login, count in rows}

    def assign(self, repository: str, number: int, group: str, login: str) -> str:
        """Record ``login`` for the PR and group, unless it has one; the assignee in effect.

        A PR keeps its first assignee for a group (reopening it counts them again).
        """
        with self._db.session() as session:
            inserted = insert_ignore(
                session,
                AssignmentRow,
                {
                    "repository": repository,
                    "number": number,
                    "group_name": group,
                    "login": login,
                    "open": True,
                    "assigned_at": self._db.now(),
                },
            )
            if inserted:
                return login
            row = session.get_one(
                AssignmentRow, (repository, number, group), populate_existing=True
            )
            if not row.open:
                row.open = True
                row.closed_at = None
            return row.login

    def assignee(self, repository: str, number: int, group: str) -> str | None:
        with self._db.session(write=False) as session:
            row = session.get(AssignmentRow, (repository, number, group))
            return None if row is None else row.login

    def close(self, repository: str, number: int) -> int:
        """Stop counting the PR's assignments as load; how many were open."""
        with self._db.session() as session:
            return execute_dml(
                session,
                update(AssignmentRow)
                .where(
                    AssignmentRow.repository == repository,
                    AssignmentRow.number == number,
                    AssignmentRow.open.is_(True),
                )
                .values(open=False, closed_at=self._db.now()),
            )

    def reassign(self, repository: str, number: int, group: str, login: str) -> None:
        """Hand the PR's assignment for ``group`` to ``login`` (its assignee is away)."""
        with self._db.session() as session:
            row = session.get(AssignmentRow, (repository, number, group), populate_existing=True)
            if row is None:
                session.add(
                    AssignmentRow(
                        repository=repository,
                        number=number,
                        group_name=group,
                        login=login,
                        open=True,
                        assigned_at=self._db.now(),
                    )
                )
            else:
                row.login = login
                row.assigned_at = self._db.now()
