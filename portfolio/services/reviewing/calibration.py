"""Calibration: anchors (past submissions with agreed ratings) and new reviewers scoring one.

A reviewer whose profile has no calibrated_at, and who is qualified in a set that has an anchor,
gets a CALIBRATION assignment on that anchor and takes no real review until they submit it
(reviewing.pool asks `must_calibrate`). Where no anchor exists nothing changes, so programs that
do not calibrate keep assigning as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session

from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.errors import Conflict, InvalidInput, NotFound
from portfolio.domain.reviewing.agreement import Statistic, weighted_kappa
from portfolio.domain.reviewing.assignment import in_conflict
from portfolio.domain.reviewing.rubric import Rating, parse_rating
from portfolio.models import (
    Assignment,
    AssignmentKind,
    AssignmentStatus,
    CalibrationAnchor,
    Competency,
    CompetencySet,
    Enrollment,
    EnrollmentSet,
    Framework,
    ReviewerProfile,
    ReviewRating,
    Submission,
    User,
)
from portfolio.models.base import utcnow
from portfolio.services import audit
from portfolio.services.reviewing.pool import candidate_for_choosing

CALIBRATION_DUE_DAYS = 21


def competencies_of(submission: Submission) -> list[Competency]:
    return list(submission.enrollment_set.competency_set.competencies)


def mark_anchor(
    session: Session, submission: Submission, *, actor: User, agreed: Mapping[str, str]
) -> CalibrationAnchor:
    """Make `submission` an anchor with `agreed` ratings (competency code -> level).

    The ratings must cover every competency of the set with a rubric level (InvalidInput naming
    the field `rating-<code>` otherwise); a submission is an anchor at most once (Conflict).
    """
    if session.scalar(
        select(CalibrationAnchor).where(CalibrationAnchor.submission_id == submission.id)
    ):
        raise Conflict("This submission is already a calibration anchor.")
    codes = [c.code for c in competencies_of(submission)]
    unknown = sorted(set(agreed) - set(codes))
    if unknown:
        raise InvalidInput(f"{unknown[0]} is not a competency of this set.")
    ratings: dict[str, str] = {}
    for code in codes:
        level = (agreed.get(code) or "").strip()
        if not level:
            raise InvalidInput("Give the agreed rating.", field=f"rating-{code}")
        ratings[code] = parse_rating(level, field=f"rating-{code}").value
    anchor = CalibrationAnchor(
        submission_id=submission.id, agreed_ratings=ratings, created_by_id=actor.id
    )
    session.add(anchor)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=AuditAction.CALIBRATION_ANCHOR_MARKED,
        object_type="submission",
        object_id=submission.id,
        details={"anchor_id": anchor.id, "ratings": ratings},
    )
    return anchor


def current_calibration(session: Session, reviewer: User) -> Assignment | None:
    """The reviewer's latest calibration assignment, or None. Only reads (the page's GET)."""
    return session.scalar(
        select(Assignment)
        .where(Assignment.reviewer_id == reviewer.id, Assignment.kind == AssignmentKind.CALIBRATION)
        .order_by(Assignment.id.desc())
        .limit(1)
    )


def calibration_anchor_for(session: Session, reviewer: User) -> CalibrationAnchor | None:
    """The anchor a reviewer not yet calibrated would score: one of a set they are qualified
    for, whose candidate they are not in conflict with; None when they need no exercise (or
    are calibrated). Only reads."""
    profile = session.scalar(select(ReviewerProfile).where(ReviewerProfile.user_id == reviewer.id))
    if profile is None or profile.calibrated_at is not None:
        return None
    return _anchor_for(session, profile)


def start_calibration(
    session: Session, reviewer: User, today: date, *, actor: User | None = None
) -> Assignment | None:
    """The reviewer's calibration assignment, made now if they need one and have none (audited);
    None when they need none. Called when their profile is saved and by the calibration page's
    "Start" button, never by a GET. Starting twice gives back the same assignment. `actor` is
    who caused it (the administrator saving the profile), the reviewer by default."""
    existing = current_calibration(session, reviewer)
    if existing is not None:
        return existing
    anchor = calibration_anchor_for(session, reviewer)
    if anchor is None:
        return None
    assignment = Assignment(
        submission_id=anchor.submission_id,
        reviewer_id=reviewer.id,
        kind=AssignmentKind.CALIBRATION,
        due_on=today + timedelta(days=CALIBRATION_DUE_DAYS),
    )
    session.add(assignment)
    session.flush()
    audit.record(
        session,
        actor=actor or reviewer,
        action=AuditAction.CALIBRATION_ASSIGNED,
        object_type="assignment",
        object_id=assignment.id,
        details={"anchor_id": anchor.id, "submission_id": anchor.submission_id},
    )
    return assignment


def _anchor_for(session: Session, profile: ReviewerProfile) -> CalibrationAnchor | None:
    qualified = {(q.framework_slug, q.set_code) for q in profile.qualifications}
    rows = session.execute(
        select(CalibrationAnchor, Framework.slug, CompetencySet.code)
        .join(Submission, Submission.id == CalibrationAnchor.submission_id)
        .join(EnrollmentSet, EnrollmentSet.id == Submission.enrollment_set_id)
        .join(CompetencySet, CompetencySet.id == EnrollmentSet.set_id)
        .join(Enrollment, Enrollment.id == EnrollmentSet.enrollment_id)
        .join(Framework, Framework.id == Enrollment.framework_id)
        .order_by(CalibrationAnchor.id)
    ).all()
    # Imported here: reviewer_pool asks this module who must calibrate first.

    for anchor, slug, code in rows:
        if (slug, code) not in qualified:
            continue
        # An anchor is a real candidate's evidence: the same conflicts as a review apply.
        candidate = candidate_for_choosing(session, anchor.submission)
        if not in_conflict(profile.user_id, profile.library or None, candidate):
            return anchor
    return None


def own_calibration(session: Session, assignment_id: int, reviewer: User) -> Assignment:
    """The reviewer's own calibration assignment; NotFound for anyone else's or any other kind."""
    assignment = session.scalar(
        select(Assignment).where(
            Assignment.id == assignment_id,
            Assignment.reviewer_id == reviewer.id,
            Assignment.kind == AssignmentKind.CALIBRATION,
        )
    )
    if assignment is None:
        raise NotFound("We could not find that calibration exercise.")
    return assignment


def submit_calibration(
    session: Session, assignment: Assignment, *, reviewer: User, levels: Mapping[int, str]
) -> None:
    """Record the reviewer's rating of every competency of the anchor and mark them calibrated.

    `levels` maps competency id to level; every competency needs a valid level (InvalidInput
    naming `rating-<id>`). Submitting twice is a Conflict.
    """
    if assignment.status != AssignmentStatus.ASSIGNED:
        raise Conflict("You have already submitted this calibration exercise.")
    chosen: dict[int, Rating] = {}
    for competency in competencies_of(assignment.submission):
        field = f"rating-{competency.id}"
        if not levels.get(competency.id):
            raise InvalidInput(f"Rate {competency.code}.", field=field)
        chosen[competency.id] = parse_rating(levels[competency.id], field=field)
    assignment.ratings = [
        ReviewRating(competency_id=cid, level=rating.value) for cid, rating in chosen.items()
    ]
    now = utcnow()
    assignment.status, assignment.submitted_at = AssignmentStatus.SUBMITTED, now
    profile = session.scalar(select(ReviewerProfile).where(ReviewerProfile.user_id == reviewer.id))
    if profile is not None:
        profile.calibrated_at = now
    session.flush()
    result = comparison(session, assignment)
    audit.record(
        session,
        actor=reviewer,
        action=AuditAction.CALIBRATION_SUBMITTED,
        object_type="assignment",
        object_id=assignment.id,
        details={"matched": result.matched, "of": len(result.lines)},
    )


@dataclass(frozen=True)
class ComparisonLine:
    code: str
    title: str
    given: Rating | None
    agreed: Rating | None

    @property
    def matches(self) -> bool:
        return self.given is not None and self.given == self.agreed


@dataclass(frozen=True)
class Comparison:
    lines: list[ComparisonLine]
    kappa: Statistic

    @property
    def matched(self) -> int:
        return sum(1 for line in self.lines if line.matches)

    @property
    def share(self) -> Fraction:
        return Fraction(self.matched, len(self.lines)) if self.lines else Fraction(0)


def comparison(session: Session, assignment: Assignment) -> Comparison:
    """The reviewer's ratings next to the anchor's agreed ones, with weighted kappa."""
    anchor = session.scalar(
        select(CalibrationAnchor).where(CalibrationAnchor.submission_id == assignment.submission_id)
    )
    agreed = anchor.agreed_ratings if anchor is not None else {}
    given = {r.competency_id: r.level for r in assignment.ratings}
    lines = [
        ComparisonLine(
            c.code,
            c.title,
            _rating(given.get(c.id)),
            _rating(agreed.get(c.code)),
        )
        for c in competencies_of(assignment.submission)
    ]
    pairs = [(line.given, line.agreed) for line in lines if line.given and line.agreed]
    return Comparison(lines, weighted_kappa(pairs))


def _rating(value: object) -> Rating | None:
    return next((r for r in Rating if r.value == value), None)
