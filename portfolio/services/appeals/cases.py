"""The decision an appeal is about ("the case"): found for its own candidate only, with the
program's appeal rules and the people who had a hand in it.

A set's outcome can be appealed once it is decided and not met; a certification decision once
it is "not certified". Anyone else's decision answers NotFound, exactly like a missing one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from portfolio.domain.appeals.stages import AppealSubject
from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.errors import Conflict, NotFound
from portfolio.domain.programs.rules import AppealRules
from portfolio.models import (
    Appeal,
    Assignment,
    AssignmentKind,
    AuditEvent,
    CertificationDecision,
    DecisionStatus,
    Enrollment,
    EnrollmentSet,
    OutcomeStatus,
    SetOutcomeRecord,
    Submission,
    User,
)
from portfolio.services.programs.versions import load_rules

APPEALABLE_OUTCOMES = (OutcomeStatus.NOT_YET_MET, OutcomeStatus.CLOSED_NOT_MET)


@dataclass(frozen=True)
class Case:
    """One decision under appeal (or that may be): what it is, whose, when, under which rules."""

    subject: AppealSubject
    candidate_id: int
    enrollment: Enrollment
    title: str
    decided_on: date
    rules: AppealRules | None
    submission: Submission | None = None
    decision: CertificationDecision | None = None

    @property
    def subject_id(self) -> int:
        found = self.submission if self.submission is not None else self.decision
        assert found is not None
        return found.id


def outcome_case(session: Session, submission_id: int, candidate: User) -> Case:
    """The candidate's own decided, not-met set outcome; NotFound for anyone else's or a
    missing one, Conflict for one that is met (nothing to appeal)."""
    found = session.execute(
        select(Submission, SetOutcomeRecord)
        .join(SetOutcomeRecord, SetOutcomeRecord.submission_id == Submission.id)
        .join(EnrollmentSet, EnrollmentSet.id == Submission.enrollment_set_id)
        .join(Enrollment, Enrollment.id == EnrollmentSet.enrollment_id)
        .where(Submission.id == submission_id, Enrollment.user_id == candidate.id)
    ).first()
    if found is None:
        raise NotFound("We could not find that decision.")
    submission, outcome = found
    if outcome.status is OutcomeStatus.MET:
        raise Conflict("This set is met: there is no decision against you to appeal.")
    if outcome.status not in APPEALABLE_OUTCOMES:
        raise Conflict("This set is not decided yet, so there is nothing to appeal.")
    return _outcome_case(submission, outcome.decided_at.date())


def decision_case(session: Session, decision_id: int, candidate: User) -> Case:
    """The candidate's own "not certified" decision; NotFound for anyone else's or a missing
    one, Conflict for a certifying one."""
    decision = session.scalar(
        select(CertificationDecision)
        .join(Enrollment, Enrollment.id == CertificationDecision.enrollment_id)
        .where(CertificationDecision.id == decision_id, Enrollment.user_id == candidate.id)
        .options(joinedload(CertificationDecision.enrollment).joinedload(Enrollment.framework))
    )
    if decision is None:
        raise NotFound("We could not find that decision.")
    if decision.status is DecisionStatus.CERTIFIED:
        raise Conflict("You are certified: there is no decision against you to appeal.")
    return _decision_case(decision, decided_on=decision_days(session, [decision])[decision.id])


def case_of(appeal: Appeal) -> Case:
    """The case an appeal is about, dated as when it was appealed (a set sent back has no
    outcome until its fresh review ends). Reads only what the appeal has loaded."""
    if appeal.submission is not None:
        return _outcome_case(appeal.submission, appeal.decided_on)
    assert appeal.decision is not None
    return _decision_case(appeal.decision, decided_on=appeal.decided_on)


def _outcome_case(submission: Submission, decided_on: date) -> Case:
    enrollment_set = submission.enrollment_set
    competency_set = enrollment_set.competency_set
    return Case(
        subject=AppealSubject.SET_OUTCOME,
        candidate_id=enrollment_set.enrollment.user_id,
        enrollment=enrollment_set.enrollment,
        title=f"The outcome of {competency_set.code} {competency_set.name} (attempt "
        f"{submission.attempt})",
        decided_on=decided_on,
        rules=load_rules(enrollment_set.enrollment.framework).appeals,
        submission=submission,
    )


def decision_days(session: Session, decisions: list[CertificationDecision]) -> dict[int, date]:
    """The day each decision was last made: recorded, or changed by an override since (a
    revocation is a decision against the holder too). One query for them all."""
    enrollment_ids = [d.enrollment_id for d in decisions]
    changed: dict[str, datetime] = dict(
        session.execute(
            select(AuditEvent.object_id, func.max(AuditEvent.at))
            .where(
                AuditEvent.object_type == "enrollment",
                AuditEvent.object_id.in_([str(i) for i in enrollment_ids]),
                AuditEvent.action == AuditAction.CERTIFICATION_OVERRIDDEN.value,
            )
            .group_by(AuditEvent.object_id)
        ).all()
    )
    days = {}
    for decision in decisions:
        last = max(
            decision.decided_at, changed.get(str(decision.enrollment_id), decision.decided_at)
        )
        days[decision.id] = last.date()
    return days


def _decision_case(decision: CertificationDecision, decided_on: date) -> Case:
    enrollment = decision.enrollment
    return Case(
        subject=AppealSubject.CERTIFICATION,
        candidate_id=enrollment.user_id,
        enrollment=enrollment,
        title=f"The certification decision on your enrollment in {enrollment.framework.name}",
        decided_on=decided_on,
        rules=load_rules(enrollment.framework).appeals,
        decision=decision,
    )


@dataclass(frozen=True)
class PeopleOnCase:
    reviewer_ids: frozenset[int]
    decider_ids: frozenset[int]


def people_on_case(session: Session, appeal: Appeal) -> PeopleOnCase:
    """Who reviewed the case (any attempt of the set; for a certification decision, any set of
    the enrollment) and who set or changed the decision by hand."""
    reviewed = (
        select(Assignment.reviewer_id)
        .join(Submission, Submission.id == Assignment.submission_id)
        .join(EnrollmentSet, EnrollmentSet.id == Submission.enrollment_set_id)
        .where(Assignment.kind != AssignmentKind.CALIBRATION)
    )
    overridden = select(SetOutcomeRecord.overridden_by_id).join(
        Submission, Submission.id == SetOutcomeRecord.submission_id
    )
    if appeal.submission is not None:
        set_id = appeal.submission.enrollment_set_id
        reviewers = session.scalars(reviewed.where(EnrollmentSet.id == set_id))
        deciders = set(session.scalars(overridden.where(Submission.enrollment_set_id == set_id)))
        deciders |= _actors(session, "submission", [appeal.submission.id])
    else:
        assert appeal.decision is not None
        enrollment_id = appeal.decision.enrollment_id
        reviewers = session.scalars(reviewed.where(EnrollmentSet.enrollment_id == enrollment_id))
        deciders = {appeal.decision.overridden_by_id}
        deciders |= _actors(session, "enrollment", [enrollment_id])
    # The committee's own ruling re-opens a set's outcome in its history: that is no decision
    # of the case under appeal.
    deciders.discard(appeal.ruled_by_id)
    return PeopleOnCase(frozenset(reviewers), frozenset(d for d in deciders if d is not None))


# Hand-made changes to an outcome or a decision: their actors decided the case too.
_DECIDING = (
    AuditAction.OUTCOME_OVERRIDDEN,
    AuditAction.OUTCOME_REOPENED,
    AuditAction.CERTIFICATION_OVERRIDDEN,
    AuditAction.CERTIFICATION_DECIDED,
)


def _actors(session: Session, object_type: str, object_ids: list[int]) -> set[int | None]:
    return set(
        session.scalars(
            select(AuditEvent.actor_id).where(
                AuditEvent.object_type == object_type,
                AuditEvent.object_id.in_([str(i) for i in object_ids]),
                AuditEvent.action.in_([a.value for a in _DECIDING]),
            )
        )
    )
