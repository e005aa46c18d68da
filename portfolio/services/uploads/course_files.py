"""Who may read a course application's files (syllabus, instructors' résumés) besides the
person who uploaded them: the people acting for the course's provider, the course evaluators
the office asked (while their evaluation is open or sent), and administrators."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from portfolio.models import (
    Course,
    CourseEvaluation,
    CourseEvaluationStatus,
    CourseVersion,
    ProviderMember,
    Role,
    Upload,
    User,
)

READABLE = (CourseEvaluationStatus.ASSIGNED, CourseEvaluationStatus.SUBMITTED)


def may_read_course_file(session: Session, user: User, upload: Upload) -> bool:
    """True when `upload` is a file of a course version that `user` may read."""
    versions = select(CourseVersion.id, Course.provider_id).join(
        Course, Course.id == CourseVersion.course_id
    )
    versions = versions.where(
        or_(
            CourseVersion.syllabus_upload_id == upload.id,
            CourseVersion.resumes_upload_id == upload.id,
        )
    )
    rows = session.execute(versions).all()
    if not rows:
        return False
    if user.has_role(Role.ADMINISTRATOR):
        return True
    version_ids = [version_id for version_id, _ in rows]
    provider_ids = {provider_id for _, provider_id in rows}
    if user.has_role(Role.PROVIDER) and session.scalar(
        select(ProviderMember.id).where(
            ProviderMember.user_id == user.id, ProviderMember.provider_id.in_(provider_ids)
        )
    ):
        return True
    return user.has_role(Role.REVIEWER) and (
        session.scalar(
            select(CourseEvaluation.id).where(
                CourseEvaluation.evaluator_id == user.id,
                CourseEvaluation.course_version_id.in_(version_ids),
                CourseEvaluation.status.in_(READABLE),
            )
        )
        is not None
    )
