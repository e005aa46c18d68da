"""The program office's side of applications: the queue, and approving or rejecting.

Approval enrolls the candidate (services.enrollment.enroll) and opens the completion window; each
outcome is audited and emailed to the candidate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from portfolio.domain.applications.fees import format_money, unpaid_approval_problem
from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.errors import Conflict, InvalidInput
from portfolio.domain.reasons import written_reason
from portfolio.models import (
    Application,
    ApplicationStatus,
    EligibilityStatus,
    Enrollment,
    User,
)
from portfolio.models.base import utcnow
from portfolio.services import audit
from portfolio.services.applications import emails, payments
from portfolio.services.applications.drafts import flush_or_conflict
from portfolio.services.enrollment.enroll import enroll

QUEUE_ORDER = (
    EligibilityStatus.ELIGIBLE,
    EligibilityStatus.NEEDS_REVIEW,
    EligibilityStatus.NOT_ELIGIBLE,
)


@dataclass(frozen=True)
class DecisionMail:
    dashboard_url: str  # where the candidate goes next (absolute)


def submitted_queue(session: Session) -> dict[EligibilityStatus, list[Application]]:
    """Submitted applications waiting for a decision, grouped by the eligibility computed at
    submission, oldest first; one query."""
    query = (
        select(Application)
        .where(Application.status == ApplicationStatus.SUBMITTED)
        .options(joinedload(Application.user), joinedload(Application.framework))
        .order_by(Application.submitted_at, Application.id)
    )
    groups: dict[EligibilityStatus, list[Application]] = {status: [] for status in QUEUE_ORDER}
    for application in session.scalars(query):
        groups[application.eligibility or EligibilityStatus.NEEDS_REVIEW].append(application)
    return groups


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
