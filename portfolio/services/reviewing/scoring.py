"""A reviewer's ratings: drafts saved as they go (optimistic locking), then one final submit.

Every function takes the reviewer and refuses (NotFound) an assignment that is not theirs, so
no view can forget the check. Errors: InvalidInput (422) for a value the rubric does not allow,
Conflict (409) for a review that can no longer change or changed in another tab.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.dates import format_date, format_time
from portfolio.domain.errors import Conflict, InvalidInput, NotFound
from portfolio.domain.reviewing.comments import check_comment
from portfolio.domain.reviewing.rubric import Rating, parse_rating
from portfolio.models import (
    Assignment,
    AssignmentKind,
    AssignmentStatus,
    Competency,
    CompetencySet,
    Enrollment,
    EnrollmentSet,
    Framework,
    ReviewRating,
    SetOutcomeRecord,
    Submission,
    User,
)
from portfolio.models.base import utcnow
from portfolio.services import audit
from portfolio.services.reviewing import tallies
from portfolio.services.reviewing.outcomes import on_review_submitted

MAX_COMMENT = 10_000


@dataclass(frozen=True)
class RatingInput:
    """What the form sent for one competency: a level key (or None) and a comment."""

    competency_id: int
    level: str | None
    comment: str


def open_for_reviewer(
    session: Session, assignment_id: int, reviewer: User, *, with_rubric: bool = True
) -> Assignment:
    """The reviewer's own assignment, with its submission, set and framework; else NotFound.

    `with_rubric` also loads the set's competencies, their descriptors, the rubric levels and
    the ratings, as saving and submitting use them; the screen reads those itself.
    """
    set_and_enrollment = joinedload(Assignment.submission).joinedload(Submission.enrollment_set)
    query = select(Assignment).where(
        Assignment.id == assignment_id,
        Assignment.reviewer_id == reviewer.id,
        Assignment.kind != AssignmentKind.CALIBRATION,
    )
    if with_rubric:
        competencies = selectinload(CompetencySet.competencies).selectinload(Competency.descriptors)
        query = query.options(
            selectinload(Assignment.ratings),
            set_and_enrollment.options(
                joinedload(EnrollmentSet.competency_set).options(competencies),
                joinedload(EnrollmentSet.enrollment)
                .joinedload(Enrollment.framework)
                .selectinload(Framework.rubric_levels),
            ),
        )
    else:
        query = query.options(
            set_and_enrollment.options(
                joinedload(EnrollmentSet.competency_set),
                joinedload(EnrollmentSet.enrollment).joinedload(Enrollment.framework),
            )
        )
    assignment = session.scalar(query)
    if assignment is None:
        raise NotFound("We could not find that assignment.")
    return assignment


def scope(session: Session, assignment: Assignment) -> list[Competency]:
    """The competencies this reviewer rates: all of the set, or for a third reviewer only
    those the first two disagreed on across Not met."""
    competencies = list(assignment.submission.enrollment_set.competency_set.competencies)
    if assignment.kind is not AssignmentKind.ADJUDICATION:
        return competencies
    codes = disputed_codes(session, assignment.submission)
    return [c for c in competencies if c.code in codes]


def disputed_codes(session: Session, submission: Submission) -> set[str]:
    """Codes of the competencies waiting for (or decided by) a third reviewer."""
    outcome = session.scalar(
        select(SetOutcomeRecord).where(SetOutcomeRecord.submission_id == submission.id)
    )
    if outcome is None:
        return set()
    return {
        code
        for code, result in (outcome.reasons.get("competencies") or {}).items()
        if result.get("rule") in ("adjudication_required", "adjudicated")
    }


def check_open(assignment: Assignment, today: date) -> None:
    """Conflict, with what happened, unless the reviewer may still change this review."""
    if assignment.status is AssignmentStatus.SUBMITTED:
        when = assignment.submitted_at
        on = f" on {format_date(when)}" if when else ""
        raise Conflict(f"You submitted this review{on}. A submitted review cannot change.")
    if assignment.status is AssignmentStatus.DECLINED:
        raise Conflict("You declined this assignment, so it can no longer be scored.")
    if assignment.status is AssignmentStatus.REASSIGNED:
        raise Conflict(
            "An administrator reassigned this review to another reviewer. "
            "It can no longer be scored here; your saved drafts are kept on record."
        )
    if assignment.due_moved_at is not None and today > assignment.due_on:
        raise Conflict(
            f"The due date of this review was moved to {format_date(assignment.due_on)}, and that "
            "day has passed. Ask an administrator to extend it; your saved drafts are kept."
        )


def check_version(assignment: Assignment, version: int | None) -> None:
    """Conflict when the page was loaded before the last change to this review."""
    if version is None or version != assignment.version:
        raise Conflict(stale_message(assignment))


def stale_message(assignment: Assignment) -> str:
    saved = assignment.last_saved_at
    when = f" (last saved at {format_time(saved)})" if saved else ""
    moved = (
        f" An administrator moved its due date to {format_date(assignment.due_on)}."
        if assignment.due_moved_at
        else ""
    )
    return (
        f"This review changed since you opened it, probably in another tab or window{when}."
        f"{moved} Your latest entries were not saved, so nothing was overwritten: reload the "
        "page to see the saved version, then make your changes again."
    )


def save_draft(
    session: Session,
    assignment: Assignment,
    *,
    reviewer: User,
    version: int | None,
    ratings: Sequence[RatingInput],
    overall_comment: str,
    today: date,
) -> None:
    """Save draft ratings and comments (anything may still be blank). Bumps the version."""
    if assignment.reviewer_id != reviewer.id:
        raise NotFound("We could not find that assignment.")
    check_open(assignment, today)
    check_version(assignment, version)
    allowed = {c.id: c for c in scope(session, assignment)}
    levels = _rubric_levels(assignment)
    by_competency = {r.competency_id: r for r in assignment.ratings}
    for item in ratings:
        if item.competency_id not in allowed:
            raise InvalidInput(
                "One of the ratings is for a competency that is not part of this review.",
                field=f"rating-{item.competency_id}",
            )
        level = _checked_level(item, levels)
        _checked_comment(item.comment, f"comment-{item.competency_id}")
        row = by_competency.get(item.competency_id)
        if row is None:
            row = ReviewRating(competency_id=item.competency_id)
            assignment.ratings.append(row)
            by_competency[item.competency_id] = row
        row.level, row.comment = level, item.comment.strip()
    assignment.overall_comment = _checked_comment(overall_comment, "overall_comment")
    assignment.last_saved_at = utcnow()
    try:
        session.flush()
    except StaleDataError:
        raise Conflict(stale_message(assignment)) from None


def submit_review(
    session: Session,
    assignment: Assignment,
    *,
    reviewer: User,
    version: int | None,
    ratings: Sequence[RatingInput],
    overall_comment: str,
    today: date,
) -> None:
    """Save, check the review is complete, and make it final (audited); may decide the set.

    The submission row is locked first, so of two reviewers submitting at the same instant
    the second sees the first's review and the outcome is computed once.
    """
    if assignment.reviewer_id != reviewer.id:
        raise NotFound("We could not find that assignment.")
    _lock_submission(session, assignment.submission_id)
    session.refresh(assignment)  # the latest status and version, read after the lock
    save_draft(
        session,
        assignment,
        reviewer=reviewer,
        version=version,
        ratings=ratings,
        overall_comment=overall_comment,
        today=today,
    )
    given = {r.competency_id: r for r in assignment.ratings}
    problems: dict[str, str] = {}  # every one of them, so the reviewer fixes all in one go
    for competency in scope(session, assignment):
        rating = given.get(competency.id)
        if rating is None or rating.level is None:
            problems[f"rating-{competency.id}"] = (
                f"Choose a rating for {competency.code} {competency.title}."
            )
            continue
        try:
            check_comment(
                parse_rating(rating.level),
                rating.comment,
                competency=competency.code,
                field=f"comment-{competency.id}",
            )
        except InvalidInput as exc:
            problems[exc.field or f"comment-{competency.id}"] = exc.message
    if problems:
        raise InvalidInput.listing(problems)
    assignment.status, assignment.submitted_at = AssignmentStatus.SUBMITTED, utcnow()
    session.flush()
    codes = {c.id: c.code for c in scope(session, assignment)}
    audit.record(
        session,
        actor=reviewer,
        action=AuditAction.REVIEW_SUBMITTED,
        object_type="assignment",
        object_id=assignment.id,
        details={
            "submission_id": assignment.submission_id,
            "kind": assignment.kind.value,
            "ratings": {
                codes[r.competency_id]: r.level for r in given.values() if r.competency_id in codes
            },
        },
    )
    on_review_submitted(session, assignment.submission, today)
    # Last: the tally rows stay locked until the commit, and many reviews share them.
    tallies.record_submitted(session, assignment)


def _lock_submission(session: Session, submission_id: int) -> None:
    session.execute(
        select(Submission.id).where(Submission.id == submission_id).with_for_update()
    ).all()


def _rubric_levels(assignment: Assignment) -> set[str]:
    framework = assignment.submission.enrollment_set.enrollment.framework
    keys = {level.key for level in framework.rubric_levels}
    return keys or {level.value for level in Rating}


def _checked_level(item: RatingInput, levels: set[str]) -> str | None:
    if item.level is None or item.level == "":
        return None
    field = f"rating-{item.competency_id}"
    if item.level not in levels:
        raise InvalidInput(
            "That rating is not a level of this rubric: choose Met, Partially met or Not met.",
            field=field,
        )
    return parse_rating(item.level, field=field).value


def _checked_comment(text: str, field: str) -> str:
    if len(text) > MAX_COMMENT:
        raise InvalidInput(f"Keep comments under {MAX_COMMENT:,} characters.", field=field)
    return text.strip()
