"""A supervisor sponsoring a candidate's fee: a payment whose payer is the supervisor.

Only for a candidate who linked this supervisor (their invitation accepted); anyone else is
"not found", as everywhere a supervisor looks.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from portfolio.domain.applications.fees import format_money
from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.errors import InvalidInput, NotFound
from portfolio.models import Application, LedgerKind, Payment, SupervisorLink, User
from portfolio.services.applications.payments import (
    LEDGER_STATUSES,
    PAYMENT_METHODS,
    REFERENCE_LIMIT,
    add_entry,
    current_statement,
)

NOT_FOUND = "We could not find that person among the staff you supervise."


def sponsorable_application(
    session: Session, supervisor: User, candidate_id: int
) -> Application | None:
    """The candidate's latest submitted or approved application, when the candidate linked
    `supervisor`; NotFound when they did not; None when there is nothing to pay toward."""
    linked = session.scalar(
        select(SupervisorLink.id).where(
            SupervisorLink.candidate_id == candidate_id,
            SupervisorLink.supervisor_id == supervisor.id,
            SupervisorLink.accepted_at.is_not(None),
        )
    )
    if linked is None:
        raise NotFound(NOT_FOUND)
    return session.scalar(
        select(Application)
        .where(Application.user_id == candidate_id, Application.status.in_(LEDGER_STATUSES))
        .order_by(Application.id.desc())
        .limit(1)
    )


def sponsor_fee(
    session: Session,
    supervisor: User,
    candidate_id: int,
    *,
    amount_cents: int,
    method: str,
    reference: str,
    today: date,
) -> Payment:
    """Record `supervisor` paying part or all of the balance of the candidate's fee.

    NotFound for a candidate who did not link this supervisor; InvalidInput when nothing is
    owed, the amount is more than the balance, or the method or reference is bad."""
    application = sponsorable_application(session, supervisor, candidate_id)
    if application is None:
        raise InvalidInput("There is no submitted application to pay toward yet.", field="amount")
    if method not in dict(PAYMENT_METHODS):
        raise InvalidInput("Choose how you paid.", field="method")
    reference = reference.strip()
    if len(reference) > REFERENCE_LIMIT:
        raise InvalidInput(f"Use at most {REFERENCE_LIMIT} characters.", field="reference")
    session.get(Application, application.id, with_for_update=True)
    statement = current_statement(session, application)
    if statement.balance_cents == 0:
        raise InvalidInput("Nothing is owed: the fee is paid.", field="amount")
    if amount_cents > statement.balance_cents:
        due = format_money(statement.balance_cents, statement.currency)
        raise InvalidInput(f"You can pay at most the balance due ({due}).", field="amount")
    return add_entry(
        session,
        application,
        actor=supervisor,
        kind=LedgerKind.PAYMENT,
        amount_cents=amount_cents,
        method=method,
        reference=reference,
        note="",
        on=today,
        action=AuditAction.FEE_SPONSORED,
        payer=supervisor,
    )
