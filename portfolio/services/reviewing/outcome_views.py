"""Reading outcomes: the candidate's feedback (reviewers anonymous) and the administrator's file.

A candidate only ever reaches their own submissions (NotFound otherwise), sees an outcome only
once it is decided, and never a reviewer's name, email or id.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from portfolio.domain.enrollment.routes import COURSE, routes_open
from portfolio.domain.errors import NotFound
from portfolio.domain.lifecycle import SetLifecycle, status_title
from portfolio.domain.reviewing.rubric import Rating
from portfolio.models import (
    Assignment,
    AssignmentKind,
    AssignmentStatus,
    AuditEvent,
    CompetencySet,
    Enrollment,
    EnrollmentSet,
    OutcomeStatus,
    SetOutcomeRecord,
    Submission,
    User,
)
from portfolio.services.reviewing.outcomes import history

LEVEL_LABELS = {level.value: level.label for level in Rating}
DECIDED = (OutcomeStatus.MET, OutcomeStatus.NOT_YET_MET, OutcomeStatus.CLOSED_NOT_MET)


@dataclass(frozen=True)
class Comment:
    who: str  # "Reviewer 1", "Reviewer 2", "Third reviewer": never a name
    text: str


@dataclass(frozen=True)
class CompetencyFeedback:
    code: str
    title: str
    rating_label: str
    explanation: str
    comments: tuple[Comment, ...]


@dataclass(frozen=True)
class OutcomeView:
    submission_id: int
    set_code: str
    set_name: str
    attempt: int
    status: OutcomeStatus
    status_label: str
    decided_at: datetime
    checks: tuple[str, ...]
    closed_reason: str | None
    overridden: bool
    competencies: tuple[CompetencyFeedback, ...]
    overall_comments: tuple[Comment, ...]
    enrollment_id: int = 0
    # Closed, and the set may still be met by an approved course (domain.enrollment.routes).
    course_route_open: bool = False


@dataclass(frozen=True)
class SetRow:
    set_code: str
    set_name: str
    submission_id: int | None
    attempt: int | None
    status_label: str
    decided: bool


def candidate_outcome(session: Session, submission_id: int, candidate: User) -> OutcomeView:
    """The decided outcome of one of the candidate's own submissions; NotFound otherwise."""
    submission = session.scalar(
        select(Submission)
        .join(EnrollmentSet, EnrollmentSet.id == Submission.enrollment_set_id)
        .join(Enrollment, Enrollment.id == EnrollmentSet.enrollment_id)
        .where(Submission.id == submission_id, Enrollment.user_id == candidate.id)
        .options(
            joinedload(Submission.enrollment_set)
            .joinedload(EnrollmentSet.competency_set)
            .selectinload(CompetencySet.competencies)
        )
    )
    outcome = (
        session.scalar(
            select(SetOutcomeRecord).where(SetOutcomeRecord.submission_id == submission.id)
        )
        if submission is not None
        else None
    )
    if submission is None or outcome is None or outcome.status not in DECIDED:
        raise NotFound("We could not find that outcome.")
    reviews = session.scalars(
        select(Assignment)
        .where(
            Assignment.submission_id == submission.id,
            Assignment.status == AssignmentStatus.SUBMITTED,
            Assignment.kind.in_((AssignmentKind.REVIEW, AssignmentKind.ADJUDICATION)),
        )
        .options(selectinload(Assignment.ratings))
        .order_by(Assignment.kind.desc(), Assignment.id)  # "review" sorts before "adjudication"
    ).all()
    labels = _anonymous_labels(reviews)
    results = outcome.reasons.get("competencies") or {}
    feedback = []
    for competency in submission.enrollment_set.competency_set.competencies:
        result = results.get(competency.code) or {}
        comments = tuple(
            Comment(labels[review.id], rating.comment)
            for review in reviews
            for rating in review.ratings
            if rating.competency_id == competency.id and rating.comment
        )
        feedback.append(
            CompetencyFeedback(
                code=competency.code,
                title=competency.title,
                rating_label=LEVEL_LABELS.get(result.get("rating") or "", "Not rated"),
                explanation=str(result.get("explanation", "")),
                comments=comments,
            )
        )
    return OutcomeView(
        submission_id=submission.id,
        set_code=submission.enrollment_set.competency_set.code,
        set_name=submission.enrollment_set.competency_set.name,
        attempt=submission.attempt,
        status=outcome.status,
        status_label=status_title(outcome.status),
        decided_at=outcome.decided_at,
        checks=tuple(str(c.get("text", "")) for c in outcome.reasons.get("checks") or ()),
        closed_reason=outcome.reasons.get("closed_reason"),
        overridden=outcome.overridden_by_id is not None,
        competencies=tuple(feedback),
        overall_comments=tuple(
            Comment(labels[r.id], r.overall_comment) for r in reviews if r.overall_comment
        ),
        enrollment_id=submission.enrollment_set.enrollment_id,
        course_route_open=COURSE
        in routes_open(submission.enrollment_set.status, submission.enrollment_set.route.value),
    )


def _anonymous_labels(reviews: Sequence[Assignment]) -> dict[int, str]:
    labels: dict[int, str] = {}
    number = 0
    for review in reviews:
        if review.kind is AssignmentKind.ADJUDICATION:
            labels[review.id] = "Third reviewer"
        else:
            number += 1
            labels[review.id] = f"Reviewer {number}"
    return labels


def candidate_sets(session: Session, candidate: User) -> list[SetRow]:
    """Each set the candidate has submitted, with its latest attempt's outcome."""
    rows = session.execute(
        select(EnrollmentSet, Submission, SetOutcomeRecord)
        .join(Enrollment, Enrollment.id == EnrollmentSet.enrollment_id)
        .join(Submission, Submission.enrollment_set_id == EnrollmentSet.id)
        .outerjoin(SetOutcomeRecord, SetOutcomeRecord.submission_id == Submission.id)
        .where(Enrollment.user_id == candidate.id)
        .options(joinedload(EnrollmentSet.competency_set))
        .order_by(EnrollmentSet.id, Submission.attempt)
    ).all()
    latest: dict[int, SetRow] = {}
    for enrollment_set, submission, outcome in rows:
        decided = outcome is not None and outcome.status in DECIDED
        label = status_title(outcome.status if decided else SetLifecycle.IN_REVIEW)
        latest[enrollment_set.id] = SetRow(
            enrollment_set.competency_set.code,
            enrollment_set.competency_set.name,
            submission.id,
            submission.attempt,
            label,
            decided,
        )
    return list(latest.values())


@dataclass(frozen=True)
class SubmissionFile:
    """Everything an administrator sees about one submission's review."""

    submission: Submission
    outcome: SetOutcomeRecord | None
    assignments: list[Assignment]
    history: list[AuditEvent]


def submission_file(session: Session, submission_id: int) -> SubmissionFile:
    submission = session.scalar(
        select(Submission)
        .where(Submission.id == submission_id)
        .options(
            joinedload(Submission.enrollment_set).options(
                joinedload(EnrollmentSet.competency_set).selectinload(CompetencySet.competencies),
                joinedload(EnrollmentSet.enrollment).joinedload(Enrollment.user),
            )
        )
    )
    if submission is None:
        raise NotFound("We could not find that submission.")
    assignments = session.scalars(
        select(Assignment)
        .where(Assignment.submission_id == submission.id)
        .options(joinedload(Assignment.reviewer), selectinload(Assignment.ratings))
        .order_by(Assignment.id)
    ).all()
    outcome = session.scalar(
        select(SetOutcomeRecord).where(SetOutcomeRecord.submission_id == submission.id)
    )
    return SubmissionFile(submission, outcome, list(assignments), history(session, submission))
