"""The fee ledger of an application: payments received and scholarships awarded.

Integer cents throughout; amounts typed by administrators are parsed exactly (Decimal, never
float). No card data is ever stored: a payment records only its method and a reference.
Every change is audited.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from portfolio.domain.applications.fees import (
    FeeStatement,
    amount_due,
    format_money,
    scholarship_eligibility,
)
from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.errors import Conflict, InvalidInput
from portfolio.models import (
    Application,
    ApplicationStatus,
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
# Digits with an optional dollar sign and at most two decimals: "350", "350.5", "$350.00".
# Thousands separators are refused: "1,000" and the European "350,00" cannot be told apart.
AMOUNT = re.compile(r"\$?(\d{1,7})(\.\d{1,2})?")
MAX_AMOUNT_CENTS = 100_000_00  # far above any fee: a slip of the keyboard, not a payment
REFERENCE_LIMIT = 100
NOTE_LIMIT = 2000
# Payments and awards belong to applications the office is handling or has approved.
LEDGER_STATUSES = (ApplicationStatus.SUBMITTED, ApplicationStatus.APPROVED)


def parse_amount(text: str, field: str = "amount") -> int:
    """Cents from an amount typed as "350.00"; InvalidInput for anything else (negative,
    "12.345", "abc", zero, or more than MAX_AMOUNT_CENTS)."""
    value = text.strip()
    if value.startswith("-"):
        raise InvalidInput("An amount cannot be negative.", field=field)
    match = AMOUNT.fullmatch(value)
    if match is None:
        if re.fullmatch(r"\$?\d+\.\d{3,}", value):
            raise InvalidInput("Use at most two decimals (cents).", field=field)
        raise InvalidInput("Enter an amount in dollars, such as 350.00.", field=field)
    cents = int(Decimal(value.lstrip("$")) * 100)  # exact: at most two decimals
    if cents == 0:
        raise InvalidInput("An amount must be more than 0.", field=field)
    if cents > MAX_AMOUNT_CENTS:
        raise InvalidInput(
            f"An amount must be at most {format_money(MAX_AMOUNT_CENTS, 'USD')}.", field=field
        )
    return cents


def payments_of(session: Session, application: Application) -> list[Payment]:
    query = select(Payment).where(Payment.application_id == application.id)
    return list(session.scalars(query.order_by(Payment.received_on, Payment.id)))


def awards_of(session: Session, application: Application) -> list[ScholarshipAward]:
    query = select(ScholarshipAward).where(ScholarshipAward.application_id == application.id)
    return list(session.scalars(query.order_by(ScholarshipAward.awarded_on, ScholarshipAward.id)))


def fee_statement(
    application: Application, payments: list[Payment], awards: list[ScholarshipAward]
) -> FeeStatement:
    """What is owed: the member or standard fee of the rules, less awards and payments."""
    fees = load_rules(application.framework).fees
    return amount_due(
        fees,
        application.is_member,
        [award.amount_cents for award in awards],
        [payment.amount_cents for payment in payments],
    )


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
    """Record money received. InvalidInput for a bad method, reference or a future date."""
    _require_ledger(application)
    if isinstance(amount_cents, bool) or not isinstance(amount_cents, int) or amount_cents <= 0:
        raise InvalidInput("An amount must be a positive number of cents.", field="amount")
    if method not in dict(PAYMENT_METHODS):
        raise InvalidInput("Choose how the fee was paid.", field="method")
    reference = reference.strip()
    if len(reference) > REFERENCE_LIMIT:
        raise InvalidInput(f"Use at most {REFERENCE_LIMIT} characters.", field="reference")
    if received_on > today:
        raise InvalidInput("The date received cannot be in the future.", field="received_on")
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


def award_scholarship(
    session: Session,
    application: Application,
    *,
    actor: User,
    scholarship_key: str,
    note: str,
    today: date,
) -> ScholarshipAward:
    """Award a scholarship of the program's rules toward this application's fee, today.

    InvalidInput when the rules have no such scholarship or do not allow it for this person
    now (members only, one award per period: domain.applications.fees.scholarship_eligibility).
    """
    _require_ledger(application)
    scholarships = {s.key: s for s in load_rules(application.framework).fees.scholarships}
    scholarship = scholarships.get(scholarship_key)
    if scholarship is None:
        raise InvalidInput("Choose a scholarship of this program.", field="scholarship_key")
    note = note.strip()
    if len(note) > NOTE_LIMIT:
        raise InvalidInput(f"Use at most {NOTE_LIMIT:,} characters.", field="note")
    # Lock the person's row (PostgreSQL) so two awards at once cannot both pass the check.
    session.get(User, application.user_id, with_for_update=True)
    previous = session.scalars(
        select(ScholarshipAward.awarded_on).where(
            ScholarshipAward.user_id == application.user_id,
            ScholarshipAward.scholarship_key == scholarship.key,
        )
    ).all()
    check = scholarship_eligibility(scholarship, application.is_member, previous, today)
    if not check.ok:
        raise InvalidInput(check.reason, field="scholarship_key")
    award = ScholarshipAward(
        user_id=application.user_id,
        application_id=application.id,
        scholarship_key=scholarship.key,
        amount_cents=scholarship.amount_cents,
        awarded_on=today,
        awarded_by_id=actor.id,
        note=note,
    )
    session.add(award)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=AuditAction.SCHOLARSHIP_AWARDED,
        object_type="application",
        object_id=application.id,
        details={
            "award_id": award.id,
            "scholarship_key": scholarship.key,
            "amount_cents": scholarship.amount_cents,
            "awarded_on": today.isoformat(),
        },
    )
    return award
