"""Administrators' changes to an outcome (override, reopen) and closing expired sets.

Each needs a written reason and is recorded in the submission's history (audit), so the
candidate's record always shows why an outcome is what it is.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.errors import Conflict, InvalidInput
from portfolio.domain.lifecycle import SetEvent, SetLifecycle, status_label, transition
from portfolio.domain.reasons import written_reason
from portfolio.models import (
    Assignment,
    AssignmentKind,
    AssignmentStatus,
    Enrollment,
    EnrollmentSet,
    OutcomeStatus,
    SetOutcomeRecord,
    Submission,
    SubmissionStatus,
    User,
)
from portfolio.models.base import utcnow
from portfolio.services.certification import evaluation
from portfolio.services.reviewing import emails, tallies
from portfolio.services.reviewing.assignments import close_assignment
from portfolio.services.reviewing.outcomes import outcome_of, record_event, settle
from portfolio.services.reviewing.status import move_set, move_submission, rules_for
from portfolio.services.reviewing.unassigned import clear_shortfall


def override_outcome(
    session: Session,
    outcome: SetOutcomeRecord,
    *,
    actor: User,
    status: OutcomeStatus,
    reason: str,
    today: date,
    expected_revision: int | None = None,
) -> None:
    """An administrator sets the outcome to Met or Not yet met, with a written reason.
    Conflict when the outcome changed since `expected_revision` (the page they read)."""
    reason = written_reason(reason)
    _require_revision(session, outcome, expected_revision)
    _refuse_once_decided(session, outcome)
    if status not in (OutcomeStatus.MET, OutcomeStatus.NOT_YET_MET):
        raise InvalidInput("An outcome can be overridden to Met or Not yet met.", field="status")
    if status == outcome.status:
        raise Conflict(f"The outcome is already {status_label(status)}.")
    before = outcome.status
    submission = outcome.submission
    current = submission.enrollment_set.status
    reopen = current in (SetLifecycle.MET, SetLifecycle.NOT_YET_MET)
    record = (
        SetEvent.RECORD_OUTCOME_MET
        if status is OutcomeStatus.MET
        else SetEvent.RECORD_OUTCOME_NOT_MET
    )
    # Ask the lifecycle first, so a refused override changes nothing at all.
    transition(transition(current, SetEvent.REOPEN) if reopen else current, record)
    for assignment in session.scalars(
        select(Assignment).where(
            Assignment.submission_id == submission.id,
            Assignment.status == AssignmentStatus.ASSIGNED,
        )
    ):
        close_assignment(
            session,
            assignment,
            AssignmentStatus.REASSIGNED,
            "The outcome was overridden.",
            actor=actor,
        )
    clear_shortfall(session, submission, AssignmentKind.ADJUDICATION)
    outcome.overridden_by_id, outcome.override_reason = actor.id, reason
    outcome.decided_at = utcnow()
    settle(session, outcome, status, today, actor=actor, reopen_first=reopen)
    outcome.reasons = {
        **outcome.reasons,
        "override": {"from": before.value, "reason": reason, "by": actor.id},
    }
    record_event(
        session,
        submission,
        AuditAction.OUTCOME_OVERRIDDEN,
        actor,
        {"from": before.value, "to": outcome.status.value, "reason": reason},
    )


def _require_revision(
    session: Session, outcome: SetOutcomeRecord, expected_revision: int | None
) -> None:
    """Lock the outcome's row (PostgreSQL), read it afresh and refuse when it has changed
    since the administrator's page showed it: two tabs, or two administrators, at once."""
    session.refresh(outcome, with_for_update=True)
    if expected_revision is not None and expected_revision != outcome.revision:
        raise Conflict(
            "This outcome changed since you opened the page: it is now "
            f"{status_label(outcome.status)}. Read it again before you change it."
        )


def reopen_outcome(
    session: Session,
    outcome: SetOutcomeRecord,
    *,
    actor: User,
    reason: str,
    today: date,
    expected_revision: int | None = None,
) -> None:
    """An administrator reopens a decided set, with a written reason.

    Met or not yet met: the reviewers' reviews open again (new due date) and the set is decided
    afresh when they submit; any third review is withdrawn. Closed as not met: the candidate
    gets a draft again, and the reviewers' outcome stays on record as not yet met.
    """
    reason = written_reason(reason)
    _require_revision(session, outcome, expected_revision)
    _refuse_once_decided(session, outcome)
    submission = outcome.submission
    enrollment_set = submission.enrollment_set
    previous = {"status": outcome.status.value, "reasons": outcome.reasons}
    outcome.revision += 1
    new = move_set(
        session, enrollment_set, SetEvent.REOPEN, actor=actor, details={"reason": reason}
    )
    if new is SetLifecycle.DRAFT:
        outcome.status = OutcomeStatus.NOT_YET_MET
        record_event(
            session, submission, AuditAction.OUTCOME_REOPENED, actor, {**previous, "reason": reason}
        )
        return
    due_on = today + timedelta(days=rules_for(submission).review.due_days)
    for assignment in session.scalars(
        select(Assignment).where(Assignment.submission_id == submission.id)
    ).all():
        if assignment.kind is AssignmentKind.ADJUDICATION and assignment.status in (
            AssignmentStatus.ASSIGNED,
            AssignmentStatus.SUBMITTED,
        ):
            assignment.status, assignment.closed_reason = (
                AssignmentStatus.REASSIGNED,
                "The outcome was reopened.",
            )
        elif (
            assignment.kind is AssignmentKind.REVIEW
            and assignment.status is AssignmentStatus.SUBMITTED
        ):
            tallies.record_withdrawn(session, assignment)
            assignment.status, assignment.submitted_at = AssignmentStatus.ASSIGNED, None
            session.flush()  # withdrawn now, so the next review's pairs no longer include it
            assignment.due_on, assignment.reminded_on = due_on, None
            emails.review_reopened(
                session,
                reviewer=assignment.reviewer,
                set_name=enrollment_set.competency_set.name,
                due_on=due_on,
                assignment_id=assignment.id,
            )
    move_submission(session, submission, SubmissionStatus.IN_REVIEW, actor=actor)
    session.delete(outcome)
    session.flush()
    record_event(
        session, submission, AuditAction.OUTCOME_REOPENED, actor, {**previous, "reason": reason}
    )


def close_expired_sets(session: Session, today: date) -> int:
    """Close as not met every not-yet-met set whose completion window has ended."""
    rows = session.scalars(
        select(EnrollmentSet)
        .join(Enrollment, Enrollment.id == EnrollmentSet.enrollment_id)
        .where(
            EnrollmentSet.status == SetLifecycle.NOT_YET_MET,
            Enrollment.window_ends_on < today,
        )
        # One enrollment's sets one after another, in a fixed order: each change holds the
        # enrollment's progress tally row (models.progress) until the commit.
        .order_by(EnrollmentSet.enrollment_id, EnrollmentSet.id)
    ).all()
    closed = 0
    for enrollment_set in rows:
        submission = session.scalar(
            select(Submission)
            .where(Submission.enrollment_set_id == enrollment_set.id)
            .order_by(Submission.attempt.desc())
            .limit(1)
        )
        outcome = outcome_of(session, submission) if submission is not None else None
        if submission is None or outcome is None:
            continue
        settle(
            session, outcome, OutcomeStatus.NOT_YET_MET, today, actor=None, already_recorded=True
        )
        closed += outcome.status is OutcomeStatus.CLOSED_NOT_MET
    return closed


def _refuse_once_decided(session: Session, outcome: SetOutcomeRecord) -> None:
    """A set's outcome is part of the certification decision's reasons: once that is recorded,
    the outcome stands (a certificate issued in error is revoked instead)."""
    decision = evaluation.decision_of(session, outcome.submission.enrollment_set.enrollment)
    if decision is not None:
        raise Conflict(
            f"The candidate's certification is already decided ({decision.status.label}), "
            "so the outcomes of their sets can no longer change."
        )
