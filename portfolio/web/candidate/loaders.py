"""Loading what a candidate URL names, and only if it is the signed-in person's (404 if not).

Each loader fetches with what its page needs (selectinload), then checks ownership through
web.access, so another candidate's id looks exactly like a missing one.
"""

from __future__ import annotations

from flask_login import current_user
from sqlalchemy import case, select
from sqlalchemy.orm import selectinload

from portfolio.extensions import db
from portfolio.models import (
    Artifact,
    Competency,
    CompetencySet,
    Enrollment,
    EnrollmentSet,
    EnrollmentStatus,
    Portfolio,
    PortfolioEntry,
    Submission,
)
from portfolio.services.portfolios.entries import ensure_portfolio, find_portfolio
from portfolio.web import access

ENROLLMENT_SETS = (
    selectinload(Enrollment.sets)
    .selectinload(EnrollmentSet.competency_set)
    .selectinload(CompetencySet.competencies),
)


def current_enrollment() -> Enrollment | None:
    """The signed-in person's newest active enrollment, else their newest one (certified or
    closed: shown read-only), with sets and competencies loaded."""
    active_first = case((Enrollment.status == EnrollmentStatus.ACTIVE, 0), else_=1)
    query = (
        select(Enrollment)
        .where(Enrollment.user_id == current_user.id)
        .order_by(active_first, Enrollment.id.desc())
        .limit(1)
        .options(*ENROLLMENT_SETS, selectinload(Enrollment.framework))
    )
    return db.session.scalars(query).first()


def find_own_portfolio() -> Portfolio | None:
    """The portfolio of the current enrollment, or None before it exists (GETs: only reads);
    404 without an enrollment."""
    enrollment = current_enrollment()
    access.require_found(enrollment)
    assert enrollment is not None
    return find_portfolio(db.session, enrollment)


def load_own_portfolio_to_edit() -> Portfolio:
    """The portfolio of the current enrollment, made if missing: only for a POST that edits it
    (a candidate may write their learning statement before choosing a route); 404 without an
    enrollment."""
    enrollment = current_enrollment()
    access.require_found(enrollment)
    assert enrollment is not None
    return ensure_portfolio(db.session, enrollment)


def load_own_entry(entry_id: int) -> PortfolioEntry:
    query = (
        select(PortfolioEntry)
        .where(PortfolioEntry.id == entry_id)
        .options(
            selectinload(PortfolioEntry.competency).selectinload(Competency.competency_set),
            selectinload(PortfolioEntry.artifacts).selectinload(Artifact.upload),
            selectinload(PortfolioEntry.portfolio)
            .selectinload(Portfolio.enrollment)
            .options(*ENROLLMENT_SETS),
            selectinload(PortfolioEntry.portfolio)
            .selectinload(Portfolio.artifacts)
            .selectinload(Artifact.upload),
        )
    )
    entry = db.session.scalars(query).one_or_none()
    access.require_found(entry)
    assert entry is not None
    access.require_own(entry.portfolio.enrollment.user_id)
    return entry


def load_own_artifact(artifact_id: int) -> Artifact:
    query = (
        select(Artifact)
        .where(Artifact.id == artifact_id)
        .options(
            selectinload(Artifact.upload),
            selectinload(Artifact.entries).selectinload(PortfolioEntry.competency),
            selectinload(Artifact.portfolio)
            .selectinload(Portfolio.enrollment)
            .options(*ENROLLMENT_SETS),
        )
    )
    artifact = db.session.scalars(query).one_or_none()
    access.require_found(artifact)
    assert artifact is not None
    access.require_own(artifact.portfolio.enrollment.user_id)
    return artifact


def load_own_enrollment_set(enrollment_set_id: int) -> EnrollmentSet:
    query = (
        select(EnrollmentSet)
        .where(EnrollmentSet.id == enrollment_set_id)
        .options(
            selectinload(EnrollmentSet.competency_set).selectinload(CompetencySet.competencies),
            selectinload(EnrollmentSet.enrollment).options(
                *ENROLLMENT_SETS, selectinload(Enrollment.framework)
            ),
        )
    )
    enrollment_set = db.session.scalars(query).one_or_none()
    access.require_found(enrollment_set)
    assert enrollment_set is not None
    access.require_own(enrollment_set.enrollment.user_id)
    return enrollment_set


def load_own_submission(submission_id: int) -> Submission:
    query = (
        select(Submission)
        .where(Submission.id == submission_id)
        .options(
            selectinload(Submission.enrollment_set).selectinload(EnrollmentSet.enrollment),
            selectinload(Submission.enrollment_set).selectinload(EnrollmentSet.competency_set),
        )
    )
    submission = db.session.scalars(query).one_or_none()
    access.require_found(submission)
    assert submission is not None
    access.require_own(submission.enrollment_set.enrollment.user_id)
    return submission
