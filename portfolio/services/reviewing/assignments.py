"""Giving submitted sets to reviewers: automatic assignment, declines, reassignment, due dates.

domain.reviewing.assignment decides who fits; this module loads the people, records the assignments,
keeps the unassigned queue (services.reviewing.unassigned) with the reasons nobody fits, and
moves the set's status. Reminders and the administrators' queues live in services.reviewing.queues.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.errors import Conflict, InvalidInput, NotFound
from portfolio.domain.lifecycle import SetEvent
from portfolio.domain.reasons import written_reason
from portfolio.domain.reviewing.assignment import AssignmentResult, choose_reviewers
from portfolio.models import (
    Assignment,
    AssignmentKind,
    AssignmentStatus,
    OutcomeStatus,
    ReviewShortfall,
    SetOutcomeRecord,
    Submission,
    SubmissionStatus,
    User,
)
from portfolio.models.base import utcnow
from portfolio.services import audit
from portfolio.services.reviewing import emails
from portfolio.services.reviewing.pool import candidate_for_choosing, profiles_for_choosing
from portfolio.services.reviewing.queues import send_review_reminders as send_review_reminders
from portfolio.services.reviewing.status import move_set, move_submission, rules_for
from portfolio.services.reviewing.unassigned import clear_shortfall, record_shortfall

ACTIVE = (AssignmentStatus.ASSIGNED, AssignmentStatus.SUBMITTED)
# The closing reason of the reviews an appeals committee sent back (services.reviewing.appeal_
# reviews): the submission is then reviewed again only by people who never saw the set.
SENT_BACK_ON_APPEAL = "The appeals committee sent the outcome back for a fresh review."


def assign_for_submission(
    session: Session, submission: Submission, today: date
) -> AssignmentResult | None:
    """Assign as many reviewers as the rules ask for to a submitted (or resubmitted) set.

    Called when the candidate submits. Reviewers already on the submission count; whoever
    cannot be found leaves the submission in the unassigned queue with the reasons. Returns
    the domain's choice, or None when nobody was missing.
    """
    return fill(session, submission, AssignmentKind.REVIEW, today)


def assign_adjudicator(
    session: Session, submission: Submission, today: date
) -> AssignmentResult | None:
    """Find the third reviewer of a set whose two reviews disagree across Not met."""
    return fill(session, submission, AssignmentKind.ADJUDICATION, today)


def missing_reviewers(session: Session, submission: Submission, kind: AssignmentKind) -> int:
    """How many reviewers of `kind` the submission still needs."""
    active = sum(
        1 for a in _assignments(session, submission) if a.kind == kind and a.status in ACTIVE
    )
    if kind is AssignmentKind.REVIEW:
        return max(rules_for(submission).review.reviewers_per_portfolio - active, 0)
    outcome = session.scalar(
        select(SetOutcomeRecord).where(SetOutcomeRecord.submission_id == submission.id)
    )
    waiting = outcome is not None and outcome.status == OutcomeStatus.NEEDS_ADJUDICATION
    return 1 - active if waiting and active == 0 else 0


def fill(
    session: Session,
    submission: Submission,
    kind: AssignmentKind,
    today: date,
    *,
    actor: User | None = None,
) -> AssignmentResult | None:
    """Assign the missing reviewers of `kind`; record or clear the submission's shortfall."""
    reviewable = submission.status in (SubmissionStatus.SUBMITTED, SubmissionStatus.IN_REVIEW)
    missing = missing_reviewers(session, submission, kind) if reviewable else 0
    if missing == 0:
        clear_shortfall(session, submission, kind)
        return None
    set_code = submission.enrollment_set.competency_set.code
    slug = submission.enrollment_set.enrollment.framework.slug
    candidate = candidate_for_choosing(session, submission)
    on_submission = _assignments(session, submission)
    exclude = {a.reviewer_id for a in on_submission}
    prefer_previous = kind is AssignmentKind.REVIEW and submission.attempt > 1
    if any(a.closed_reason == SENT_BACK_ON_APPEAL for a in on_submission):
        exclude |= seen_the_set(session, submission)
        prefer_previous = False
    qualified = profiles_for_choosing(session, slug, set_code, lock=True)
    result = choose_reviewers(
        set_code, candidate, qualified, missing, today, exclude, prefer_previous=prefer_previous
    )
    if result.shortfall:
        # Ask again over every reviewer, so the reasons also count those not qualified.
        everyone = profiles_for_choosing(session, slug, None)
        explained = choose_reviewers(
            set_code, candidate, everyone, missing, today, exclude, prefer_previous=prefer_previous
        )
        record_shortfall(session, submission, kind, result.shortfall, explained.reasons)
    else:
        clear_shortfall(session, submission, kind)
    for reviewer_id in result.chosen:
        _create(session, submission, reviewer_id, kind, today, actor=actor)
    if result.chosen and kind is AssignmentKind.REVIEW:
        move_set(session, submission.enrollment_set, SetEvent.ASSIGN, actor=actor)
        move_submission(session, submission, SubmissionStatus.IN_REVIEW, actor=actor)
    return result


def decline(
    session: Session, assignment: Assignment, *, reviewer: User, reason: str, today: date
) -> None:
    """The reviewer gives the assignment back, with a reason; another is found at once."""
    if assignment.reviewer_id != reviewer.id:
        raise NotFound("We could not find that assignment.")
    close_assignment(session, assignment, AssignmentStatus.DECLINED, reason, actor=reviewer)
    fill(session, assignment.submission, assignment.kind, today)


def reassign(
    session: Session,
    assignment: Assignment,
    *,
    actor: User,
    reason: str,
    today: date,
    to_reviewer: User | None = None,
) -> None:
    """An administrator takes an open assignment away, with a reason, and gives it to another.

    With `to_reviewer` that person must fit (qualified, no conflict, free): InvalidInput with
    the reason otherwise, and nothing changes. Without, the next best reviewer is chosen.
    """
    submission = assignment.submission
    if to_reviewer is not None:
        _check_fits(session, submission, to_reviewer, today, also_exclude=assignment.reviewer_id)
    close_assignment(session, assignment, AssignmentStatus.REASSIGNED, reason, actor=actor)
    if to_reviewer is not None:
        _create(session, submission, to_reviewer.id, assignment.kind, today, actor=actor)
    # Fills whatever is still missing, and keeps the unassigned queue right either way.
    fill(session, submission, assignment.kind, today, actor=actor)


def move_due_date(
    session: Session, assignment: Assignment, *, actor: User, due_on: date, reason: str, today: date
) -> None:
    """Set a new due date (a firm deadline from then on); audited with the reason."""
    if assignment.status != AssignmentStatus.ASSIGNED:
        raise Conflict("Only an open assignment has a due date to move.")
    reason = written_reason(reason)
    if due_on < today:
        raise InvalidInput("Choose today or a later day.", field="due_on")
    before = assignment.due_on
    assignment.due_on, assignment.due_moved_at = due_on, utcnow()
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=AuditAction.ASSIGNMENT_DUE_DATE_MOVED,
        object_type="assignment",
        object_id=assignment.id,
        details={"from": str(before), "to": str(due_on), "reason": reason},
    )
    if due_on != before:
        emails.due_date_moved(
            session,
            reviewer=assignment.reviewer,
            set_name=assignment.submission.enrollment_set.competency_set.name,
            before=before,
            due_on=due_on,
            assignment_id=assignment.id,
        )


def _check_fits(
    session: Session, submission: Submission, reviewer: User, today: date, *, also_exclude: int
) -> None:
    enrollment_set = submission.enrollment_set
    slug = enrollment_set.enrollment.framework.slug
    profiles = [p for p in profiles_for_choosing(session, slug, None) if p.id == reviewer.id]
    if not profiles:
        raise InvalidInput(f"{reviewer.name} has no reviewer profile.", field="reviewer")
    # Everyone already on the submission (the reviewer being replaced included) is out.
    exclude = {a.reviewer_id for a in _assignments(session, submission)} | {also_exclude}
    result = choose_reviewers(
        enrollment_set.competency_set.code,
        candidate_for_choosing(session, submission),
        profiles,
        1,
        today,
        exclude,
    )
    if not result.chosen:
        why = result.reasons[0] if result.reasons else "does not fit"
        raise InvalidInput(f"{reviewer.name} cannot take this review: {why}.", field="reviewer")


# The audit action of each way an assignment closes without a review.
_CLOSED = {
    AssignmentStatus.DECLINED: AuditAction.ASSIGNMENT_DECLINED,
    AssignmentStatus.REASSIGNED: AuditAction.ASSIGNMENT_REASSIGNED,
}


def close_assignment(
    session: Session,
    assignment: Assignment,
    status: Literal[AssignmentStatus.DECLINED, AssignmentStatus.REASSIGNED],
    reason: str,
    *,
    actor: User,
) -> None:
    if assignment.status != AssignmentStatus.ASSIGNED:
        raise Conflict(f"This assignment is already {assignment.status.value}; nothing to change.")
    assignment.status, assignment.closed_reason = status, written_reason(reason)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=_CLOSED[status],
        object_type="assignment",
        object_id=assignment.id,
        details={"reason": assignment.closed_reason, "submission_id": assignment.submission_id},
    )


def _create(
    session: Session,
    submission: Submission,
    reviewer_id: int,
    kind: AssignmentKind,
    today: date,
    *,
    actor: User | None,
) -> Assignment:
    due_on = today + timedelta(days=rules_for(submission).review.due_days)
    assignment = Assignment(
        submission=submission, reviewer_id=reviewer_id, kind=kind, due_on=due_on
    )
    session.add(assignment)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=AuditAction.ASSIGNMENT_CREATED,
        object_type="assignment",
        object_id=assignment.id,
        details={"submission_id": submission.id, "reviewer_id": reviewer_id, "kind": kind.value},
    )
    reviewer = session.get(User, reviewer_id)
    assert reviewer is not None
    emails.new_assignment(
        session,
        reviewer=reviewer,
        set_name=submission.enrollment_set.competency_set.name,
        attempt=submission.attempt,
        due_on=due_on,
        kind=kind,
        assignment_id=assignment.id,
    )
    return assignment


def seen_the_set(session: Session, submission: Submission) -> set[int]:
    """Everyone ever given any attempt of this submission's set (calibration aside)."""
    return set(
        session.scalars(
            select(Assignment.reviewer_id)
            .join(Submission, Submission.id == Assignment.submission_id)
            .where(
                Submission.enrollment_set_id == submission.enrollment_set_id,
                Assignment.kind != AssignmentKind.CALIBRATION,
            )
        )
    )


def _assignments(session: Session, submission: Submission) -> list[Assignment]:
    return list(
        session.scalars(select(Assignment).where(Assignment.submission_id == submission.id))
    )


def retry_unassigned(session: Session, today: date) -> int:
    """Try again for every submission in the unassigned queue; the number now fully assigned."""
    waiting = session.scalars(select(ReviewShortfall).order_by(ReviewShortfall.since)).all()
    done = 0
    for row in waiting:
        result = fill(session, row.submission, row.kind, today)
        if result is None or not result.shortfall:
            done += 1
    return done
