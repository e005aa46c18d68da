"""What a supervisor may read of a candidate's evidence: submitted snapshots, and only while the
candidate shares them. Never the live drafts."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from portfolio.domain.errors import NotFound
from portfolio.domain.portfolios.snapshot_views import Snapshot
from portfolio.domain.portfolios.snapshots import read_snapshot
from portfolio.models import Enrollment, EnrollmentSet, Submission, SupervisorLink, User

NOT_SHARED = "We could not find that page."


def _sharing_link(session: Session, supervisor: User, candidate_id: int) -> SupervisorLink:
    link = session.scalars(
        select(SupervisorLink).where(
            SupervisorLink.supervisor_id == supervisor.id,
            SupervisorLink.candidate_id == candidate_id,
            SupervisorLink.accepted_at.is_not(None),
            SupervisorLink.shares_evidence.is_(True),
        )
    ).first()
    if link is None:
        raise NotFound(NOT_SHARED)
    return link


def _submissions_query(candidate_id: int):  # type: ignore[no-untyped-def]
    return (
        select(Submission)
        .join(EnrollmentSet, Submission.enrollment_set_id == EnrollmentSet.id)
        .join(Enrollment, EnrollmentSet.enrollment_id == Enrollment.id)
        .where(Enrollment.user_id == candidate_id)
        .options(joinedload(Submission.enrollment_set).joinedload(EnrollmentSet.competency_set))
    )


def shared_submissions(session: Session, supervisor: User, candidate_id: int) -> list[Submission]:
    """The candidate's submissions, newest first, when they share evidence with `supervisor`;
    [] otherwise (the page then says nothing is shared)."""
    try:
        _sharing_link(session, supervisor, candidate_id)
    except NotFound:
        return []
    query = _submissions_query(candidate_id).order_by(Submission.submitted_at.desc())
    return list(session.scalars(query).unique())


def shared_submission(
    session: Session, supervisor: User, candidate_id: int, submission_id: int
) -> Submission:
    """One submission of a candidate who shares evidence with `supervisor`; NotFound otherwise."""
    _sharing_link(session, supervisor, candidate_id)
    found: Submission | None = session.scalars(
        _submissions_query(candidate_id).where(Submission.id == submission_id)
    ).first()
    if found is None:
        raise NotFound(NOT_SHARED)
    return found


def shared_snapshot(submission: Submission) -> Snapshot:
    """The evidence of a submission got from shared_submission, read strictly (CorruptSnapshot,
    a clear 409 page, if it is not as it was written)."""
    return read_snapshot(submission.snapshot, submission.snapshot_sha256)
