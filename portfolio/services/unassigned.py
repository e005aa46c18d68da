"""The unassigned queue: submissions still short of reviewers, and why nobody fits.

services.assignments records a shortfall when it cannot find enough reviewers, with the
domain's reasons, and clears it once they are found; administrators read the queue.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from portfolio.models import (
    AssignmentKind,
    Enrollment,
    EnrollmentSet,
    ReviewShortfall,
    Submission,
)
from portfolio.models.base import utcnow
from portfolio.services import audit

QUEUE_LIMIT = 200


def unassigned(session: Session) -> list[ReviewShortfall]:
    """Submissions short of reviewers, the longest waiting first, with why nobody fits."""
    query = (
        select(ReviewShortfall)
        .options(
            joinedload(ReviewShortfall.submission)
            .defer(Submission.snapshot)
            .joinedload(Submission.enrollment_set)
            .options(
                joinedload(EnrollmentSet.competency_set),
                joinedload(EnrollmentSet.enrollment).options(
                    joinedload(Enrollment.user), joinedload(Enrollment.framework)
                ),
            )
        )
        .order_by(ReviewShortfall.since, ReviewShortfall.id)
        .limit(QUEUE_LIMIT)
    )
    return list(session.scalars(query))


def record_shortfall(
    session: Session,
    submission: Submission,
    kind: AssignmentKind,
    missing: int,
    reasons: tuple[str, ...],
) -> None:
    """Remember that `missing` reviewers of `kind` could not be found, and why."""
    row = session.scalar(
        select(ReviewShortfall).where(
            ReviewShortfall.submission_id == submission.id, ReviewShortfall.kind == kind
        )
    )
    document = {"reasons": list(reasons)}
    if row is None:
        session.add(
            ReviewShortfall(submission=submission, kind=kind, missing=missing, reasons=document)
        )
        audit.record(
            session,
            actor=None,
            action="submission.unassigned",
            object_type="submission",
            object_id=submission.id,
            details={"kind": kind.value, "missing": missing, "reasons": list(reasons)},
        )
    else:
        row.missing, row.reasons, row.checked_at = missing, document, utcnow()
    session.flush()


def clear_shortfall(session: Session, submission: Submission, kind: AssignmentKind) -> None:
    """The submission has every reviewer of `kind` it needs (or needs none any more)."""
    row = session.scalar(
        select(ReviewShortfall).where(
            ReviewShortfall.submission_id == submission.id, ReviewShortfall.kind == kind
        )
    )
    if row is not None:
        session.delete(row)
        session.flush()
