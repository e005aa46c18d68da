"""The people domain.reviewing.assignment chooses among, and the candidate they must not
conflict with.

Reads reviewer profiles, open workloads, supervisors, declared conflicts and earlier reviewers,
and hands them over as the domain's plain values, in a fixed number of queries.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from portfolio.domain.reviewing import assignment as choosing
from portfolio.models import (
    Application,
    Assignment,
    AssignmentKind,
    AssignmentStatus,
    CalibrationAnchor,
    CompetencySet,
    ConflictOfInterest,
    Enrollment,
    EnrollmentSet,
    Framework,
    ReviewerProfile,
    ReviewerQualification,
    Role,
    Submission,
    SupervisorLink,
    User,
    UserRole,
)

OPEN_KINDS = (AssignmentKind.REVIEW, AssignmentKind.ADJUDICATION)


def open_review_counts(session: Session, reviewer_ids: Iterable[int]) -> dict[int, int]:
    """Open (assigned, not yet submitted) reviews per reviewer."""
    ids = list(reviewer_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(Assignment.reviewer_id, func.count())
        .where(
            Assignment.reviewer_id.in_(ids),
            Assignment.status == AssignmentStatus.ASSIGNED,
            Assignment.kind.in_(OPEN_KINDS),
        )
        .group_by(Assignment.reviewer_id)
    ).all()
    return {int(reviewer_id): int(count) for reviewer_id, count in rows}


def profiles_for_choosing(
    session: Session, framework_slug: str, set_code: str | None, *, lock: bool = False
) -> list[choosing.ReviewerStanding]:
    """Reviewer profiles as domain values: those qualified for the set, or all (set_code None).

    With `lock`, the qualified profiles' rows stay locked (PostgreSQL) until the transaction
    ends, so two assignments made at once cannot both take a reviewer's last free place.
    """
    query = select(ReviewerProfile).options(
        selectinload(ReviewerProfile.qualifications), selectinload(ReviewerProfile.unavailability)
    )
    if set_code is not None:
        query = query.where(
            ReviewerProfile.id.in_(
                select(ReviewerQualification.profile_id).where(
                    ReviewerQualification.framework_slug == framework_slug,
                    ReviewerQualification.set_code == set_code,
                )
            )
        )
    # Only people who still hold the reviewer role: revoking it stops new assignments at once.
    query = query.where(
        ReviewerProfile.user_id.in_(select(UserRole.user_id).where(UserRole.role == Role.REVIEWER))
    )
    query = query.order_by(ReviewerProfile.id)
    if lock:
        query = query.with_for_update(of=ReviewerProfile)
    profiles = session.scalars(query).all()
    # New reviewers score a calibration anchor first, where their sets have one.
    anchored = anchored_set_codes(session, framework_slug)
    counts = open_review_counts(session, (p.user_id for p in profiles))
    return [
        choosing.ReviewerStanding(
            id=p.user_id,
            qualified_set_codes=frozenset(
                q.set_code for q in p.qualifications if q.framework_slug == framework_slug
            ),
            capacity=max(p.capacity, 1),
            open_reviews=counts.get(p.user_id, 0),
            unavailable=tuple((u.starts_on, u.ends_on) for u in p.unavailability),
            library=p.library or None,
            active=p.active,
            awaiting_calibration=must_calibrate(p, framework_slug, anchored),
        )
        for p in profiles
    ]


def candidate_for_choosing(session: Session, submission: Submission) -> choosing.Candidate:
    """The candidate of `submission` with everything that rules a reviewer out."""
    enrollment_set = submission.enrollment_set
    enrollment = enrollment_set.enrollment
    candidate_id = enrollment.user_id
    links = session.execute(
        select(SupervisorLink.supervisor_id, SupervisorLink.email).where(
            SupervisorLink.candidate_id == candidate_id
        )
    ).all()
    emails = [email.lower() for _id, email in links]
    by_email = session.scalars(select(User.id).where(func.lower(User.email).in_(emails))).all()
    supervisors = {sid for sid, _email in links if sid is not None} | set(by_email)
    declared = session.scalars(
        select(ConflictOfInterest.reviewer_id).where(
            ConflictOfInterest.candidate_id == candidate_id
        )
    ).all()
    previous = session.scalars(
        select(Assignment.reviewer_id)
        .join(Submission, Submission.id == Assignment.submission_id)
        .join(EnrollmentSet, EnrollmentSet.id == Submission.enrollment_set_id)
        .join(Enrollment, Enrollment.id == EnrollmentSet.enrollment_id)
        .join(CompetencySet, CompetencySet.id == EnrollmentSet.set_id)
        .where(
            Enrollment.user_id == candidate_id,
            CompetencySet.code == enrollment_set.competency_set.code,
            Submission.id != submission.id,
            Assignment.kind == AssignmentKind.REVIEW,
            Assignment.status == AssignmentStatus.SUBMITTED,
        )
    ).all()
    return choosing.Candidate(
        id=candidate_id,
        library=candidate_library(session, enrollment),
        supervisor_ids=frozenset(supervisors),
        conflicted_reviewer_ids=frozenset(declared),
        previous_reviewer_ids=frozenset(previous),
    )


def candidate_library(session: Session, enrollment: Enrollment) -> str | None:
    """The library the candidate works at now: their ongoing (else latest) experience entry."""
    application = session.get(Application, enrollment.application_id)
    if application is None or not application.experience:
        return None
    latest = max(
        application.experience,
        key=lambda e: (e.end_date is None, e.end_date or date.max, e.start_date, e.position),
    )
    return latest.library or None


def anchored_set_codes(session: Session, framework_slug: str) -> set[str]:
    """Codes of the sets of a program that have at least one anchor."""
    query = (
        select(CompetencySet.code)
        .join(EnrollmentSet, EnrollmentSet.set_id == CompetencySet.id)
        .join(Submission, Submission.enrollment_set_id == EnrollmentSet.id)
        .join(CalibrationAnchor, CalibrationAnchor.submission_id == Submission.id)
        .join(Enrollment, Enrollment.id == EnrollmentSet.enrollment_id)
        .join(Framework, Framework.id == Enrollment.framework_id)
        .where(Framework.slug == framework_slug)
        .distinct()
    )
    return set(session.scalars(query))


def must_calibrate(profile: ReviewerProfile, framework_slug: str, anchored: set[str]) -> bool:
    """Whether the reviewer must score an anchor before any real review of this program."""
    return profile.calibrated_at is None and any(
        q.framework_slug == framework_slug and q.set_code in anchored
        for q in profile.qualifications
    )
