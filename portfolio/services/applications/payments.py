"""The fee ledger of an application: payments received, refunds, waivers and scholarships.

Integer cents throughout; amounts typed by administrators are parsed exactly (Decimal, never
float). No card data is ever stored: a payment records only its method and a reference.
Every change is audited.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from portfolio.domain.applications.fees import (
    FeeStatement,
    amount_due,
    check_received_on,
    check_refund,
    check_waiver,
)
from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.errors import Conflict, InvalidInput, NotFound
from portfolio.domain.reasons import written_reason
from portfolio.models import (
    Application,
    ApplicationStatus,
    LedgerKind,
    Payment,
    ScholarshipAward,
    User,
)
from portfolio.services import audit
from portfolio.services.programs.versions import load_rules

PAYMENT_METHODS = (
    ("check", "Check"),
    ("bank_transfer", "Bank transfer"),
    ("money_order", "Money order"),
    ("cash", "Cash"),
    ("provider", "Online payment provider"),
    ("other", "Other"),
)
REFERENCE_LIMIT = 100
NOTE_LIMIT = 2000
# Payments and awards belong to applications the office is handling or has approved.
LEDGER_STATUSES = (ApplicationStatus.SUBMITTED, ApplicationStatus.APPROVED)


def payments_of(session: Session, application: Application) -> list[Payment]:
    query = select(Payment).where(
        Payment.application_id == application.id, Payment.renewal_id.is_(None)
    )
    return list(session.scalars(query.order_by(Payment.received_on, Payment.id)))


def payers_of(session: Session, entries: list[Payment]) -> dict[int, User]:
    """The people named as payers of `entries`, by id; one query."""
    ids = {p.payer_id for p in entries if p.payer_id is not None}
    if not ids:
        return {}
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids)))}


def awards_of(session: Session, application: Application) -> list[ScholarshipAward]:
    query = select(ScholarshipAward).where(ScholarshipAward.application_id == application.id)
    return list(session.scalars(query.order_by(ScholarshipAward.awarded_on, ScholarshipAward.id)))


def fee_statement(
    application: Application, payments: list[Payment], awards: list[ScholarshipAward]
) -> FeeStatement:
    """What is owed: the member or standard fee of the rules, less awards, waivers and
    payments net of refunds (`payments` is the whole ledger, every kind)."""
    fees = load_rules(application.framework).fees

    def cents(kind: LedgerKind) -> list[int]:
        return [p.amount_cents for p in payments if p.kind == kind]

    return amount_due(
        fees,
        application.is_member,
        [award.amount_cents for award in awards],
        cents(LedgerKind.PAYMENT),
        cents(LedgerKind.REFUND),
        cents(LedgerKind.WAIVER),
    )


def current_statement(session: Session, application: Application) -> FeeStatement:
    return fee_statement(
        application, payments_of(session, application), awards_of(session, application)
    )


def get_own_payment(session: Session, candidate: User, payment_id: int) -> Payment:
    """A ledger entry of one of `candidate`'s applications; NotFound for anyone else's."""
    payment = session.get(Payment, payment_id)
    if payment is not None:
        application = session.get(Application, payment.application_id)
        if application is not None and application.user_id == candidate.id:
            return payment
    raise NotFound("We could not find that payment.")


def _lock(session: Session, application: Application) -> None:
    # Lock the application's row (PostgreSQL) so two ledger changes at once cannot both pass a
    # check made against the same balance (two refunds of the whole amount, say).
    session.get(Application, application.id, with_for_update=True)


def record_refund(
    session: Session,
    application: Application,
    *,
    actor: User,
    amount_cents: int,
    method: str,
    reference: str,
    reason: str,
    today: date,
) -> Payment:
    """Record money given back. InvalidInput when it is more than was paid and not yet
    refunded, without a written reason, or with a bad method or reference. Audited."""
    _require_refundable(application)
    _check_entry(amount_cents, method, reference)
    text = written_reason(reason)
    _lock(session, application)
    check_refund(current_statement(session, application), amount_cents)
    return add_entry(
        session,
        application,
        actor=actor,
        kind=LedgerKind.REFUND,
        amount_cents=amount_cents,
        method=method,
        reference=reference.strip(),
        note=text,
        on=today,
        action=AuditAction.PAYMENT_REFUNDED,
    )


def record_waiver(
    session: Session,
    application: Application,
    *,
    actor: User,
    amount_cents: int,
    reason: str,
    today: date,
) -> Payment:
    """Waive part or all of the balance due, with a written reason. InvalidInput when nothing
    is owed or the amount exceeds the balance. Audited."""
    _require_ledger(application)
    text = written_reason(reason)
    _lock(session, application)
    check_waiver(current_statement(session, application), amount_cents)
    return add_entry(
        session,
        application,
        actor=actor,
        kind=LedgerKind.WAIVER,
        amount_cents=amount_cents,
        method="other",
        reference="",
        note=text,
        on=today,
        action=AuditAction.FEE_WAIVED,
    )


def _require_refundable(application: Application) -> None:
    # A rejected applicant is refunded too (LSSCP: refunded if not eligible).
    if application.status == ApplicationStatus.DRAFT:
        raise Conflict("Nothing can be refunded on a draft application.")


def _check_entry(amount_cents: int, method: str, reference: str) -> None:
    if isinstance(amount_cents, bool) or not isinstance(amount_cents, int) or amount_cents <= 0:
        raise InvalidInput("An amount must be a positive number of cents.", field="amount")
    if method not in dict(PAYMENT_METHODS):
        raise InvalidInput("Choose how the money was paid.", field="method")
    if len(reference.strip()) > REFERENCE_LIMIT:
        raise InvalidInput(f"Use at most {REFERENCE_LIMIT} characters.", field="reference")


def add_entry(
    session: Session,
    application: Application,
    *,
    actor: User,
    kind: LedgerKind,
    amount_cents: int,
    method: str,
    reference: str,
    note: str,
    on: date,
    action: AuditAction,
    payer: User | None = None,
) -> Payment:
    entry = Payment(
        application_id=application.id,
        kind=kind,
        amount_cents=amount_cents,
        method=method,
        reference=reference,
        received_on=on,
        recorded_by_id=actor.id,
        payer_id=payer.id if payer is not None else None,
        note=note,
    )
    session.add(entry)
    session.flush()
    details: dict[str, object] = {
        "payment_id": entry.id,
        "kind": kind.value,
        "amount_cents": amount_cents,
        "method": method,
        "reference": reference,
        "on": on.isoformat(),
    }
    if note:
        details["reason"] = note
    if payer is not None:
        details["payer_id"] = payer.id
    audit.record(
        session,
        actor=actor,
        action=action,
        object_type="application",
        object_id=application.id,
        details=details,
    )
    return entry


def _require_ledger(application: Application) -> None:
    if application.status not in LEDGER_STATUSES:
        raise Conflict(f"Nothing can be recorded for an application that is {application.status}.")


def record_payment(
    session: Session,
    application: Application,
    *,
    actor: User,
    amount_cents: int,
    method: str,
    reference: str,
    received_on: date,
    today: date,
) -> Payment:
    """Record money received. InvalidInput for a bad method or reference, or a date in the
    future or long before the application was begun."""
    _require_ledger(application)
    if isinstance(amount_cents, bool) or not isinstance(amount_cents, int) or amount_cents <= 0:
        raise InvalidInput("An amount must be a positive number of cents.", field="amount")
    if method not in dict(PAYMENT_METHODS):
        raise InvalidInput("Choose how the fee was paid.", field="method")
    reference = reference.strip()
    if len(reference) > REFERENCE_LIMIT:
        raise InvalidInput(f"Use at most {REFERENCE_LIMIT} characters.", field="reference")
    check_received_on(received_on, application.created_at.date(), today)
    payment = Payment(
        application_id=application.id,
        amount_cents=amount_cents,
        method=method,
        reference=reference,
        received_on=received_on,
        recorded_by_id=actor.id,
    )
    session.add(payment)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=AuditAction.PAYMENT_RECORDED,
        object_type="application",
        object_id=application.id,
        details={
            "payment_id": payment.id,
            "amount_cents": amount_cents,
            "method": method,
            "reference": reference,
            "received_on": received_on.isoformat(),
        },
    )
    return payment
