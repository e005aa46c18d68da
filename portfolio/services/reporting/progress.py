"""Each enrollment's progress tally (models.progress): rebuilt from its sets and submissions,
and checked against them.

The triggers keep the tally as rows change; `rebuild` is for a database whose tally was made
before a change to what a counter counts (`flask reports retally`), and `drifted` lists the
enrollments whose tally differs from a recount (the check behind every test's teardown).
"""

from __future__ import annotations

from sqlalchemy import Connection, delete, func, select, text
from sqlalchemy.orm import Session

from portfolio.models import EnrollmentProgress
from portfolio.models.progress import COUNTER_COLUMNS, recount_select, recount_statement


def rebuild(session: Session) -> int:
    """Recount every enrollment's tally; returns the number of enrollments."""
    if session.get_bind().dialect.name == "postgresql":
        # Every write to a set or a submission updates the tally through its trigger, so this
        # one lock makes writers wait for the rebuild (and the rebuild for writers not yet
        # committed) rather than adding to rows it is replacing; it conflicts with itself, so
        # two rebuilds take turns. One lock, so no lock order to get wrong. (SQLite has one
        # writer at a time anyway.)
        session.execute(text("LOCK TABLE enrollment_progress IN SHARE ROW EXCLUSIVE MODE"))
    session.execute(delete(EnrollmentProgress))
    session.execute(text(recount_statement()))
    session.flush()
    return session.scalar(select(func.count()).select_from(EnrollmentProgress)) or 0


def drifted(connection: Connection | Session) -> list[int]:
    """The ids of enrollments whose tally differs from a recount of their rows (none, always)."""
    differs = " OR ".join(f"coalesce(p.{column}, 0) <> r.{column}" for column in COUNTER_COLUMNS)
    recount = recount_select()
    statement = text(
        f"SELECT r.enrollment_id FROM ({recount}) r LEFT JOIN enrollment_progress p "  # noqa: S608 - SQL from constants
        f"ON p.enrollment_id = r.enrollment_id WHERE {differs} ORDER BY r.enrollment_id"
    )
    return list(connection.execute(statement).scalars())
