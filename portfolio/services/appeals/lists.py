"""Reading many appeals: the office's list and the committee's queue (one query for both,
searched, filtered by stage and by an overdue next step, sorted and paged like every admin
list), and the candidate's own decisions with their appeals. Nothing here writes.

Whether a step is overdue, or a notice lapsed, depends on the program's appeal calendar
(AppealRules, in each framework version's rules). The list reads every framework's calendar
once (one query, as many rows as there are program versions, not appeals) and turns each
distinct calendar into dated conditions, so stage and overdue filter, sort and count in the
database and a page takes the same queries however many appeals there are.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, false, func, literal, not_, or_, select
from sqlalchemy.orm import Session, joinedload, lazyload

from portfolio.domain.appeals.deadlines import filing_deadlines, notice_refusal
from portfolio.domain.appeals.stages import (
    LAPSED,
    STAGE_LABELS,
    STAGE_ORDER,
    AppealStage,
    AppealSubject,
    NextStep,
    next_step,
    shown_stage,
)
from portfolio.domain.errors import FrameworkFileError
from portfolio.domain.lifecycle import status_title
from portfolio.domain.listing import Choice, ListFilter, ListPage, ListRequest, ListSpec
from portfolio.domain.programs.rules import AppealRules, rules_from_document
from portfolio.models import (
    Appeal,
    CertificationDecision,
    DecisionStatus,
    Enrollment,
    EnrollmentSet,
    Framework,
    SetOutcomeRecord,
    Submission,
    User,
)
from portfolio.services.appeals.cases import APPEALABLE_OUTCOMES, case_of, decision_days
from portfolio.services.appeals.files import appeal_dates, loaded_appeals
from portfolio.services.listing import AnyRow, ListQuery, fetch_page
from portfolio.services.programs.versions import load_rules

SUBJECT_TITLES = {
    AppealSubject.SET_OUTCOME: "A set's outcome",
    AppealSubject.CERTIFICATION: "A certification decision",
}
_OVERDUE = ListFilter(
    "overdue", "Next step", (Choice("yes", "Overdue"), Choice("no", "Not overdue"))
)
_SUBJECT = ListFilter(
    "subject", "Decision appealed", tuple(Choice(s.value, t) for s, t in SUBJECT_TITLES.items())
)
APPEAL_LIST = ListSpec(
    sorts=(
        Choice("stage", "Stage"),
        Choice("filed", "Date the notice was filed"),
        Choice("decided", "Date of the decision appealed"),
        Choice("candidate", "Candidate's name"),
    ),
    filters=(
        ListFilter("stage", "Stage", tuple(Choice(str(s), STAGE_LABELS[s]) for s in STAGE_ORDER)),
        _OVERDUE,
        _SUBJECT,
    ),
    default_order="asc",  # open steps first, in the order they happen
    search_label="Search by candidate name or email",
)
# The committee's queue: the appeals with the committee, the longest waiting first.
COMMITTEE_LIST = ListSpec(
    sorts=(
        Choice("answered", "Date the office answered"),
        Choice("candidate", "Candidate's name"),
    ),
    filters=(_OVERDUE, _SUBJECT),
    default_order="asc",
    search_label="Search by candidate name",
)


@dataclass(frozen=True)
class AppealRow:
    """One line of the office's list or the committee's queue."""

    id: int
    candidate_id: int
    candidate: str
    email: str
    subject: AppealSubject
    case: str
    program: str
    stage: str
    next: NextStep | None
    decided_on: date
    filed_at: datetime

    @property
    def stage_label(self) -> str:
        return STAGE_LABELS[self.stage]

    @property
    def overdue(self) -> bool:
        return self.next is not None and self.next.overdue


def _row(appeal: Appeal, today: date) -> AppealRow:
    case = case_of(appeal)
    rules = case.rules
    dates = appeal_dates(appeal)
    return AppealRow(
        id=appeal.id,
        candidate_id=appeal.candidate.id,
        candidate=appeal.candidate.name,
        email=appeal.candidate.email,
        subject=appeal.subject,
        case=case.title,
        program=case.enrollment.framework.name,
        stage=str(shown_stage(appeal.stage, dates, rules, today)) if rules else appeal.stage,
        next=next_step(appeal.stage, appeal.subject, dates, rules, today) if rules else None,
        decided_on=appeal.decided_on,
        filed_at=appeal.notice_filed_at,
    )


@dataclass(frozen=True)
class _Calendars:
    """Each program version's appeal calendar, grouped: calendar -> framework ids."""

    by_rules: dict[AppealRules, list[int]]


def _calendars(session: Session) -> _Calendars:
    grouped: dict[AppealRules, list[int]] = defaultdict(list)
    for framework_id, document in session.execute(select(Framework.id, Framework.rules)):
        try:
            rules = rules_from_document(document).appeals
        except FrameworkFileError:  # a broken version has no procedure: nothing is ever due
            continue
        if rules is not None:
            grouped[rules].append(framework_id)
    return _Calendars(dict(grouped))


def _of_frameworks(ids: list[int]) -> ColumnElement[bool]:
    """The appeal is about a decision in one of these framework versions."""
    via_set = (
        select(Submission.id)
        .join(EnrollmentSet, EnrollmentSet.id == Submission.enrollment_set_id)
        .join(Enrollment, Enrollment.id == EnrollmentSet.enrollment_id)
        .where(Enrollment.framework_id.in_(ids))
    )
    via_decision = (
        select(CertificationDecision.id)
        .join(Enrollment, Enrollment.id == CertificationDecision.enrollment_id)
        .where(Enrollment.framework_id.in_(ids))
    )
    return or_(Appeal.submission_id.in_(via_set), Appeal.decision_id.in_(via_decision))


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _lapsed(calendars: _Calendars, today: date) -> ColumnElement[bool]:
    """A notice whose grounds were due before today (next_step and shown_stage, in SQL)."""
    return or_(
        false(),
        *(
            and_(
                Appeal.stage == AppealStage.NOTICE_FILED,
                Appeal.decided_on < today - timedelta(days=rules.grounds_days),
                _of_frameworks(ids),
            )
            for rules, ids in calendars.by_rules.items()
        ),
    )


def _overdue(calendars: _Calendars, today: date) -> ColumnElement[bool]:
    """The office's answer or the committee's ruling is past its last day."""
    return or_(
        false(),
        *(
            and_(
                or_(
                    and_(
                        Appeal.stage == AppealStage.GROUNDS_FILED,
                        Appeal.grounds_filed_at
                        < _start_of(today - timedelta(days=rules.office_response_days)),
                    ),
                    and_(
                        Appeal.stage == AppealStage.WITH_COMMITTEE,
                        Appeal.office_answered_at
                        < _start_of(today - timedelta(days=rules.committee_days)),
                    ),
                ),
                _of_frameworks(ids),
            )
            for rules, ids in calendars.by_rules.items()
        ),
    )


def _shown_stage(lapsed: ColumnElement[bool]) -> Any:
    return case((lapsed, literal(LAPSED)), else_=Appeal.stage)


def appeals_query(
    session: Session,
    request: ListRequest,
    today: date,
    *,
    only: AppealStage | None = None,
) -> ListQuery[AppealRow]:
    """The appeals the request asks for (only those at stage `only` when given), each with
    its stage as shown, the step it waits for, its last day and whether that has passed."""
    calendars = _calendars(session)
    lapsed, overdue = _lapsed(calendars, today), _overdue(calendars, today)
    listed = (
        loaded_appeals()
        .join(User, User.id == Appeal.candidate_id)
        .options(lazyload(Appeal.attachments))
    )
    if only is not None:
        listed = listed.where(Appeal.stage == only)
    if request.search:
        listed = listed.where(
            or_(
                User.name.icontains(request.search, autoescape=True),
                User.email.icontains(request.search, autoescape=True),
            )
        )
    stage = request.filters.get("stage")
    if stage == LAPSED:
        listed = listed.where(lapsed)
    elif stage is not None:
        listed = listed.where(Appeal.stage == AppealStage(stage), not_(lapsed))
    if "overdue" in request.filters:
        listed = listed.where(overdue if request.filters["overdue"] == "yes" else not_(overdue))
    if "subject" in request.filters:
        listed = listed.where(Appeal.subject == AppealSubject(request.filters["subject"]))
    order = case(
        *((_shown_stage(lapsed) == str(s), n) for n, s in enumerate(STAGE_ORDER)),
        else_=len(STAGE_ORDER),
    )

    def to_rows(rows: Sequence[AnyRow]) -> list[AppealRow]:
        return [_row(row[0], today) for row in rows]

    return ListQuery(
        listed,
        {
            "stage": order,
            "filed": Appeal.notice_filed_at,
            "decided": Appeal.decided_on,
            "candidate": User.name,
            "answered": Appeal.office_answered_at,
        },
        Appeal.id,
        to_rows,
    )


def list_appeals(session: Session, request: ListRequest, today: date) -> ListPage[AppealRow]:
    return fetch_page(session, appeals_query(session, request, today), request)


def committee_queue(session: Session, request: ListRequest, today: date) -> ListPage[AppealRow]:
    """The appeals waiting for the committee (the office's list, at that stage only)."""
    query = appeals_query(session, request, today, only=AppealStage.WITH_COMMITTEE)
    return fetch_page(session, query, request)


def count_by_stage(session: Session, today: date) -> dict[str, int]:
    """How many appeals are at each shown stage, in the order steps happen (one query)."""
    shown = _shown_stage(_lapsed(_calendars(session), today))
    counts: dict[str, int] = {
        str(stage): int(n)
        for stage, n in session.execute(select(shown, func.count(Appeal.id)).group_by(shown))
    }
    return {str(s): counts[str(s)] for s in STAGE_ORDER if counts.get(str(s))}


def count_overdue(session: Session, today: date) -> int:
    overdue = _overdue(_calendars(session), today)
    return int(session.scalar(select(func.count(Appeal.id)).where(overdue)) or 0)


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
