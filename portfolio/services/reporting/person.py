"""Everything about one person on one page, for administrators: their account and roles,
applications and what they paid, enrollments with each set and its latest submission,
certificates and decisions, the reviews they were given (as a reviewer), the providers they act
for, and the latest of their history.

One query per section, each bounded, so the page costs the same for a person with one
application as for one with many years of history. Each section reads the columns the page
shows as plain rows, not mapped objects: on a page of a few dozen rows, building objects (and
loading their collections with queries of their own) cost as much as the queries did.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Integer, String, bindparam, func, or_, select
from sqlalchemy.orm import Session, aliased

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
    EnrollmentStatus,
    Framework,
    Payment,
    Provider,
    ProviderMember,
    ReviewerProfile,
    ReviewerQualification,
    Role,
    Submission,
    User,
    UserRole,
)
from portfolio.services.listing import AnyRow

SECTION_LIMIT = 50  # rows per section; the lists linked from each hold the rest


@dataclass(frozen=True, slots=True)
class Person:
    id: int
    name: str
    email: str
    is_confirmed: bool
    created_at: datetime
    last_sign_in_at: datetime | None
    role_names: frozenset[Role]


@dataclass(frozen=True, slots=True)
class EnrollmentLine:
    status: EnrollmentStatus
    enrolled_on: date
    window_ends_on: date
    program: str
    # rows: id, code, name, route, status, course_status, and the latest submission's
    # submission_id,
    # attempt and submitted_at (None when the set has none)
    sets: list[AnyRow]


@dataclass(frozen=True, slots=True)
class ProfileLine:
    active: bool
    capacity: int
    qualifications: list[AnyRow]  # rows: framework_slug, set_code


@dataclass(frozen=True)
class PersonFile:
    person: Person
    applications: list[AnyRow]  # rows: id, status, submitted_at, hours_counted, program
    payments: list[AnyRow]  # rows: received_on, kind, amount_cents, method, reference
    enrollments: list[EnrollmentLine]
    certificates: list[AnyRow]  # rows: id, number, issued_on, expires_on, revoked_at
    decisions: list[AnyRow]  # rows: id, status, decided_at
    reviewer_profile: ProfileLine | None
    assignments: list[AnyRow]  # rows: id, status, kind, due_on, set code, candidate name
    providers: list[AnyRow]  # rows: slug, name
    history: list[AnyRow]  # rows: at, actor_id, action, object_type, object_id


def person_file(session: Session, user_id: int) -> PersonFile:
    """Raises NotFound when there is no such person."""
    user = {"user_id": user_id}
    return PersonFile(
        _person(session, user_id),
        list(session.execute(APPLICATIONS, user)),
        list(session.execute(PAYMENTS, user)),
        _enrollments(session, user_id),
        list(session.execute(CERTIFICATES, user)),
        list(session.execute(DECISIONS, user)),
        _reviewer_profile(session, user_id),
        list(session.execute(ASSIGNMENTS, user)),
        list(session.execute(PROVIDERS, user)),
        list(session.execute(HISTORY, {**user, "object_id": str(user_id)})),
    )


def _person(session: Session, user_id: int) -> Person:
    rows = session.execute(PERSON, {"user_id": user_id}).all()
    if not rows:
        raise NotFound("We could not find that person.")
    first = rows[0]
    return Person(
        first.id,
        first.name,
        first.email,
        first.email_confirmed_at is not None,
        first.created_at,
        first.last_sign_in_at,
        frozenset(row.role for row in rows if row.role is not None),
    )


def _enrollments(session: Session, user_id: int) -> list[EnrollmentLine]:
    enrollments: dict[int, EnrollmentLine] = {}
    for row in session.execute(ENROLLMENTS, {"user_id": user_id}):
        line = enrollments.get(row.enrollment_id)
        if line is None:
            line = enrollments[row.enrollment_id] = EnrollmentLine(
                row.enrollment_status, row.enrolled_on, row.window_ends_on, row.program, []
            )
        if row.id is not None:
            line.sets.append(row)
    return list(enrollments.values())


def _reviewer_profile(session: Session, user_id: int) -> ProfileLine | None:
    rows = session.execute(REVIEWER_PROFILE, {"user_id": user_id}).all()
    if not rows:
        return None
    qualifications = [row for row in rows if row.set_code is not None]
    return ProfileLine(rows[0].active, rows[0].capacity, qualifications)


# The statements, built once: building a statement and working out its cache key on every
# request took longer than running it (the person's id is a bound parameter, user_id).
USER_ID = bindparam("user_id", type_=Integer)

# The account with its roles: a row per role (one row with none).
PERSON = (
    select(
        User.id,
        User.name,
        User.email,
        User.email_confirmed_at,
        User.created_at,
        User.last_sign_in_at,
        UserRole.role,
    )
    .select_from(User)
    .outerjoin(UserRole, UserRole.user_id == User.id)
    .where(User.id == USER_ID)
)

APPLICATIONS = (
    select(
        Application.id,
        Application.status,
        Application.submitted_at,
        Application.hours_counted,
        Framework.name.label("program"),
    )
    .join(Framework, Framework.id == Application.framework_id)
    .where(Application.user_id == USER_ID)
    .order_by(Application.id.desc())
    .limit(SECTION_LIMIT)
)

PAYMENTS = (
    select(
        Payment.received_on,
        Payment.kind,
        Payment.amount_cents,
        Payment.method,
        Payment.reference,
    )
    .join(Application, Application.id == Payment.application_id)
    .where(Application.user_id == USER_ID)
    .order_by(Payment.received_on.desc(), Payment.id.desc())
    .limit(SECTION_LIMIT)
)

# The latest enrollments, each with its sets (as Enrollment.sets has them: not the dropped
# ones) and each set's latest submission: a row per set (one row for an enrollment without).
_recent = aliased(
    Enrollment,
    select(Enrollment)
    .where(Enrollment.user_id == USER_ID)
    .order_by(Enrollment.id.desc())
    .limit(SECTION_LIMIT)
    .subquery(),
)
_latest_submission = (
    select(func.max(Submission.id))
    .where(Submission.enrollment_set_id == EnrollmentSet.id)
    .correlate(EnrollmentSet)
    .scalar_subquery()
)
ENROLLMENTS = (
    select(
        _recent.id.label("enrollment_id"),
        _recent.status.label("enrollment_status"),
        _recent.enrolled_on,
        _recent.window_ends_on,
        Framework.name.label("program"),
        EnrollmentSet.id,
        CompetencySet.code,
        CompetencySet.name,
        EnrollmentSet.route,
        EnrollmentSet.status,
        EnrollmentSet.course_status,
        Submission.id.label("submission_id"),
        Submission.attempt,
        Submission.submitted_at,
    )
    .select_from(_recent)
    .join(Framework, Framework.id == _recent.framework_id)
    .outerjoin(_recent.sets)
    .outerjoin(CompetencySet, CompetencySet.id == EnrollmentSet.set_id)
    .outerjoin(Submission, Submission.id == _latest_submission)
    .order_by(_recent.id.desc(), EnrollmentSet.id)
)

CERTIFICATES = (
    select(
        Certificate.id,
        Certificate.number,
        Certificate.issued_on,
        Certificate.expires_on,
        Certificate.revoked_at,
    )
    .where(Certificate.user_id == USER_ID)
    .order_by(Certificate.id.desc())
    .limit(SECTION_LIMIT)
)

DECISIONS = (
    select(
        CertificationDecision.id,
        CertificationDecision.status,
        CertificationDecision.decided_at,
    )
    .join(Enrollment, Enrollment.id == CertificationDecision.enrollment_id)
    .where(Enrollment.user_id == USER_ID)
    .order_by(CertificationDecision.id.desc())
    .limit(SECTION_LIMIT)
)

# The profile with its qualifications: a row per qualification (one row with none).
REVIEWER_PROFILE = (
    select(
        ReviewerProfile.active,
        ReviewerProfile.capacity,
        ReviewerQualification.framework_slug,
        ReviewerQualification.set_code,
    )
    .outerjoin(ReviewerQualification, ReviewerQualification.profile_id == ReviewerProfile.id)
    .where(ReviewerProfile.user_id == USER_ID)
    .order_by(ReviewerQualification.id)
)

_candidate = aliased(User)
ASSIGNMENTS = (
    select(
        Assignment.id,
        Assignment.status,
        Assignment.kind,
        Assignment.due_on,
        CompetencySet.code,
        _candidate.name,
    )
    .join(Submission, Submission.id == Assignment.submission_id)
    .join(EnrollmentSet, EnrollmentSet.id == Submission.enrollment_set_id)
    .join(CompetencySet, CompetencySet.id == EnrollmentSet.set_id)
    .join(Enrollment, Enrollment.id == EnrollmentSet.enrollment_id)
    .join(_candidate, _candidate.id == Enrollment.user_id)
    .where(Assignment.reviewer_id == USER_ID)
    .order_by(Assignment.id.desc())
    .limit(SECTION_LIMIT)
)

PROVIDERS = (
    select(Provider.slug, Provider.name)
    .join(ProviderMember, ProviderMember.provider_id == Provider.id)
    .where(ProviderMember.user_id == USER_ID)
    .order_by(Provider.name)
    .limit(SECTION_LIMIT)
)

# What they did, and what was done to their account (its object_id is the user id as text).
HISTORY = (
    select(
        AuditEvent.at,
        AuditEvent.actor_id,
        AuditEvent.action,
        AuditEvent.object_type,
        AuditEvent.object_id,
    )
    .where(
        or_(
            AuditEvent.actor_id == USER_ID,
            (AuditEvent.object_type == "user")
            & (AuditEvent.object_id == bindparam("object_id", type_=String)),
        )
    )
    .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    .limit(SECTION_LIMIT)
)
