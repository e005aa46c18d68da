"""Deciding a set once its reviews are in: combine, record the outcome once, tell people.

The combination itself is domain.reviewing.rubric.combine_reviews, under the rules of the framework
version the candidate enrolled under. The outcome row is written once per submission: the
caller holds the submission's row lock (scoring.submit_review), and the unique constraint on
set_outcome.submission_id catches anything that slips past it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.dates import format_date
from portfolio.domain.lifecycle import SetEvent, resubmission_refusal, status_title
from portfolio.domain.reviewing.rubric import Rating, SetStatus, combine_reviews
from portfolio.models import (
    Assignment,
    AssignmentKind,
    AssignmentStatus,
    AuditEvent,
    OutcomeStatus,
    Role,
    SetOutcomeRecord,
    Submission,
    SubmissionStatus,
    User,
    UserRole,
)
from portfolio.models.base import utcnow
from portfolio.services import audit
from portfolio.services.certification import evaluation
from portfolio.services.reviewing import emails
from portfolio.services.reviewing.assignments import assign_adjudicator
from portfolio.services.reviewing.status import move_set, move_submission, rules_for


def outcome_of(session: Session, submission: Submission) -> SetOutcomeRecord | None:
    return session.scalar(
        select(SetOutcomeRecord).where(SetOutcomeRecord.submission_id == submission.id)
    )


def on_review_submitted(
    session: Session, submission: Submission, today: date
) -> SetOutcomeRecord | None:
    """Combine the reviews once they are all in; record the outcome, or call a third reviewer.

    Returns the outcome (new, updated or already there), or None while reviews are missing.
    """
    assignments = session.scalars(
        select(Assignment)
        .where(Assignment.submission_id == submission.id)
        .options(selectinload(Assignment.ratings))
    ).all()
    active = [
        a
        for a in assignments
        if a.status in (AssignmentStatus.ASSIGNED, AssignmentStatus.SUBMITTED)
    ]
    if any(a.status is AssignmentStatus.ASSIGNED for a in active):
        return None
    rules = rules_for(submission)
    reviews = [a for a in active if a.kind is AssignmentKind.REVIEW]
    if len(reviews) != rules.review.reviewers_per_portfolio:
        return None
    existing = outcome_of(session, submission)
    if existing is not None and existing.status != OutcomeStatus.NEEDS_ADJUDICATION:
        return existing  # already decided: a second call changes nothing
    competencies = submission.enrollment_set.competency_set.competencies
    code_of = {c.id: c.code for c in competencies}
    third = [a for a in active if a.kind is AssignmentKind.ADJUDICATION]
    adjudications = {
        code_of[r.competency_id]: Rating(r.level) for a in third for r in a.ratings if r.level
    }
    combined = combine_reviews(
        {
            a.reviewer_id: {code_of[r.competency_id]: Rating(r.level) for r in a.ratings if r.level}
            for a in reviews
        },
        [c.code for c in competencies],
        rules,
        adjudications or None,
        # As they were when the set was sent: confirming one later changes no set in review.
        provisional=frozenset(submission.provisional_codes),
    )
    document = combined.as_document()
    if combined.status is SetStatus.NEEDS_ADJUDICATION:
        if existing is not None:
            return existing
        outcome = _insert(session, submission, OutcomeStatus.NEEDS_ADJUDICATION, document)
        if outcome is None:
            return outcome_of(session, submission)
        move_set(session, submission.enrollment_set, SetEvent.REQUIRE_ADJUDICATION, actor=None)
        record_event(session, submission, AuditAction.OUTCOME_NEEDS_ADJUDICATION, None, document)
        assign_adjudicator(session, submission, today)
        return outcome
    status = OutcomeStatus.MET if combined.met else OutcomeStatus.NOT_YET_MET
    if existing is None:
        outcome = _insert(session, submission, status, document)
        if outcome is None:
            return outcome_of(session, submission)
    else:
        outcome = existing
        outcome.status, outcome.reasons, outcome.decided_at = status, document, utcnow()
    settle(session, outcome, status, today, actor=None)
    record_event(session, submission, AuditAction.OUTCOME_RECORDED, None, outcome.reasons)
    _tell_administrators(session, submission, outcome)
    return outcome


def history(session: Session, submission: Submission) -> list[AuditEvent]:
    """The outcome's history: reviews, decisions, overrides and reopenings, oldest first."""
    return audit.events_for(session, "submission", submission.id)


def settle(
    session: Session,
    outcome: SetOutcomeRecord,
    status: OutcomeStatus,
    today: date,
    *,
    actor: User | None,
    reopen_first: bool = False,
    already_recorded: bool = False,
) -> None:
    """Move the set and submission to `status`; not yet met closes when no attempt is left."""
    submission = outcome.submission
    enrollment_set = submission.enrollment_set
    events = [SetEvent.REOPEN] if reopen_first else []
    if not already_recorded:
        met = status is OutcomeStatus.MET
        events.append(SetEvent.RECORD_OUTCOME_MET if met else SetEvent.RECORD_OUTCOME_NOT_MET)
    refusal = None
    if status is not OutcomeStatus.MET:
        enrollment = enrollment_set.enrollment
        refusal = resubmission_refusal(
            enrollment_set.resubmissions_used,
            rules_for(submission).review.resubmissions_allowed,
            enrollment.window_ends_on,
            today,
        )
        if refusal:
            events.append(SetEvent.CLOSE)
            status = OutcomeStatus.CLOSED_NOT_MET
    if events:
        move_set(
            session,
            enrollment_set,
            *events,
            actor=actor,
            details={"reason": refusal} if refusal else None,
        )
    outcome.status = status
    outcome.revision += 1
    if refusal:
        outcome.reasons = {**outcome.reasons, "closed_reason": refusal}
    met = status is OutcomeStatus.MET
    move_submission(
        session,
        submission,
        SubmissionStatus.MET if met else SubmissionStatus.NOT_YET_MET,
        actor=actor,
    )
    session.flush()
    _tell_candidate(session, submission, outcome, refusal)
    if met:
        evaluation.evaluate_enrollment(session, enrollment_set.enrollment, today, actor=actor)


def _insert(
    session: Session, submission: Submission, status: OutcomeStatus, document: dict[str, Any]
) -> SetOutcomeRecord | None:
    """Insert the outcome row; None when another transaction wrote it first."""
    savepoint = session.begin_nested()
    outcome = SetOutcomeRecord(submission=submission, status=status, reasons=document)
    try:
        session.add(outcome)
        session.flush()
    except IntegrityError:
        savepoint.rollback()
        return None
    savepoint.commit()
    return outcome


def record_event(
    session: Session,
    submission: Submission,
    action: AuditAction,
    actor: User | None,
    details: dict[str, Any],
) -> None:
    audit.record(
        session,
        actor=actor,
        action=action,
        object_type="submission",
        object_id=submission.id,
        details=details,
    )


def _tell_candidate(
    session: Session, submission: Submission, outcome: SetOutcomeRecord, refusal: str | None
) -> None:
    candidate = submission.enrollment_set.enrollment.user
    if outcome.status is OutcomeStatus.MET:
        next_step = "Congratulations: this set counts toward your evaluation."
    elif refusal:
        next_step = f"The set is now closed as not met: {refusal}"
    else:
        enrollment_set = submission.enrollment_set
        left = (
            rules_for(submission).review.resubmissions_allowed - enrollment_set.resubmissions_used
        )
        times = "once" if left == 1 else f"up to {left} times"
        next_step = (
            "You may revise your evidence using the reviewers' comments and resubmit this set "
            f"{times}, by {format_date(enrollment_set.enrollment.window_ends_on)}."
        )
    emails.outcome_for_candidate(
        session,
        candidate=candidate,
        set_name=submission.enrollment_set.competency_set.name,
        status_label=status_title(outcome.status),
        next_step=next_step,
        submission_id=submission.id,
    )


def _tell_administrators(
    session: Session, submission: Submission, outcome: SetOutcomeRecord
) -> None:
    admins = session.scalars(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.ADMINISTRATOR)
    ).all()
    for admin in admins:
        emails.set_completed(
            session,
            administrator=admin,
            candidate=submission.enrollment_set.enrollment.user.name,
            set_name=submission.enrollment_set.competency_set.name,
            status_label=status_title(outcome.status),
            submission_id=submission.id,
        )
