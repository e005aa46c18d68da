"""The program office's side of applications: the queue, and approving or rejecting.

Approval enrolls the candidate (services.enrollment.enroll) and opens the completion window; each
outcome is audited and emailed to the candidate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVarTuple

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, contains_eager, joinedload

from portfolio.domain.applications.fees import format_money, unpaid_approval_problem
from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.errors import Conflict, InvalidInput
from portfolio.domain.listing import Choice, ListFilter, ListPage, ListRequest, ListSpec
from portfolio.domain.reasons import written_reason
from portfolio.models import (
    Application,
    ApplicationStatus,
    EligibilityStatus,
    Enrollment,
    Framework,
    User,
)
from portfolio.models.base import utcnow
from portfolio.services import audit
from portfolio.services.applications import emails, payments
from portfolio.services.applications.drafts import flush_or_conflict
from portfolio.services.enrollment.enroll import enroll
from portfolio.services.listing import ListQuery, fetch_page

QUEUE_ORDER = (
    EligibilityStatus.ELIGIBLE,
    EligibilityStatus.NEEDS_REVIEW,
    EligibilityStatus.NOT_ELIGIBLE,
)
ELIGIBILITY_TITLES = {
    EligibilityStatus.ELIGIBLE: "Eligible",
    EligibilityStatus.NEEDS_REVIEW: "Needs case-by-case review",
    EligibilityStatus.NOT_ELIGIBLE: "Not eligible",
}


@dataclass(frozen=True)
class DecisionMail:
    dashboard_url: str  # where the candidate goes next (absolute)


Columns = TypeVarTuple("Columns")

APPLICATION_LIST = ListSpec(
    sorts=(Choice("submitted", "Date submitted"), Choice("candidate", "Candidate's name")),
    filters=(
        ListFilter(
            "status",
            "Status",
            (
                Choice(ApplicationStatus.SUBMITTED.value, "Waiting for a decision"),
                Choice(ApplicationStatus.APPROVED.value, "Approved"),
                Choice(ApplicationStatus.REJECTED.value, "Not approved"),
            ),
        ),
        ListFilter(
            "eligibility",
            "Eligibility when submitted",
            tuple(Choice(status.value, ELIGIBILITY_TITLES[status]) for status in QUEUE_ORDER),
        ),
    ),
    default_order="asc",  # a queue: the longest waiting first
    search_label="Search by candidate name or email",
    default_filters={"status": ApplicationStatus.SUBMITTED.value},
)


def applications_query(request: ListRequest) -> ListQuery[Application]:
    """One page of submitted (or decided) applications, never drafts, searched and filtered;
    each with its candidate and program (two queries)."""
    listed = (
        select(Application)
        .join(User, User.id == Application.user_id)
        .options(contains_eager(Application.user), joinedload(Application.framework))
    )
    return ListQuery(
        _listed(listed, request),
        {"submitted": Application.submitted_at, "candidate": User.name},
        Application.id,
        lambda rows: [row[0] for row in rows],
    )


@dataclass(frozen=True, slots=True)
class ApplicationLine:
    """One application as the export writes it: plain values, not mapped objects, since an
    export reads the whole list (10,000 applications take a fraction of the time and memory)."""

    candidate: str
    email: str
    program: str
    submitted_at: datetime | None
    eligibility: EligibilityStatus | None
    hours_counted: int | None
    status: ApplicationStatus


def application_lines_query(request: ListRequest) -> ListQuery[ApplicationLine]:
    """The same list as applications_query, in the same order, as ApplicationLines."""
    listed = (
        select(
            User.name,
            User.email,
            Framework.name,
            Application.submitted_at,
            Application.eligibility,
            Application.hours_counted,
            Application.status,
        )
        .select_from(Application)
        .join(User, User.id == Application.user_id)
        .join(Framework, Framework.id == Application.framework_id)
    )
    return ListQuery(
        _listed(listed, request),
        {"submitted": Application.submitted_at, "candidate": User.name},
        Application.id,
        lambda rows: [ApplicationLine(*row) for row in rows],
    )


def _listed(listed: Select[*Columns], request: ListRequest) -> Select[*Columns]:
    """Submitted (or decided) applications, never drafts, searched and filtered as asked."""
    listed = listed.where(Application.status != ApplicationStatus.DRAFT)
    if request.search:
        listed = listed.where(
            or_(
                User.name.icontains(request.search, autoescape=True),
                User.email.icontains(request.search, autoescape=True),
            )
        )
    if "status" in request.filters:
        listed = listed.where(Application.status == ApplicationStatus(request.filters["status"]))
    if "eligibility" in request.filters:
        eligibility = EligibilityStatus(request.filters["eligibility"])
        if eligibility is EligibilityStatus.NEEDS_REVIEW:  # as the queue always showed them
            listed = listed.where(
                or_(Application.eligibility == eligibility, Application.eligibility.is_(None))
            )
        else:
            listed = listed.where(Application.eligibility == eligibility)
    return listed


def list_applications(session: Session, request: ListRequest) -> ListPage[Application]:
    return fetch_page(session, applications_query(request), request)


def waiting_by_eligibility(session: Session) -> dict[EligibilityStatus, int]:
    """How many submitted applications wait in each eligibility group (one query)."""
    counts = dict.fromkeys(QUEUE_ORDER, 0)
    for eligibility, count in session.execute(
        select(Application.eligibility, func.count(Application.id))
        .where(Application.status == ApplicationStatus.SUBMITTED)
        .group_by(Application.eligibility)
    ):
        counts[eligibility or EligibilityStatus.NEEDS_REVIEW] += count
    return counts


def _decide(
    session: Session,
    application: Application,
    *,
    actor: User,
    reason: str,
    outcome: ApplicationStatus,
) -> str:
    if application.status != ApplicationStatus.SUBMITTED:
        if application.status == ApplicationStatus.DRAFT:
            raise Conflict("This application is a draft: it has not been submitted yet.")
        raise Conflict(f"This application was {application.status} already.")
    text = written_reason(reason)
    application.status = outcome
    application.decided_at = utcnow()
    application.decided_by_id = actor.id
    application.decision_reason = text
    # Before anything else is written: a second decision made meanwhile fails here (version).
    flush_or_conflict(session)
    return text


def approve_application(
    session: Session,
    application: Application,
    *,
    actor: User,
    reason: str,
    today: date,
    mail: DecisionMail,
    unpaid_reason: str = "",
) -> Enrollment:
    """Approve a submitted application and enroll its candidate. Conflict when it is not
    waiting for a decision (a draft, or decided already); InvalidInput without a reason, or
    (field "unpaid_reason") while a balance is due and no written reason says why approve
    anyway; approving with a balance due is audited with that reason and the balance."""
    override = written_reason(unpaid_reason, field="unpaid_reason") if unpaid_reason.strip() else ""
    statement = payments.current_statement(session, application)
    if application.status == ApplicationStatus.SUBMITTED:
        problem = unpaid_approval_problem(statement, override)
        if problem is not None:
            raise InvalidInput(problem, field="unpaid_reason")
    text = _decide(
        session, application, actor=actor, reason=reason, outcome=ApplicationStatus.APPROVED
    )
    if not statement.settled:
        audit.record(
            session,
            actor=actor,
            action=AuditAction.APPLICATION_APPROVED_WITH_BALANCE,
            object_type="application",
            object_id=application.id,
            details={
                "reason": override,
                "balance_cents": statement.balance_cents,
                "balance": format_money(statement.balance_cents, statement.currency),
            },
        )
    enrollment = enroll(session, application, actor=actor, today=today)
    audit.record(
        session,
        actor=actor,
        action=AuditAction.APPLICATION_APPROVED,
        object_type="application",
        object_id=application.id,
        details={"reason": text, "enrollment_id": enrollment.id},
    )
    emails.send_application_approved(
        session,
        key=f"application.approved:{application.id}",
        user=application.user,
        program=application.framework.name,
        window_ends_on=enrollment.window_ends_on,
        reason=text,
        dashboard_url=mail.dashboard_url,
    )
    return enrollment


def reject_application(
    session: Session,
    application: Application,
    *,
    actor: User,
    reason: str,
    mail: DecisionMail,
) -> None:
    """Reject a submitted application with a reason the candidate will read."""
    text = _decide(
        session, application, actor=actor, reason=reason, outcome=ApplicationStatus.REJECTED
    )
    audit.record(
        session,
        actor=actor,
        action=AuditAction.APPLICATION_REJECTED,
        object_type="application",
        object_id=application.id,
        details={"reason": text},
    )
    emails.send_application_rejected(
        session,
        key=f"application.rejected:{application.id}",
        user=application.user,
        program=application.framework.name,
        reason=text,
        dashboard_url=mail.dashboard_url,
    )
