"""Reading many appeals: the office's list by stage with each next step's deadline (overdue
ones flagged), the committee's queue, and the candidate's own decisions with their appeals.
Each list takes the same queries however many appeals it shows. Nothing here writes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from portfolio.domain.appeals.deadlines import filing_deadlines, notice_refusal
from portfolio.domain.appeals.stages import (
    STAGE_LABELS,
    STAGE_ORDER,
    AppealStage,
    AppealSubject,
    NextStep,
    next_step,
    shown_stage,
)
from portfolio.domain.lifecycle import status_title
from portfolio.domain.programs.rules import AppealRules
from portfolio.models import (
    Appeal,
    CertificationDecision,
    DecisionStatus,
    Enrollment,
    EnrollmentSet,
    SetOutcomeRecord,
    Submission,
    User,
)
from portfolio.services.appeals.cases import APPEALABLE_OUTCOMES, case_of, decision_days
from portfolio.services.appeals.files import appeal_dates, loaded_appeals
from portfolio.services.programs.versions import load_rules

LIST_LIMIT = 500


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
    dates = appeal_dates(appeal)
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
        loaded_appeals().order_by(Appeal.notice_filed_at.desc(), Appeal.id.desc()).limit(LIST_LIMIT)
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
        loaded_appeals()
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
    days = decision_days(session, list(decisions))
    for decision in decisions:
        found.append(
            _appealable(
                AppealSubject.CERTIFICATION,
                decision.id,
                f"Certification in {decision.enrollment.framework.name}: not certified",
                days[decision.id],
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
        stage = (
            shown_stage(appeal.stage, appeal_dates(appeal), rules, today) if rules else appeal.stage
        )
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
