"""The providers' fee ledger for course approvals and renewals (amounts are program rules).

A charge is what the provider owes; payments, refunds and waivers are recorded against it by
the office, as on the candidates' ledger. A fee of 0 in the rules records nothing."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from portfolio.domain.programs.rules import CourseApprovalRules
from portfolio.models import (
    CourseFee,
    CourseFeeKind,
    CourseFeePurpose,
    CourseVersion,
    Provider,
    User,
)

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
