"""Reading appeals: one appeal's file (for the candidate, the office and the committee), the
office's list by stage with deadlines and overdue flags, the committee's queue, and the
candidate's own decisions and appeals. Nothing here writes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, joinedload

from portfolio.domain.appeals.deadlines import (
    FilingDeadlines,
    filing_deadlines,
    notice_refusal,
)
from portfolio.domain.appeals.stages import (
    LAPSED,
    STAGE_LABELS,
    STAGE_ORDER,
    AppealDates,
    AppealStage,
    AppealSubject,
    NextStep,
    next_step,
    shown_stage,
)
from portfolio.domain.errors import NotFound
from portfolio.domain.lifecycle import status_title
from portfolio.domain.programs.rules import AppealRules
from portfolio.models import (
    Appeal,
    AppealAttachment,
    CertificationDecision,
    DecisionStatus,
    Enrollment,
    EnrollmentSet,
    SetOutcomeRecord,
    Submission,
    User,
)
from portfolio.services.appeals.cases import APPEALABLE_OUTCOMES, Case, case_of
from portfolio.services.programs.versions import load_rules

LIST_LIMIT = 500


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
    # A set sent back: the status of its fresh review's outcome once there is one.
    new_outcome: str | None

    @property
    def lapsed(self) -> bool:
        return self.stage == LAPSED

    @property
    def grounds_open(self) -> bool:
        return self.appeal.stage is AppealStage.NOTICE_FILED and not self.lapsed


def _dates(appeal: Appeal) -> AppealDates:
    return AppealDates(
        decided_on=appeal.decided_on,
        grounds_filed_on=appeal.grounds_filed_at.date() if appeal.grounds_filed_at else None,
        office_answered_on=(
            appeal.office_answered_at.date() if appeal.office_answered_at else None
        ),
    )


def _loaded() -> Select[Appeal]:
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
    query = _loaded().where(Appeal.id == appeal_id)
    if candidate is not None:
        query = query.where(Appeal.candidate_id == candidate.id)
    appeal = session.scalar(query)
    if appeal is None:
        raise NotFound("We could not find that appeal.")
    return appeal


def appeal_file(session: Session, appeal: Appeal, today: date) -> AppealFile:
    case = case_of(appeal)
    rules = case.rules
    stage = shown_stage(appeal.stage, _dates(appeal), rules, today) if rules else appeal.stage
    new_outcome = None
    if appeal.stage is AppealStage.SENT_BACK and appeal.submission is not None:
        outcome = session.scalar(
            select(SetOutcomeRecord).where(SetOutcomeRecord.submission_id == appeal.submission.id)
        )
        new_outcome = status_title(outcome.status) if outcome is not None else None
    return AppealFile(
        appeal=appeal,
        case=case,
        deadlines=filing_deadlines(appeal.decided_on, rules) if rules else None,
        stage=str(stage),
        stage_label=STAGE_LABELS[stage],
        next=next_step(appeal.stage, appeal.subject, _dates(appeal), rules, today)
        if rules
        else None,
        steps=_steps(appeal),
        attachments=tuple(appeal.attachments),
        new_outcome=new_outcome,
    )


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


@dataclass(frozen=True)
class AppealRow:
    """One line of the office's list or the committee's queue."""

    id: int
    candidate: str
    case: str
    stage: str
    next: NextStep | None
    filed_at: datetime


def _row(appeal: Appeal, today: date) -> AppealRow:
    case = case_of(appeal)
    rules = case.rules
    dates = _dates(appeal)
    return AppealRow(
        id=appeal.id,
        candidate=appeal.candidate.name,
        case=case.title,
        stage=str(shown_stage(appeal.stage, dates, rules, today)) if rules else appeal.stage,
        next=next_step(appeal.stage, appeal.subject, dates, rules, today) if rules else None,
        filed_at=appeal.notice_filed_at,
    )


def appeals_by_stage(session: Session, today: date) -> list[tuple[str, list[AppealRow]]]:
    """Every appeal (the latest LIST_LIMIT), grouped by stage in the order steps happen, each
    with the step it waits for, its deadline, and whether that has passed."""
    appeals = session.scalars(
        _loaded().order_by(Appeal.notice_filed_at.desc(), Appeal.id.desc()).limit(LIST_LIMIT)
    ).unique()
    rows = [_row(appeal, today) for appeal in appeals]
    return [
        (STAGE_LABELS[stage], [r for r in rows if r.stage == stage])
        for stage in STAGE_ORDER
        if any(r.stage == stage for r in rows)
    ]


def committee_queue(session: Session, today: date) -> list[AppealRow]:
    """The appeals waiting for the committee, oldest answer first."""
    appeals = session.scalars(
        _loaded()
        .where(Appeal.stage == AppealStage.WITH_COMMITTEE)
        .order_by(Appeal.office_answered_at, Appeal.id)
        .limit(LIST_LIMIT)
    ).unique()
    return [_row(appeal, today) for appeal in appeals]


@dataclass(frozen=True)
class Appealable:
    """One of the candidate's decisions against them, and where its appeal stands."""

    subject: AppealSubject
    subject_id: int
    title: str
    decided_on: date
    appeal_id: int | None
    stage_label: str
    notice_by: date | None = None  # the last day for a notice, while none is filed
    closed: str = ""  # why no notice can be filed any more, with the dates


def candidate_decisions(session: Session, candidate: User, today: date) -> list[Appealable]:
    """The candidate's not-met set outcomes and "not certified" decisions, with their appeals
    (an appeal whose set was sent back, and so has no outcome for now, is listed too)."""
    appeals = {
        (a.subject, a.submission_id or a.decision_id): a
        for a in session.scalars(select(Appeal).where(Appeal.candidate_id == candidate.id))
    }
    found: list[Appealable] = []
    outcomes = session.execute(
        select(Submission, SetOutcomeRecord)
        .join(SetOutcomeRecord, SetOutcomeRecord.submission_id == Submission.id)
        .join(EnrollmentSet, EnrollmentSet.id == Submission.enrollment_set_id)
        .join(Enrollment, Enrollment.id == EnrollmentSet.enrollment_id)
        .where(Enrollment.user_id == candidate.id, SetOutcomeRecord.status.in_(APPEALABLE_OUTCOMES))
        .options(
            joinedload(Submission.enrollment_set).options(
                joinedload(EnrollmentSet.competency_set),
                joinedload(EnrollmentSet.enrollment).joinedload(Enrollment.framework),
            )
        )
        .order_by(SetOutcomeRecord.decided_at.desc())
    ).all()
    for submission, outcome in outcomes:
        competency_set = submission.enrollment_set.competency_set
        found.append(
            _appealable(
                AppealSubject.SET_OUTCOME,
                submission.id,
                f"{competency_set.code} {competency_set.name}, attempt {submission.attempt}: "
                f"{status_title(outcome.status).lower()}",
                outcome.decided_at.date(),
                appeals.get((AppealSubject.SET_OUTCOME, submission.id)),
                load_rules(submission.enrollment_set.enrollment.framework).appeals,
                today,
            )
        )
    decisions = session.scalars(
        select(CertificationDecision)
        .join(Enrollment, Enrollment.id == CertificationDecision.enrollment_id)
        .where(
            Enrollment.user_id == candidate.id,
            CertificationDecision.status == DecisionStatus.NOT_CERTIFIED,
        )
        .options(joinedload(CertificationDecision.enrollment).joinedload(Enrollment.framework))
    ).all()
    for decision in decisions:
        found.append(
            _appealable(
                AppealSubject.CERTIFICATION,
                decision.id,
                f"Certification in {decision.enrollment.framework.name}: not certified",
                decision.decided_at.date(),
                appeals.get((AppealSubject.CERTIFICATION, decision.id)),
                load_rules(decision.enrollment.framework).appeals,
                today,
            )
        )
    listed = {(f.subject, f.subject_id) for f in found}
    for (subject, subject_id), appeal in appeals.items():
        if subject_id is not None and (subject, subject_id) not in listed:
            found.append(
                Appealable(
                    subject,
                    subject_id,
                    "A decision sent back on appeal",
                    appeal.decided_on,
                    appeal.id,
                    STAGE_LABELS[appeal.stage],
                )
            )
    return found


def _appealable(
    subject: AppealSubject,
    subject_id: int,
    title: str,
    decided_on: date,
    appeal: Appeal | None,
    rules: AppealRules | None,
    today: date,
) -> Appealable:
    if appeal is not None:
        stage = shown_stage(appeal.stage, _dates(appeal), rules, today) if rules else appeal.stage
        return Appealable(subject, subject_id, title, decided_on, appeal.id, STAGE_LABELS[stage])
    if rules is None:
        return Appealable(subject, subject_id, title, decided_on, None, "No appeal procedure")
    closed = notice_refusal(decided_on, today, rules) or ""
    return Appealable(
        subject,
        subject_id,
        title,
        decided_on,
        None,
        "The right to appeal has ended" if closed else "You may appeal",
        notice_by=filing_deadlines(decided_on, rules).notice_by,
        closed=closed,
    )


def case_deadlines(case: Case) -> FilingDeadlines | None:
    """The candidate's two deadlines for `case`; None when the program has no procedure."""
    return filing_deadlines(case.decided_on, case.rules) if case.rules else None
