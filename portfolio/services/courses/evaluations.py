"""Course evaluators: reviewers qualified for the course's set, free of conflicts with its
provider, judge a course version against the course-approval rubric (program rules).

The office assigns them; a reviewer whose organisation (the library or institution on their
reviewer profile) is the provider, or who acts for the provider, is refused. Flushes only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.courses import approval
from portfolio.domain.errors import Conflict, InvalidInput, NotFound
from portfolio.domain.ids import is_row_id
from portfolio.models import (
    Course,
    CourseEvaluation,
    CourseEvaluationStatus,
    CourseVersion,
    CourseVersionStatus,
    ProviderMember,
    ReviewerProfile,
    ReviewerQualification,
    Role,
    User,
    UserRole,
)
from portfolio.models.base import utcnow
from portfolio.services import audit
from portfolio.services.courses import notices
from portfolio.services.courses.rules import course_rules

MAX_COMMENT = 10_000
BEING_JUDGED = (CourseVersionStatus.SUBMITTED, CourseVersionStatus.IN_REVIEW)


@dataclass(frozen=True)
class EvaluatorChoice:
    """A reviewer qualified for the course's set, and why they may not evaluate it (or None)."""

    user_id: int
    name: str
    organisation: str
    conflict: str | None
    assigned: bool


def evaluator_choices(session: Session, version: CourseVersion) -> list[EvaluatorChoice]:
    """Active reviewers qualified for the course's set, by name, each with any conflict."""
    course = version.course
    rows = session.execute(
        select(User.id, User.name, ReviewerProfile.library)
        .join(ReviewerProfile, ReviewerProfile.user_id == User.id)
        .join(ReviewerQualification, ReviewerQualification.profile_id == ReviewerProfile.id)
        .where(
            ReviewerQualification.framework_slug == course.framework_slug,
            ReviewerQualification.set_code == course.set_code,
            ReviewerProfile.active.is_(True),
            User.id.in_(select(UserRole.user_id).where(UserRole.role == Role.REVIEWER)),
        )
        .order_by(User.name, User.id)
    ).all()
    members = _member_ids(session, course.provider_id)
    taken = {e.evaluator_id for e in version.evaluations if e.status is not _WITHDRAWN}
    return [
        EvaluatorChoice(
            user_id=user_id,
            name=name,
            organisation=library or "",
            conflict=approval.evaluator_conflict(
                reviewer_organisation=library,
                provider_name=course.provider.name,
                acts_for_provider=user_id in members,
            ),
            assigned=user_id in taken,
        )
        for user_id, name, library in rows
    ]


_WITHDRAWN = CourseEvaluationStatus.WITHDRAWN


def assign_evaluator(
    session: Session, version: CourseVersion, *, evaluator_id: object, actor: User
) -> CourseEvaluation:
    """Ask a qualified reviewer to evaluate the version (audited, emailed after the commit).

    InvalidInput for someone who is not a qualified reviewer of the set; Conflict for a
    conflict of interest with the provider, someone already assigned, or a decided version."""
    if version.status not in BEING_JUDGED:
        raise Conflict("Only a submitted course can be given evaluators.")
    choices = {c.user_id: c for c in evaluator_choices(session, version)}
    choice = choices.get(evaluator_id) if is_row_id(evaluator_id) else None
    if choice is None:
        raise InvalidInput(
            f"Choose a reviewer qualified for {version.course.set_code}.", field="evaluator_id"
        )
    if choice.conflict is not None:
        raise Conflict(f"{choice.name} cannot evaluate this course. {choice.conflict}")
    if choice.assigned:
        raise Conflict(f"{choice.name} is already evaluating this course.")
    evaluation = CourseEvaluation(
        course_version=version, evaluator_id=choice.user_id, assigned_by_id=actor.id
    )
    session.add(evaluation)
    version.status = CourseVersionStatus.IN_REVIEW
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=AuditAction.COURSE_EVALUATOR_ASSIGNED,
        object_type="course_version",
        object_id=version.id,
        details={"evaluator_id": choice.user_id, "evaluation_id": evaluation.id},
    )
    evaluator = session.get(User, choice.user_id)
    assert evaluator is not None
    notices.tell_evaluator(session, evaluator, version)
    return evaluation


def own_evaluation(session: Session, evaluator: User, version_id: int) -> CourseEvaluation:
    """The evaluator's (not withdrawn) evaluation of the version; NotFound otherwise."""
    evaluation = session.scalar(
        select(CourseEvaluation).where(
            CourseEvaluation.course_version_id == version_id,
            CourseEvaluation.evaluator_id == evaluator.id,
            CourseEvaluation.status != _WITHDRAWN,
        )
    )
    if evaluation is None:
        raise NotFound("We could not find that course evaluation.")
    return evaluation


def open_evaluations(session: Session, evaluator: User) -> list[CourseEvaluation]:
    return list(
        session.scalars(
            select(CourseEvaluation)
            .where(
                CourseEvaluation.evaluator_id == evaluator.id,
                CourseEvaluation.status == CourseEvaluationStatus.ASSIGNED,
            )
            .options(
                selectinload(CourseEvaluation.course_version).selectinload(
                    CourseVersion.competency_set
                ),
                selectinload(CourseEvaluation.course_version)
                .selectinload(CourseVersion.course)
                .selectinload(Course.provider),
            )
            .order_by(CourseEvaluation.assigned_at)
        )
    )


def submit_evaluation(
    session: Session,
    evaluation: CourseEvaluation,
    *,
    ratings: Mapping[str, object],
    comment: object,
    actor: User,
) -> None:
    """Record the evaluator's rating of every rubric criterion and their comment (audited).

    InvalidInput naming every criterion not rated; Conflict once submitted or withdrawn."""
    if evaluation.status is not CourseEvaluationStatus.ASSIGNED:
        raise Conflict("This evaluation is already sent, so it can no longer change.")
    version = evaluation.course_version
    rules = course_rules(version.competency_set.framework, required=True)
    assert rules is not None
    problems: dict[str, str] = {}
    rated: dict[str, str] = {}
    text = ""
    try:
        rated = approval.rubric_ratings(ratings, rules)
    except InvalidInput as exc:
        problems.update(exc.problems)
    try:
        text = approval.clean_text(
            comment, field="comment", label="your comment", limit=MAX_COMMENT, required=True
        )
    except InvalidInput as exc:
        problems.update(exc.problems)
    if problems:
        raise InvalidInput.listing(problems)
    evaluation.ratings = rated
    evaluation.comment = text
    evaluation.status = CourseEvaluationStatus.SUBMITTED
    evaluation.submitted_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=AuditAction.COURSE_EVALUATION_SUBMITTED,
        object_type="course_version",
        object_id=version.id,
        details={"evaluation_id": evaluation.id, "ratings": rated},
    )


def withdraw_open(version: CourseVersion) -> None:
    """The office decided: evaluations still open are no longer asked for."""
    for evaluation in version.evaluations:
        if evaluation.status is CourseEvaluationStatus.ASSIGNED:
            evaluation.status = CourseEvaluationStatus.WITHDRAWN


def _member_ids(session: Session, provider_id: int) -> set[int]:
    return set(
        session.scalars(
            select(ProviderMember.user_id).where(ProviderMember.provider_id == provider_id)
        )
    )
