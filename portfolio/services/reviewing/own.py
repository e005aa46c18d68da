"""A reviewer's own assignments, as a list the JSON API pages through by cursor (the queue page
shows the same assignments: services.reviewing.queues)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, defer, selectinload

from portfolio.models import Assignment, AssignmentStatus, EnrollmentSet, Submission, User
from portfolio.services.cursor_pages import objects_query
from portfolio.services.listing import ListQuery

WITH_SET = (
    selectinload(Assignment.submission).options(
        defer(Submission.snapshot),
        defer(Submission.snapshot_html),
        selectinload(Submission.enrollment_set).selectinload(EnrollmentSet.competency_set),
    ),
)


def own_assignments(
    session: Session, reviewer: User, status: AssignmentStatus | None = None
) -> ListQuery[Any]:
    where = [Assignment.reviewer_id == reviewer.id]
    if status is not None:
        where.append(Assignment.status == status)
    return objects_query(
        session, Assignment, *where, options=WITH_SET, sorts={"due_on": Assignment.due_on}
    )


def find_own_assignment(session: Session, reviewer: User, assignment_id: int) -> Assignment | None:
    """The assignment if it is `reviewer`'s, else None (another's looks missing)."""
    found = session.get(Assignment, assignment_id, options=WITH_SET)
    if found is None or found.reviewer_id != reviewer.id:
        return None
    return found
