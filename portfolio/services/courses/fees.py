"""The providers' fee ledger for course approvals and renewals (amounts are program rules).

A charge is what the provider owes; the office records the payment against it (refunds and
waivers are kinds the ledger keeps room for, as on the candidates' ledger). A fee of 0 in the
rules records nothing."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.errors import Conflict, InvalidInput
from portfolio.domain.programs.rules import CourseApprovalRules
from portfolio.models import (
    CourseFee,
    CourseFeeKind,
    CourseFeePurpose,
    CourseVersion,
    Provider,
    User,
)
from portfolio.services import audit

MAX_REFERENCE = 100

# How each kind moves what is owed.
SIGN = {
    CourseFeeKind.CHARGE: 1,
    CourseFeeKind.PAYMENT: -1,
    CourseFeeKind.WAIVER: -1,
    CourseFeeKind.REFUND: 1,
}


def _charge(
    session: Session,
    version: CourseVersion,
    purpose: CourseFeePurpose,
    amount_cents: int,
    *,
    actor: User,
    today: date,
) -> int:
    if amount_cents <= 0:
        return 0
    session.add(
        CourseFee(
            provider_id=version.course.provider_id,
            course_version_id=version.id,
            purpose=purpose,
            kind=CourseFeeKind.CHARGE,
            amount_cents=amount_cents,
            recorded_on=today,
            recorded_by_id=actor.id,
        )
    )
    session.flush()
    return amount_cents


def charge_approval(
    session: Session,
    version: CourseVersion,
    rules: CourseApprovalRules,
    *,
    actor: User,
    today: date,
) -> int:
    """Record the approval fee as owed; returns the amount in cents."""
    return _charge(
        session,
        version,
        CourseFeePurpose.APPROVAL,
        rules.approval_fee_cents,
        actor=actor,
        today=today,
    )


def charge_renewal(
    session: Session,
    version: CourseVersion,
    rules: CourseApprovalRules,
    *,
    actor: User,
    today: date,
) -> int:
    return _charge(
        session,
        version,
        CourseFeePurpose.RENEWAL,
        rules.renewal_fee_cents,
        actor=actor,
        today=today,
    )


def entries_of(session: Session, version: CourseVersion) -> list[CourseFee]:
    return list(
        session.scalars(
            select(CourseFee)
            .where(CourseFee.course_version_id == version.id)
            .order_by(CourseFee.recorded_on, CourseFee.id)
        )
    )


def outstanding(entries: list[CourseFee], purpose: CourseFeePurpose) -> int:
    """What is still owed for one purpose (approval or renewal) of a version, in cents."""
    return balance_cents([e for e in entries if e.purpose is purpose])


def record_payment(
    session: Session,
    version: CourseVersion,
    purpose: object,
    *,
    reference: object,
    actor: User,
    today: date,
) -> CourseFee:
    """Record that the provider paid what it owes for `purpose` (audited).

    InvalidInput for an unknown purpose or a reference over 100 characters; Conflict when
    nothing is owed (a second click records nothing)."""
    if purpose not in {p.value for p in CourseFeePurpose}:
        raise InvalidInput("Choose which fee was paid.", field="purpose")
    chosen = CourseFeePurpose(str(purpose))
    text = reference.strip() if isinstance(reference, str) else ""
    if len(text) > MAX_REFERENCE:
        raise InvalidInput(
            f"Use at most {MAX_REFERENCE} characters for the reference.", field="reference"
        )
    owed = outstanding(entries_of(session, version), chosen)
    if owed <= 0:
        raise Conflict(f"Nothing is owed for the {chosen.value} of this course.")
    payment = CourseFee(
        provider_id=version.course.provider_id,
        course_version_id=version.id,
        purpose=chosen,
        kind=CourseFeeKind.PAYMENT,
        amount_cents=owed,
        recorded_on=today,
        recorded_by_id=actor.id,
        reference=text,
    )
    session.add(payment)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=AuditAction.COURSE_FEE_PAID,
        object_type="course_version",
        object_id=version.id,
        details={"purpose": chosen.value, "amount_cents": owed, "reference": text},
    )
    return payment


def ledger(session: Session, provider: Provider) -> list[CourseFee]:
    return list(
        session.scalars(
            select(CourseFee)
            .where(CourseFee.provider_id == provider.id)
            .order_by(CourseFee.recorded_on, CourseFee.id)
        )
    )


def balance_cents(entries: list[CourseFee]) -> int:
    """What the provider owes now (negative: in credit)."""
    return sum(SIGN[e.kind] * e.amount_cents for e in entries)


def dollars(cents: int) -> str:
    return f"${cents // 100:,}" if cents % 100 == 0 else f"${cents / 100:,.2f}"


def owed_sentence(fee_cents: int, rules: CourseApprovalRules) -> str:
    if fee_cents <= 0:
        return "There is no fee to pay."
    return (
        f"The approval fee of {dollars(fee_cents)} is now owed; an approval lasts "
        f"{rules.approval_years} years."
    )
