"""The unassigned queue: submissions still short of reviewers, and why nobody fits.

services.reviewing.assignments records a shortfall when it cannot find enough reviewers, with the
domain's reasons, and clears it once they are found; administrators read the queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.listing import Choice, ListPage, ListRequest, ListSpec
from portfolio.models import (
    AssignmentKind,
    CompetencySet,
    Enrollment,
    EnrollmentSet,
    ReviewShortfall,
    Submission,
    User,
)
from portfolio.models.base import utcnow
from portfolio.services import audit
from portfolio.services.listing import ListQuery, fetch_page, set_filter


@dataclass(frozen=True, slots=True)
class UnassignedRow:
    """One line of the unassigned queue."""

    submission_id: int
    kind: AssignmentKind
    missing: int
    reasons: dict[str, Any]
    since: datetime
    attempt: int
    candidate_name: str
    set_code: str
    set_name: str


def unassigned_list(set_codes: list[str]) -> ListSpec:
    """The unassigned list's search, filters and sorts; the set filter offers `set_codes`."""
    return ListSpec(
        sorts=(Choice("since", "Waiting since"), Choice("candidate", "Candidate's name")),
        filters=(set_filter(set_codes),),
        default_order="asc",  # the longest waiting first
        search_label="Search by candidate",
    )


def unassigned_query(request: ListRequest) -> ListQuery[UnassignedRow]:
    """One page of submissions short of reviewers, with why nobody fits (two queries)."""
    listed = (
        select(
            ReviewShortfall.submission_id,
            ReviewShortfall.kind,
            ReviewShortfall.missing,
            ReviewShortfall.reasons,
            ReviewShortfall.since,
            Submission.attempt,
            User.name,
            CompetencySet.code,
            CompetencySet.name,
        )
        .join(Submission, Submission.id == ReviewShortfall.submission_id)
        .join(EnrollmentSet, EnrollmentSet.id == Submission.enrollment_set_id)
        .join(CompetencySet, CompetencySet.id == EnrollmentSet.set_id)
        .join(Enrollment, Enrollment.id == EnrollmentSet.enrollment_id)
        .join(User, User.id == Enrollment.user_id)
    )
    if request.search:
        listed = listed.where(User.name.icontains(request.search, autoescape=True))
    if "set" in request.filters:
        listed = listed.where(CompetencySet.code == request.filters["set"])
    return ListQuery(
        listed,
        {"since": ReviewShortfall.since, "candidate": User.name},
        ReviewShortfall.id,
        lambda rows: [UnassignedRow(*row) for row in rows],
    )


def unassigned(session: Session, request: ListRequest) -> ListPage[UnassignedRow]:
    return fetch_page(session, unassigned_query(request), request)


def count_unassigned(session: Session) -> int:
    return int(session.scalar(select(func.count(ReviewShortfall.id))) or 0)


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
            action=AuditAction.SUBMISSION_UNASSIGNED,
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
