"""Everything about one person on one page, for administrators: their account and roles,
applications and what they paid, enrollments with each set and its latest submission,
certificates and decisions, the reviews they were given (as a reviewer), the providers they act
for, and the latest of their history.

One query per section, each bounded, so the page costs the same for a person with one
application as for one with many years of history.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased, joinedload, load_only, selectinload

from portfolio.domain.errors import NotFound
from portfolio.models import (
    Application,
    Assignment,
    AuditEvent,
    Certificate,
    CertificationDecision,
    CompetencySet,
    Enrollment,
    EnrollmentSet,
    Payment,
    Provider,
    ProviderMember,
    ReviewerProfile,
    Submission,
    User,
)

SECTION_LIMIT = 50  # rows per section; the lists linked from each hold the rest


@dataclass(frozen=True)
class PersonFile:
    person: User
    applications: list[Application]
    payments: list[Payment]
    enrollments: list[Enrollment]
    latest_submission: dict[int, Submission]  # enrollment set id -> its latest submission
    certificates: list[Certificate]
    decisions: list[CertificationDecision]
    reviewer_profile: ReviewerProfile | None
    assignments: list[Any]  # rows: id, status, kind, due_on, set code, candidate name
    providers: list[Provider]
    history: list[AuditEvent]


def person_file(session: Session, user_id: int) -> PersonFile:
    person = session.scalar(
        select(User).where(User.id == user_id).options(selectinload(User.roles))
    )
    if person is None:
        raise NotFound("We could not find that person.")
    applications = list(
        session.scalars(
            select(Application)
            .where(Application.user_id == user_id)
            .options(joinedload(Application.framework))
            .order_by(Application.id.desc())
            .limit(SECTION_LIMIT)
        )
    )
    payments = list(
        session.scalars(
            select(Payment)
            .join(Application, Application.id == Payment.application_id)
            .where(Application.user_id == user_id)
            .order_by(Payment.received_on.desc(), Payment.id.desc())
            .limit(SECTION_LIMIT)
        )
    )
    enrollments = list(
        session.scalars(
            select(Enrollment)
            .where(Enrollment.user_id == user_id)
            .options(
                joinedload(Enrollment.framework),
                selectinload(Enrollment.sets).joinedload(EnrollmentSet.competency_set),
            )
            .order_by(Enrollment.id.desc())
            .limit(SECTION_LIMIT)
        )
    )
    newest = (
        select(func.max(Submission.id))
        .join(EnrollmentSet, EnrollmentSet.id == Submission.enrollment_set_id)
        .join(Enrollment, Enrollment.id == EnrollmentSet.enrollment_id)
        .where(Enrollment.user_id == user_id)
        .group_by(Submission.enrollment_set_id)
    )
    latest = {
        submission.enrollment_set_id: submission
        for submission in session.scalars(
            select(Submission)
            .where(Submission.id.in_(newest))
            # The page names each submission; its frozen documents (often large) stay behind.
            .options(
                load_only(Submission.enrollment_set_id, Submission.attempt, Submission.submitted_at)
            )
            .limit(SECTION_LIMIT * 10)
        )
    }
    certificates = list(
        session.scalars(
            select(Certificate)
            .where(Certificate.user_id == user_id)
            .order_by(Certificate.id.desc())
            .limit(SECTION_LIMIT)
        )
    )
    decisions = list(
        session.scalars(
            select(CertificationDecision)
            .join(Enrollment, Enrollment.id == CertificationDecision.enrollment_id)
            .where(Enrollment.user_id == user_id)
            .order_by(CertificationDecision.id.desc())
            .limit(SECTION_LIMIT)
        )
    )
    profile = session.scalar(
        select(ReviewerProfile)
        .where(ReviewerProfile.user_id == user_id)
        .options(selectinload(ReviewerProfile.qualifications))
    )
    candidate = aliased(User)
    reviews = list(
        session.execute(
            select(
                Assignment.id,
                Assignment.status,
                Assignment.kind,
                Assignment.due_on,
                CompetencySet.code,
                candidate.name,
            )
            .join(Submission, Submission.id == Assignment.submission_id)
            .join(EnrollmentSet, EnrollmentSet.id == Submission.enrollment_set_id)
            .join(CompetencySet, CompetencySet.id == EnrollmentSet.set_id)
            .join(Enrollment, Enrollment.id == EnrollmentSet.enrollment_id)
            .join(candidate, candidate.id == Enrollment.user_id)
            .where(Assignment.reviewer_id == user_id)
            .order_by(Assignment.id.desc())
            .limit(SECTION_LIMIT)
        )
    )
    providers = list(
        session.scalars(
            select(Provider)
            .join(ProviderMember, ProviderMember.provider_id == Provider.id)
            .where(ProviderMember.user_id == user_id)
            .order_by(Provider.name)
            .limit(SECTION_LIMIT)
        )
    )
    history = list(
        session.scalars(
            select(AuditEvent)
            .where(
                or_(
                    AuditEvent.actor_id == user_id,
                    (AuditEvent.object_type == "user") & (AuditEvent.object_id == str(user_id)),
                )
            )
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .limit(SECTION_LIMIT)
        )
    )
    return PersonFile(
        person,
        applications,
        payments,
        enrollments,
        latest,
        certificates,
        decisions,
        profile,
        reviews,
        providers,
        history,
    )
