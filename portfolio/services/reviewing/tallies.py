"""Keeps the monthly review tallies (models.review_tallies) in step with submitted reviews.

scoring.submit_review calls `record_submitted` and outcome_changes.reopen calls
`record_withdrawn`, inside their transactions and after the submission row is locked, so the
pairs of two reviews submitted at the same instant are counted once. `rebuild` recomputes every
tally from the reviews themselves (`flask reviews retally`), after a bulk import for instance.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from sqlalchemy import delete, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, selectinload

from portfolio.domain.reviewing.tallies import (
    COUNTERS,
    Subject,
    SubmittedReview,
    Tallies,
    TallyKey,
    tallies_of_reviews,
    tallies_of_submit,
    tallies_of_withdrawal,
)
from portfolio.models import (
    Assignment,
    AssignmentKind,
    AssignmentStatus,
    EnrollmentSet,
    ReviewerReviewTally,
    ReviewRating,
    SetReviewTally,
    Submission,
)

# Only real reviews count: an adjudicator sees both earlier ratings, so is not independent.
TALLIED_KINDS = (AssignmentKind.REVIEW,)
_MODELS: dict[Subject, Any] = {Subject.SET: SetReviewTally, Subject.REVIEWER: ReviewerReviewTally}
_SUBJECT_COLUMNS = {Subject.SET: "set_id", Subject.REVIEWER: "reviewer_id"}


def record_submitted(session: Session, assignment: Assignment) -> None:
    """Add a just-submitted review (and its pairs with earlier ones) to the tallies."""
    if assignment.kind not in TALLIED_KINDS:
        return
    review = _submitted_review(session, assignment)
    _apply(session, tallies_of_submit(review, _partners(session, assignment)))


def record_withdrawn(session: Session, assignment: Assignment) -> None:
    """Take a submitted review out of the tallies; call before it stops being submitted."""
    if assignment.kind not in TALLIED_KINDS or assignment.status is not AssignmentStatus.SUBMITTED:
        return
    review = _submitted_review(session, assignment)
    _apply(session, tallies_of_withdrawal(review, _partners(session, assignment)))


def rebuild(session: Session) -> int:
    """Recompute every tally from the submitted reviews; returns the number of tally rows."""
    if session.get_bind().dialect.name == "postgresql":
        # Reviews submitted meanwhile wait for the rebuild, rather than adding to rows it is
        # replacing (SQLite has one writer at a time anyway).
        session.execute(text("LOCK TABLE set_tally, reviewer_tally IN SHARE ROW EXCLUSIVE MODE"))
    for model in _MODELS.values():
        session.execute(delete(model))
    tallies = tallies_of_reviews(_all_submitted(session))
    for subject, model in _MODELS.items():
        rows = [
            _row(key, counts) for key, counts in sorted(tallies.items()) if key.subject is subject
        ]
        if rows:
            session.execute(model.__table__.insert(), rows)
    session.flush()
    return len(tallies)


def _submitted_review(session: Session, assignment: Assignment) -> SubmittedReview:
    set_id = session.scalar(
        select(EnrollmentSet.set_id)
        .join(Submission, Submission.enrollment_set_id == EnrollmentSet.id)
        .where(Submission.id == assignment.submission_id)
    )
    assert set_id is not None and assignment.submitted_at is not None
    return SubmittedReview(
        assignment_id=assignment.id,
        submission_id=assignment.submission_id,
        reviewer_id=assignment.reviewer_id,
        set_id=set_id,
        assigned_at=assignment.assigned_at,
        submitted_at=assignment.submitted_at,
        levels={r.competency_id: r.level for r in assignment.ratings if r.level is not None},
    )


def _partners(session: Session, assignment: Assignment) -> list[SubmittedReview]:
    others = session.scalars(
        select(Assignment)
        .where(
            Assignment.submission_id == assignment.submission_id,
            Assignment.id != assignment.id,
            Assignment.kind.in_(TALLIED_KINDS),
            Assignment.status == AssignmentStatus.SUBMITTED,
            Assignment.submitted_at.is_not(None),
        )
        .options(selectinload(Assignment.ratings))
    ).all()
    return [_submitted_review(session, other) for other in others]


def _all_submitted(session: Session) -> Iterator[SubmittedReview]:
    assignments = session.execute(
        select(
            Assignment.id,
            Assignment.submission_id,
            Assignment.reviewer_id,
            EnrollmentSet.set_id,
            Assignment.assigned_at,
            Assignment.submitted_at,
        )
        .join(Submission, Submission.id == Assignment.submission_id)
        .join(EnrollmentSet, EnrollmentSet.id == Submission.enrollment_set_id)
        .where(Assignment.kind.in_(TALLIED_KINDS), Assignment.status == AssignmentStatus.SUBMITTED)
    ).all()
    levels = _levels_by_assignment(session)
    for aid, submission_id, reviewer_id, set_id, assigned_at, submitted_at in assignments:
        if submitted_at is None:  # cannot happen through the services; never count it
            continue
        yield SubmittedReview(
            aid, submission_id, reviewer_id, set_id, assigned_at, submitted_at, levels.get(aid, {})
        )


def _levels_by_assignment(session: Session) -> dict[int, dict[int, str]]:
    result: dict[int, dict[int, str]] = {}
    rows = session.execute(
        select(ReviewRating.assignment_id, ReviewRating.competency_id, ReviewRating.level)
        .join(Assignment, Assignment.id == ReviewRating.assignment_id)
        .where(
            Assignment.kind.in_(TALLIED_KINDS),
            Assignment.status == AssignmentStatus.SUBMITTED,
        )
    )
    for aid, competency_id, level in rows:
        if level is not None:
            result.setdefault(aid, {})[competency_id] = level
    return result


def _row(key: TallyKey, counts: Mapping[str, int]) -> dict[str, Any]:
    return {
        _SUBJECT_COLUMNS[key.subject]: key.subject_id,
        "month": key.month,
        **{name: counts.get(name, 0) for name in COUNTERS},
    }


def _apply(session: Session, tallies: Tallies) -> None:
    """Add to each tally row, creating it if need be (one statement per table).

    Rows change in key order, so two transactions never wait on each other's rows crosswise.
    """
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    changes = sorted(tallies.items())
    for subject, model in _MODELS.items():
        rows = [_row(key, counts) for key, counts in changes if key.subject is subject]
        if not rows:
            continue
        table = model.__table__
        statement = insert(table).values(rows)
        statement = statement.on_conflict_do_update(
            index_elements=["month", _SUBJECT_COLUMNS[subject]],
            set_={name: table.c[name] + statement.excluded[name] for name in COUNTERS},
        )
        session.execute(statement)
