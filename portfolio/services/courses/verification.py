"""The program office's check of course evidence: a completion a candidate reported with proof
(a course picked from the catalogue), or a course typed as free text before the catalogue
existed; the office verifies it (which may certify them) or returns it with a written reason.

Verified is the office's status alone (services.enrollment.enroll keeps candidates from setting or
changing it). Everything here flushes; the request commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.dates import format_date
from portfolio.domain.errors import Conflict
from portfolio.domain.notifications import Kind
from portfolio.domain.reasons import written_reason
from portfolio.models import (
    CertificationDecision,
    CompletionStatus,
    CourseCompletion,
    CourseStatus,
    Enrollment,
    EnrollmentSet,
    EnrollmentStatus,
    Route,
    User,
)
from portfolio.models.base import utcnow
from portfolio.services import audit
from portfolio.services.certification import evaluation
from portfolio.services.links import page_url
from portfolio.services.notifications import notify

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
    candidate_id: int
    candidate_email: str


def typed_waiting() -> tuple[ColumnElement[bool], ...]:
    return (
        EnrollmentSet.route == Route.COURSE,
        EnrollmentSet.course_status == CourseStatus.COMPLETED,
        # A decided enrollment is over: its courses no longer wait for anyone.
        EnrollmentSet.enrollment_id.in_(
            select(Enrollment.id).where(Enrollment.status == EnrollmentStatus.ACTIVE)
        ),
    )


def count_courses_to_verify(session: Session) -> int:
    total = session.scalar(select(func.count(EnrollmentSet.id)).where(*typed_waiting()))
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
            "To meet the set, choose your course from the catalogue and report its completion with "
            "proof: "
            f"{page_url(routes_path) or 'sign in to Portfolio, then open Electives and routes'}."
        ),
    )


# --- completions reported with proof (chosen from the catalogue) ----------------------------


@dataclass(frozen=True, slots=True)
class CompletionRow:
    """One reported completion waiting for the office, with what it is checked against."""

    completion_id: int
    version: int
    candidate_name: str
    set_code: str
    set_name: str
    course_title: str
    provider_name: str
    provider_slug: str
    approved_on: date | None
    approved_until: date | None
    completed_on: date
    reported_at: datetime
    proof_upload_id: int | None
    proof_name: str
    candidate_id: int
    candidate_email: str


def completion_waiting() -> tuple[ColumnElement[bool], ...]:
    return (
        CourseCompletion.status == CompletionStatus.REPORTED,
        EnrollmentSet.course_status == CourseStatus.COMPLETED,
        EnrollmentSet.enrollment_id.in_(
            select(Enrollment.id).where(Enrollment.status == EnrollmentStatus.ACTIVE)
        ),
    )


def count_completions_to_verify(session: Session) -> int:
    total = session.scalar(
        select(func.count(CourseCompletion.id))
        .join(EnrollmentSet, EnrollmentSet.id == CourseCompletion.enrollment_set_id)
        .where(*completion_waiting())
    )
    return int(total or 0)


def _require_reported(completion: CourseCompletion, expected_version: int | None) -> None:
    if completion.status is CompletionStatus.VERIFIED:
        raise Conflict("This completion is already verified.")
    if completion.status is CompletionStatus.RETURNED:
        raise Conflict("This completion was returned to the candidate already.")
    if expected_version is not None and expected_version != completion.version:
        raise Conflict(CHANGED_SINCE_LOADED)


def _completion_details(completion: CourseCompletion) -> dict[str, object]:
    item = completion.enrollment_set
    return {
        "enrollment_set_id": item.id,
        "enrollment_id": item.enrollment_id,
        "set_code": item.competency_set.code,
        "course_version_id": completion.course_version_id,
        "course_title": completion.course_version.title,
        "completed_on": completion.completed_on.isoformat(),
        "proof_upload_id": completion.proof_upload_id,
    }


def verify_completion(
    session: Session,
    completion: CourseCompletion,
    *,
    actor: User,
    today: date,
    expected_version: int | None = None,
) -> CertificationDecision | None:
    """The office checked the proof: the completion counts and the set is met by the course
    (audited); then the enrollment is evaluated, as verify_course does."""
    _require_reported(completion, expected_version)
    item = completion.enrollment_set
    _require_undecided(session, item)
    completion.status = CompletionStatus.VERIFIED
    completion.verified_by_id = actor.id
    completion.verified_at = utcnow()
    item.course_status = CourseStatus.VERIFIED
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=AuditAction.COURSE_VERIFIED,
        object_type="course_completion",
        object_id=completion.id,
        details=_completion_details(completion),
    )
    _tell_verified(session, completion)
    return evaluation.evaluate_enrollment(session, item.enrollment, today, actor=actor)


def return_completion(
    session: Session,
    completion: CourseCompletion,
    *,
    actor: User,
    reason: str,
    expected_version: int | None = None,
) -> None:
    """The proof does not show the completion: returned with a written reason (audited), the
    course is in progress again, and the candidate is emailed after the commit."""
    _require_reported(completion, expected_version)
    item = completion.enrollment_set
    _require_undecided(session, item)
    reason = written_reason(reason)
    completion.status = CompletionStatus.RETURNED
    completion.returned_reason = reason
    completion.verified_by_id = actor.id
    completion.verified_at = utcnow()
    item.course_status = CourseStatus.IN_PROGRESS
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=AuditAction.COURSE_RETURNED,
        object_type="course_completion",
        object_id=completion.id,
        details={**_completion_details(completion), "reason": reason},
    )
    candidate = item.enrollment.user
    path = f"/me/enrollment-sets/{item.id}/course"
    notify(
        session,
        user=candidate,
        kind=Kind.COURSE_RETURNED,
        link=path,
        subject=f"Your course completion could not be verified: {item.competency_set.name}",
        body=(
            f"Hello {candidate.name},\n\nThe program office could not confirm from your proof "
            f"that you completed {completion.course_version.title}. Their reason:\n\n{reason}\n\n"
            "You can report the completion again with a clearer signed form or certificate: "
            f"{page_url(path) or 'sign in to Portfolio, then open Electives and routes'}."
        ),
    )


def _tell_verified(session: Session, completion: CourseCompletion) -> None:
    item = completion.enrollment_set
    candidate = item.enrollment.user
    notify(
        session,
        user=candidate,
        kind=Kind.OUTCOME,
        link="/me/",
        subject=f"Your course is verified: {item.competency_set.name}",
        body=(
            f"Hello {candidate.name},\n\nThe program office verified that you completed "
            f"{completion.course_version.title} on {format_date(completion.completed_on)}. It "
            f"meets {item.competency_set.name}.\n\n"
            f"{page_url('/me/') or 'Sign in to Portfolio to see your progress.'}"
        ),
    )
