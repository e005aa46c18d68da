"""The program office's check of approved courses: a candidate marks a course completed, the
office verifies it (which may certify them) or returns it with a written reason.

Verified is the office's status alone (services.enrollment.enroll keeps candidates from setting or
changing it). Everything here flushes; the request commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, String, cast, func, select
from sqlalchemy.orm import Session

from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.errors import Conflict
from portfolio.domain.notifications import Kind
from portfolio.domain.reasons import written_reason
from portfolio.models import (
    AuditEvent,
    CertificationDecision,
    CompetencySet,
    CourseStatus,
    Enrollment,
    EnrollmentSet,
    EnrollmentStatus,
    Framework,
    Route,
    User,
)
from portfolio.services import audit
from portfolio.services.certification import evaluation
from portfolio.services.links import page_url
from portfolio.services.notifications import notify

QUEUE_LIMIT = 200
CHANGED_SINCE_LOADED = (
    "The candidate changed this course after you opened the page. Reload the page to see the "
    "course as it stands now, then check it again."
)


@dataclass(frozen=True, slots=True)
class CourseRow:
    """One course waiting for the office; `version` goes back with the form."""

    enrollment_set_id: int
    version: int
    candidate_name: str
    program: str
    set_code: str
    set_name: str
    course_name: str
    course_provider: str
    marked_completed_at: datetime | None  # the candidate's last route change; None if unknown


def _waiting() -> tuple[ColumnElement[bool], ...]:
    return (
        EnrollmentSet.route == Route.COURSE,
        EnrollmentSet.course_status == CourseStatus.COMPLETED,
        # A decided enrollment is over: its courses no longer wait for anyone.
        EnrollmentSet.enrollment_id.in_(
            select(Enrollment.id).where(Enrollment.status == EnrollmentStatus.ACTIVE)
        ),
    )


def courses_to_verify(session: Session) -> list[CourseRow]:
    """Courses their candidates marked completed, the longest waiting first (the first 200).

    One query: when each was marked completed comes from the audit trail (the latest route
    change of the set, which is what made it completed).
    """
    marked = (
        select(func.max(AuditEvent.at))
        .where(
            AuditEvent.object_type == "enrollment_set",
            AuditEvent.object_id == cast(EnrollmentSet.id, String),
            AuditEvent.action == AuditAction.ENROLLMENT_ROUTE_CHOSEN,
        )
        .correlate(EnrollmentSet)
        .scalar_subquery()
    )
    rows = session.execute(
        select(
            EnrollmentSet.id,
            EnrollmentSet.version,
            User.name,
            Framework.name,
            CompetencySet.code,
            CompetencySet.name,
            EnrollmentSet.course_name,
            EnrollmentSet.course_provider,
            marked,
        )
        .join(Enrollment, Enrollment.id == EnrollmentSet.enrollment_id)
        .join(User, User.id == Enrollment.user_id)
        .join(Framework, Framework.id == Enrollment.framework_id)
        .join(CompetencySet, CompetencySet.id == EnrollmentSet.set_id)
        .where(*_waiting())
        .order_by(marked.asc().nulls_first(), EnrollmentSet.id)
        .limit(QUEUE_LIMIT)
    )
    return [CourseRow(*row) for row in rows]


def count_courses_to_verify(session: Session) -> int:
    total = session.scalar(select(func.count(EnrollmentSet.id)).where(*_waiting()))
    return int(total or 0)


def verify_course(
    session: Session,
    enrollment_set: EnrollmentSet,
    *,
    actor: User,
    today: date,
    expected_version: int | None = None,
) -> CertificationDecision | None:
    """Mark the candidate's completed course verified (audited), then evaluate the enrollment:
    verifying the last missing set certifies the candidate and issues the certificate.

    Returns the certification decision (recorded now or before), or None while other sets are
    still missing. Conflict unless the course is marked completed, or when `expected_version`
    (the version the office looked at) is no longer the stored one. A change committed by
    another request meanwhile raises StaleDataError at the flush (the app's 409).
    """
    _require_completed(enrollment_set, "This course is already verified.")
    _require_undecided(session, enrollment_set)
    _require_version(enrollment_set, expected_version)
    enrollment_set.course_status = CourseStatus.VERIFIED
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=AuditAction.COURSE_VERIFIED,
        object_type="enrollment_set",
        object_id=enrollment_set.id,
        details=_course_details(enrollment_set),
    )
    return evaluation.evaluate_enrollment(session, enrollment_set.enrollment, today, actor=actor)


def return_course(
    session: Session,
    enrollment_set: EnrollmentSet,
    *,
    actor: User,
    reason: str,
    expected_version: int | None = None,
) -> None:
    """The office cannot confirm the completion: the course goes back to in progress, with a
    written reason (audited) that the candidate is emailed after the commit.

    Conflict as for verify_course; InvalidInput (field "reason") for a missing or long reason.
    """
    _require_completed(enrollment_set, "This course is verified, so it can no longer be returned.")
    _require_undecided(session, enrollment_set)
    _require_version(enrollment_set, expected_version)
    reason = written_reason(reason)
    enrollment_set.course_status = CourseStatus.IN_PROGRESS
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=AuditAction.COURSE_RETURNED,
        object_type="enrollment_set",
        object_id=enrollment_set.id,
        details={**_course_details(enrollment_set), "reason": reason},
    )
    _tell_returned(session, enrollment_set, reason)


def _require_completed(enrollment_set: EnrollmentSet, verified_message: str) -> None:
    status = enrollment_set.course_status
    if enrollment_set.route != Route.COURSE or status is None:
        raise Conflict("The candidate has not chosen a course for this set.")
    if status is CourseStatus.VERIFIED:
        raise Conflict(verified_message)
    if status is not CourseStatus.COMPLETED:
        raise Conflict("The candidate has not marked this course completed yet.")


def _require_undecided(session: Session, enrollment_set: EnrollmentSet) -> None:
    decision = evaluation.decision_of(session, enrollment_set.enrollment)
    if decision is not None:
        raise Conflict(
            f"The candidate's certification is already decided ({decision.status.label}), "
            "so this course can no longer change."
        )


def _require_version(enrollment_set: EnrollmentSet, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != enrollment_set.version:
        raise Conflict(CHANGED_SINCE_LOADED)


def _course_details(enrollment_set: EnrollmentSet) -> dict[str, object]:
    return {
        "enrollment_id": enrollment_set.enrollment_id,
        "set_code": enrollment_set.competency_set.code,
        "course_name": enrollment_set.course_name,
        "course_provider": enrollment_set.course_provider,
    }


def _tell_returned(session: Session, enrollment_set: EnrollmentSet, reason: str) -> None:
    candidate = enrollment_set.enrollment.user
    set_name = enrollment_set.competency_set.name
    routes_path = f"/me/enrollments/{enrollment_set.enrollment_id}/electives#routes"
    notify(
        session,
        user=candidate,
        kind=Kind.COURSE_RETURNED,
        link=routes_path,
        subject=f"Your course could not be verified: {set_name}",
        body=(
            f"Hello {candidate.name},\n\nThe program office could not confirm that you "
            f"completed {enrollment_set.course_name} ({enrollment_set.course_provider}) for "
            f"{set_name}. Their reason:\n\n{reason}\n\nThe course is marked in progress again. "
            "When you can show it is complete, mark it completed once more: "
            f"{page_url(routes_path) or 'sign in to Portfolio, then open Electives and routes'}."
        ),
    )
