"""What a provider's public page lists: its courses approved today, newest version of each."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from portfolio.models import Course, CourseVersion, CourseVersionStatus, Provider


def approved_courses(session: Session, provider: Provider, today: date) -> list[CourseVersion]:
    """One version per course: the newest whose approval covers `today`, by title."""
    versions = session.scalars(
        select(CourseVersion)
        .join(Course, Course.id == CourseVersion.course_id)
        .where(
            Course.provider_id == provider.id,
            CourseVersion.status == CourseVersionStatus.APPROVED,
            CourseVersion.approved_on <= today,
            CourseVersion.approved_until >= today,
        )
        .options(selectinload(CourseVersion.competency_set))
        .order_by(CourseVersion.course_id, CourseVersion.number.desc())
    ).all()
    newest: dict[int, CourseVersion] = {}
    for version in versions:
        newest.setdefault(version.course_id, version)
    return sorted(newest.values(), key=lambda v: (v.title.casefold(), v.id))
