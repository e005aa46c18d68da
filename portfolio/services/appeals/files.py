"""Reading one appeal: its file as the candidate, the office and the committee see it (the
decision, the stage and what it waits for, the dated steps, the files). Nothing here writes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, joinedload

from portfolio.domain.appeals.deadlines import (
    FilingDeadlines,
    filing_deadlines,
)
from portfolio.domain.appeals.stages import (
    LAPSED,
    STAGE_LABELS,
    AppealDates,
    AppealStage,
    NextStep,
    next_step,
    shown_stage,
)
from portfolio.domain.errors import NotFound
from portfolio.domain.lifecycle import status_title
from portfolio.models import (
    Appeal,
    AppealAttachment,
    Assignment,
    AssignmentKind,
    AssignmentStatus,
    CertificationDecision,
    Enrollment,
    EnrollmentSet,
    SetOutcomeRecord,
    Submission,
    User,
)
from portfolio.services.appeals.cases import Case, case_of
from portfolio.services.reviewing.status import rules_for


@dataclass(frozen=True)
class Step:
    """One dated step of an appeal's timeline, as the candidate reads it."""

    on: datetime
    what: str
    text: str = ""


@dataclass(frozen=True)
class AppealFile:
    appeal: Appeal
    case: Case
    deadlines: FilingDeadlines | None
    stage: str
    stage_label: str
    next: NextStep | None
    steps: tuple[Step, ...]
    attachments: tuple[AppealAttachment, ...]
    # A set sent back: the status of its fresh review's outcome once there is one, and until
    # then how far the review has got ("2 of 2 reviewers who have not seen the set assigned").
    new_outcome: str | None
    fresh_review: str | None = None

    @property
    def lapsed(self) -> bool:
        return self.stage == LAPSED

    @property
    def grounds_open(self) -> bool:
        return self.appeal.stage is AppealStage.NOTICE_FILED and not self.lapsed


def appeal_dates(appeal: Appeal) -> AppealDates:
    return AppealDates(
        decided_on=appeal.decided_on,
        grounds_filed_on=appeal.grounds_filed_at.date() if appeal.grounds_filed_at else None,
        office_answered_on=(
            appeal.office_answered_at.date() if appeal.office_answered_at else None
        ),
    )


def loaded_appeals() -> Select[Appeal]:
    return select(Appeal).options(
        joinedload(Appeal.candidate),
        joinedload(Appeal.submission)
        .joinedload(Submission.enrollment_set)
        .options(
            joinedload(EnrollmentSet.competency_set),
            joinedload(EnrollmentSet.enrollment).joinedload(Enrollment.framework),
        ),
        joinedload(Appeal.decision)
        .joinedload(CertificationDecision.enrollment)
        .joinedload(Enrollment.framework),
    )


def load_appeal(session: Session, appeal_id: int, candidate: User | None = None) -> Appeal:
    """The appeal (the candidate's own when `candidate` is given); NotFound otherwise."""
    query = loaded_appeals().where(Appeal.id == appeal_id)
    if candidate is not None:
        query = query.where(Appeal.candidate_id == candidate.id)
    appeal = session.scalar(query)
    if appeal is None:
        raise NotFound("We could not find that appeal.")
    return appeal


def appeal_file(session: Session, appeal: Appeal, today: date) -> AppealFile:
    case = case_of(appeal)
    rules = case.rules
    stage = shown_stage(appeal.stage, appeal_dates(appeal), rules, today) if rules else appeal.stage
    new_outcome = None
    if appeal.stage is AppealStage.SENT_BACK and appeal.submission is not None:
        outcome = session.scalar(
            select(SetOutcomeRecord).where(SetOutcomeRecord.submission_id == appeal.submission.id)
        )
        new_outcome = status_title(outcome.status) if outcome is not None else None
    fresh_review = None
    if appeal.stage is AppealStage.SENT_BACK and appeal.submission is not None and not new_outcome:
        fresh_review = _fresh_review(session, appeal.submission)
    return AppealFile(
        appeal=appeal,
        case=case,
        deadlines=filing_deadlines(appeal.decided_on, rules) if rules else None,
        stage=str(stage),
        stage_label=STAGE_LABELS[stage],
        next=next_step(appeal.stage, appeal.subject, appeal_dates(appeal), rules, today)
        if rules
        else None,
        steps=_steps(appeal),
        attachments=tuple(appeal.attachments),
        new_outcome=new_outcome,
        fresh_review=fresh_review,
    )


def _fresh_review(session: Session, submission: Submission) -> str:
    """Where a set sent back on appeal stands before its new outcome: the reviews sent back
    were closed, so the active ones are the fresh reviewers'."""
    assigned = session.scalar(
        select(func.count())
        .select_from(Assignment)
        .where(
            Assignment.submission_id == submission.id,
            Assignment.kind == AssignmentKind.REVIEW,
            Assignment.status.in_((AssignmentStatus.ASSIGNED, AssignmentStatus.SUBMITTED)),
        )
    ) or 0
    needed = rules_for(submission).review.reviewers_per_portfolio
    if assigned < needed:
        return (
            f"Waiting for reviewers who have not seen the set: {assigned} of {needed} "
            "assigned so far"
        )
    return f"In progress, by {needed} reviewers who have not seen the set"


def _steps(appeal: Appeal) -> tuple[Step, ...]:
    steps = [Step(appeal.notice_filed_at, "Notice of intent filed")]
    if appeal.grounds_filed_at:
        steps.append(Step(appeal.grounds_filed_at, "Full grounds filed", appeal.grounds))
    if appeal.office_answered_at:
        what = (
            "The program office stated it will not respond"
            if appeal.office_declined
            else ("The program office answered")
        )
        steps.append(Step(appeal.office_answered_at, what, appeal.office_response))
    if appeal.ruled_at:
        what = (
            "The appeals committee upheld the decision"
            if appeal.ruling == "uphold"
            else ("The appeals committee sent the decision back")
        )
        steps.append(Step(appeal.ruled_at, what, appeal.ruling_comments))
    if appeal.reconsidered_at:
        steps.append(
            Step(appeal.reconsidered_at, "The program office reconsidered", appeal.reconsideration)
        )
    return tuple(steps)


def case_deadlines(case: Case) -> FilingDeadlines | None:
    """The candidate's two deadlines for `case`; None when the program has no procedure."""
    return filing_deadlines(case.decided_on, case.rules) if case.rules else None
