"""A set's outcome sent back by an appeals committee: reviewed again, by people who never saw it.

The earlier reviews are closed (still on record, their tallies withdrawn as when an outcome is
reopened), the outcome row goes (its status and reasons stay in the submission's history), and
the usual assignment rules choose new reviewers, excluding everyone ever given the set
(assignments.fill does so for every later try too, e.g. from the unassigned queue).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.lifecycle import SetEvent
from portfolio.models import (
    Assignment,
    AssignmentKind,
    AssignmentStatus,
    Submission,
    SubmissionStatus,
    User,
)
from portfolio.services.reviewing import tallies
from portfolio.services.reviewing.assignments import SENT_BACK_ON_APPEAL, fill
from portfolio.services.reviewing.outcomes import outcome_of, record_event
from portfolio.services.reviewing.status import move_set, move_submission
from portfolio.services.reviewing.unassigned import clear_shortfall


def review_again(
    session: Session, submission: Submission, *, actor: User, comments: str, today: date
) -> None:
    """Send the decided submission back for a fresh review (Conflict if the set's status does
    not allow it, before anything changes)."""
    move_set(
        session,
        submission.enrollment_set,
        SetEvent.REVIEW_AGAIN,
        actor=actor,
        details={"reason": SENT_BACK_ON_APPEAL},
    )
    for assignment in session.scalars(
        select(Assignment).where(
            Assignment.submission_id == submission.id,
            Assignment.kind != AssignmentKind.CALIBRATION,
            Assignment.status.in_((AssignmentStatus.ASSIGNED, AssignmentStatus.SUBMITTED)),
        )
    ).all():
        if assignment.status is AssignmentStatus.SUBMITTED:
            tallies.record_withdrawn(session, assignment)
        assignment.status = AssignmentStatus.REASSIGNED
        assignment.closed_reason = SENT_BACK_ON_APPEAL
        session.flush()
    clear_shortfall(session, submission, AssignmentKind.ADJUDICATION)
    outcome = outcome_of(session, submission)
    previous = (
        {} if outcome is None else {"status": outcome.status.value, "reasons": outcome.reasons}
    )
    if outcome is not None:
        session.delete(outcome)
    move_submission(session, submission, SubmissionStatus.SUBMITTED, actor=actor)
    session.flush()
    record_event(
        session,
        submission,
        AuditAction.OUTCOME_REOPENED,
        actor,
        {**previous, "reason": SENT_BACK_ON_APPEAL, "comments": comments},
    )
    fill(session, submission, AssignmentKind.REVIEW, today, actor=actor)
