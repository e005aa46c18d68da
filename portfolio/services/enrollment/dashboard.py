"""What a candidate's dashboard shows, assembled in a fixed number of queries.

The dashboard is where a candidate starts: their applications (to continue or read), then
once enrolled each set with its route and status, the completion-window countdown, and what to
do next. Later features (the portfolio) add to it through the same overview.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from portfolio.models import (
    Application,
    ApplicationStatus,
    Enrollment,
    EnrollmentStatus,
    Framework,
    SupervisorLink,
    User,
)
from portfolio.models.base import utcnow
from portfolio.services.certification.standing import (
    EnrollmentCertification,
    certification_of_enrollments,
)
from portfolio.services.enrollment.progress import (
    EnrollmentProgress,
    NextStep,
    enrollment_progress,
    enrollments_query,
)
from portfolio.services.portfolios.evidence_counts import CompetencyEvidenceCount, evidence_counts
from portfolio.services.programs.queries import published_programs


@dataclass(frozen=True)
class CandidateOverview:
    applications: tuple[Application, ...]  # not (yet) an enrollment: drafts, submitted, rejected
    enrollments: tuple[EnrollmentProgress, ...]
    programs: tuple[Framework, ...]  # published programs the person may apply to
    supervisors: tuple[SupervisorLink, ...]
    next_steps: tuple[NextStep, ...]  # about applications; each enrollment has its own
    # enrollment_set id -> each competency's evidence, for sets on the portfolio route
    evidence: Mapping[int, tuple[CompetencyEvidenceCount, ...]] = field(default_factory=dict)
    # enrollment id -> certified (with the certificate), not certified, or still open
    certification: Mapping[int, EnrollmentCertification] = field(default_factory=dict)


def candidate_overview(
    session: Session, user: User, today: date | None = None
) -> CandidateOverview:
    """Everything the dashboard shows for `user`, on `today` (default: today)."""
    today = today or utcnow().date()
    enrollments = session.scalars(
        enrollments_query().where(Enrollment.user_id == user.id).order_by(Enrollment.id)
    ).all()
    enrolled_applications = {e.application_id for e in enrollments}
    latest: dict[str, Application] = {}  # per program, only the current application
    for a in session.scalars(
        select(Application)
        .where(Application.user_id == user.id)
        .options(joinedload(Application.framework))
        .order_by(Application.id.desc())
    ):
        latest.setdefault(a.framework.slug, a)
    applications = tuple(a for a in latest.values() if a.id not in enrolled_applications)
    taken = {a.framework.slug for a in applications if a.status != ApplicationStatus.REJECTED}
    # An enrollment that ended without a certificate leaves the program open to apply again.
    taken |= {e.framework.slug for e in enrollments if e.status is not EnrollmentStatus.CLOSED}
    programs = tuple(p for p in published_programs(session) if p.slug not in taken)
    links = tuple(
        session.scalars(
            select(SupervisorLink)
            .where(SupervisorLink.candidate_id == user.id)
            .order_by(SupervisorLink.id)
        )
    )
    return CandidateOverview(
        applications=applications,
        enrollments=tuple(enrollment_progress(e, today) for e in enrollments),
        programs=programs,
        supervisors=links,
        next_steps=tuple(_application_steps(applications, bool(enrollments), programs)),
        evidence=evidence_counts(session, (s for e in enrollments for s in e.sets)),
        certification=certification_of_enrollments(session, enrollments, today),
    )


def _application_steps(
    applications: tuple[Application, ...], enrolled: bool, programs: tuple[Framework, ...]
) -> list[NextStep]:
    steps = []
    for application in applications:
        name = application.framework.name
        if application.status == ApplicationStatus.DRAFT:
            steps.append(NextStep(f"Finish and submit your application to {name}.", "application"))
        elif application.status == ApplicationStatus.SUBMITTED:
            steps.append(NextStep(f"Your application to {name} is with the program office."))
    if not applications and not enrolled and programs:
        steps.append(NextStep("Choose a program below and start your application.", "apply"))
    return steps
