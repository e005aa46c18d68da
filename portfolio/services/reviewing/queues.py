"""Lists of assignments (a reviewer's queue, the overdue ones) and the reminder job.

Each list loads what its page shows in a fixed number of queries, whatever the data size.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, Table, func, or_, select, update
from sqlalchemy.orm import Session, aliased, defer, joinedload

from portfolio.domain.listing import Choice, ListPage, ListRequest, ListSpec
from portfolio.models import (
    Assignment,
    AssignmentKind,
    AssignmentStatus,
    CompetencySet,
    Enrollment,
    EnrollmentSet,
    Submission,
    User,
)
from portfolio.services.listing import ListQuery, fetch_page, set_filter
from portfolio.services.reviewing import emails

REMIND_DAYS_BEFORE = 3
QUEUE_LIMIT = 200
OPEN_KINDS = (AssignmentKind.REVIEW, AssignmentKind.ADJUDICATION)


def _with_set() -> object:
    # Reminders never show the evidence: leave the (large) snapshot document in the database.
    return joinedload(Assignment.submission).options(
        defer(Submission.snapshot),
        joinedload(Submission.enrollment_set).joinedload(EnrollmentSet.competency_set),
    )


@dataclass(frozen=True, slots=True)
class QueueRow:
    """One line of a reviewer's queue."""

    id: int
    kind: AssignmentKind
    status: AssignmentStatus
    due_on: date
    last_saved_at: datetime | None
    submitted_at: datetime | None
    attempt: int
    set_code: str
    set_name: str


@dataclass(frozen=True, slots=True)
class OverdueRow:
    """One line of the administrators' overdue list."""

    id: int
    due_on: date
    reviewer_name: str
    candidate_name: str
    set_code: str
    set_name: str
    reviewer_id: int


def has_open_reviews(session: Session, reviewer: User) -> bool:
    """Whether `reviewer` has a review (or calibration) waiting to be done."""
    waiting = select(Assignment.id).where(
        Assignment.reviewer_id == reviewer.id, Assignment.status == AssignmentStatus.ASSIGNED
    )
    return session.scalar(waiting.limit(1)) is not None


def reviewer_queue(session: Session, reviewer: User) -> tuple[list[QueueRow], list[QueueRow]]:
    """The reviewer's open assignments (soonest due first) and their latest finished ones.

    Plain rows, not ORM objects: the page only reads them, and this is the page reviewers
    open most.
    """
    base = (
        select(
            Assignment.id,
            Assignment.kind,
            Assignment.status,
            Assignment.due_on,
            Assignment.last_saved_at,
            Assignment.submitted_at,
            Submission.attempt,
            CompetencySet.code,
            CompetencySet.name,
        )
        .join(Submission, Submission.id == Assignment.submission_id)
        .join(EnrollmentSet, EnrollmentSet.id == Submission.enrollment_set_id)
        .join(CompetencySet, CompetencySet.id == EnrollmentSet.set_id)
        .where(Assignment.reviewer_id == reviewer.id, Assignment.kind.in_(OPEN_KINDS))
    )
    open_ = session.execute(
        base.where(Assignment.status == AssignmentStatus.ASSIGNED).order_by(
            Assignment.due_on, Assignment.id
        )
    )
    done = session.execute(
        base.where(Assignment.status != AssignmentStatus.ASSIGNED)
        .order_by(Assignment.assigned_at.desc(), Assignment.id.desc())
        .limit(QUEUE_LIMIT)
    )
    return [QueueRow(*row) for row in open_], [QueueRow(*row) for row in done]


def _overdue_where(today: date) -> tuple[ColumnElement[bool], ...]:
    return (Assignment.status == AssignmentStatus.ASSIGNED, Assignment.due_on < today)


def overdue_list(set_codes: list[str]) -> ListSpec:
    """The overdue list's search, filters and sorts; the set filter offers `set_codes`."""
    return ListSpec(
        sorts=(Choice("due", "Due date"), Choice("reviewer", "Reviewer's name")),
        filters=(set_filter(set_codes),),
        default_order="asc",  # the longest overdue first
        search_label="Search by reviewer or candidate",
    )


def overdue_query(request: ListRequest, today: date) -> ListQuery[OverdueRow]:
    """One page of open assignments past their due date (two queries)."""
    reviewer, candidate = aliased(User), aliased(User)
    listed = (
        select(
            Assignment.id,
            Assignment.due_on,
            reviewer.name,
            candidate.name,
            CompetencySet.code,
            CompetencySet.name,
            reviewer.id,
        )
        .join(reviewer, reviewer.id == Assignment.reviewer_id)
        .join(Submission, Submission.id == Assignment.submission_id)
        .join(EnrollmentSet, EnrollmentSet.id == Submission.enrollment_set_id)
        .join(CompetencySet, CompetencySet.id == EnrollmentSet.set_id)
        .join(Enrollment, Enrollment.id == EnrollmentSet.enrollment_id)
        .join(candidate, candidate.id == Enrollment.user_id)
        .where(*_overdue_where(today))
    )
    if request.search:
        listed = listed.where(
            or_(
                reviewer.name.icontains(request.search, autoescape=True),
                candidate.name.icontains(request.search, autoescape=True),
            )
        )
    if "set" in request.filters:
        listed = listed.where(CompetencySet.code == request.filters["set"])
    return ListQuery(
        listed,
        {"due": Assignment.due_on, "reviewer": reviewer.name},
        Assignment.id,
        lambda rows: [OverdueRow(*row) for row in rows],
    )


def overdue(session: Session, request: ListRequest, today: date) -> ListPage[OverdueRow]:
    return fetch_page(session, overdue_query(request, today), request)


def count_overdue(session: Session, today: date) -> int:
    total = session.scalar(select(func.count(Assignment.id)).where(*_overdue_where(today)))
    return int(total or 0)


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
        emails.reminder(
            session,
            reviewer=assignment.reviewer,
            set_name=assignment.submission.enrollment_set.competency_set.name,
            due_on=assignment.due_on,
            today=today,
            assignment_id=assignment.id,
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
