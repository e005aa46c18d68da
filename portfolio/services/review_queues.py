"""Lists of assignments (a reviewer's queue, the overdue ones) and the reminder job.

Each list loads what its page shows in a fixed number of queries, whatever the data size.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session, defer, joinedload

from portfolio.models import (
    Assignment,
    AssignmentKind,
    AssignmentStatus,
    Enrollment,
    EnrollmentSet,
    Submission,
    User,
)
from portfolio.services import review_emails

REMIND_DAYS_BEFORE = 3
QUEUE_LIMIT = 200
OPEN_KINDS = (AssignmentKind.REVIEW, AssignmentKind.ADJUDICATION)


def _with_set() -> object:
    # Lists never show the evidence: leave the (large) snapshot document in the database.
    return joinedload(Assignment.submission).options(
        defer(Submission.snapshot),
        joinedload(Submission.enrollment_set).joinedload(EnrollmentSet.competency_set),
    )


def reviewer_queue(session: Session, reviewer: User) -> tuple[list[Assignment], list[Assignment]]:
    """The reviewer's open assignments (soonest due first) and their latest finished ones."""
    base = (
        select(Assignment)
        .where(Assignment.reviewer_id == reviewer.id, Assignment.kind.in_(OPEN_KINDS))
        .options(_with_set())  # type: ignore[arg-type]
    )
    open_ = session.scalars(
        base.where(Assignment.status == AssignmentStatus.ASSIGNED).order_by(
            Assignment.due_on, Assignment.id
        )
    ).all()
    done = session.scalars(
        base.where(Assignment.status != AssignmentStatus.ASSIGNED)
        .order_by(Assignment.assigned_at.desc(), Assignment.id.desc())
        .limit(QUEUE_LIMIT)
    ).all()
    return list(open_), list(done)


def overdue(session: Session, today: date) -> list[Assignment]:
    """Open assignments past their due date, the longest overdue first (with their reviewer)."""
    query = (
        select(Assignment)
        .where(Assignment.status == AssignmentStatus.ASSIGNED, Assignment.due_on < today)
        .options(
            joinedload(Assignment.reviewer),
            joinedload(Assignment.submission)
            .defer(Submission.snapshot)
            .joinedload(Submission.enrollment_set)
            .options(
                joinedload(EnrollmentSet.competency_set),
                joinedload(EnrollmentSet.enrollment).joinedload(Enrollment.user),
            ),
        )
        .order_by(Assignment.due_on, Assignment.id)
        .limit(QUEUE_LIMIT)
    )
    return list(session.scalars(query))


def send_review_reminders(session: Session, today: date) -> int:
    """Email each reviewer whose review is due within REMIND_DAYS_BEFORE days, and on the day.

    At most one reminder a day, one for "due soon" and one on (or after) the due date, so the
    job may run as often as wanted. Returns the number of reminders queued.
    """
    soon = today + timedelta(days=REMIND_DAYS_BEFORE)
    candidates = session.scalars(
        select(Assignment)
        .where(
            Assignment.status == AssignmentStatus.ASSIGNED,
            Assignment.kind.in_(OPEN_KINDS),
            Assignment.due_on <= soon,
        )
        .options(joinedload(Assignment.reviewer), _with_set())  # type: ignore[arg-type]
        .order_by(Assignment.id)
    ).all()
    reminded: list[int] = []
    for assignment in candidates:
        if not _reminder_due(assignment.due_on, assignment.reminded_on, today):
            continue
        review_emails.reminder(
            session,
            to=assignment.reviewer.email,
            name=assignment.reviewer.name,
            set_name=assignment.submission.enrollment_set.competency_set.name,
            due_on=assignment.due_on,
            today=today,
        )
        reminded.append(assignment.id)
    if reminded:
        # A table-level UPDATE leaves the version alone: a reminder must not make a reviewer's
        # open tab look stale.
        table: Table = Assignment.__table__  # type: ignore[assignment]
        session.execute(update(table).where(table.c.id.in_(reminded)).values(reminded_on=today))
        for assignment in candidates:
            if assignment.id in reminded:
                session.expire(assignment, ["reminded_on"])
    return len(reminded)


def _reminder_due(due_on: date, reminded_on: date | None, today: date) -> bool:
    if reminded_on is not None and reminded_on >= today:
        return False
    if today >= due_on:
        return reminded_on is None or reminded_on < due_on
    early = due_on - timedelta(days=REMIND_DAYS_BEFORE)
    return today >= early and (reminded_on is None or reminded_on < early)
