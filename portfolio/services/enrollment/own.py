"""A person's own enrollments with their sets, as a list the JSON API pages through by cursor."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, selectinload

from portfolio.models import Enrollment, EnrollmentSet, EnrollmentStatus, User
from portfolio.services.cursor_pages import objects_query
from portfolio.services.listing import ListQuery

WITH_SETS = (
    selectinload(Enrollment.framework),
    selectinload(Enrollment.sets).selectinload(EnrollmentSet.competency_set),
)


def own_enrollments(
    session: Session, owner: User, status: EnrollmentStatus | None = None
) -> ListQuery[Any]:
    where = [Enrollment.user_id == owner.id]
    if status is not None:
        where.append(Enrollment.status == status)
    return objects_query(session, Enrollment, *where, options=WITH_SETS)


def find_enrollment(session: Session, enrollment_id: int) -> Enrollment | None:
    """One enrollment with its sets (the caller checks whose it is)."""
    return session.get(Enrollment, enrollment_id, options=WITH_SETS)
