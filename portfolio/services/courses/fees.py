"""The providers' fee ledger for course approvals and renewals (amounts are program rules).

A charge is what the provider owes; the office records the payment against it, money given
back (a refund, or a payment recorded by mistake) and what it decides not to collect (a waiver,
with a written reason); domain.courses.fee_ledger says how each moves what is owed. A fee of 0
in the rules records nothing. Every entry the office makes is audited, and is made under the
course version's row lock, so two at once cannot both pass a check against the same balance."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.courses import fee_ledger
from portfolio.domain.errors import Conflict, InvalidInput
from portfolio.domain.programs.rules import CourseApprovalRules
from portfolio.domain.reasons import written_reason
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
    return fee_ledger.owed_cents(_pairs(entries, purpose))


def refundable(entries: list[CourseFee], purpose: CourseFeePurpose) -> int:
    """What was paid for one purpose of a version and not yet given back, in cents."""
    return fee_ledger.refundable_cents(_pairs(entries, purpose))


def _pairs(entries: list[CourseFee], purpose: CourseFeePurpose) -> list[fee_ledger.Entry]:
    return [(e.kind.value, e.amount_cents) for e in entries if e.purpose is purpose]


def _purpose(value: object) -> CourseFeePurpose:
    if value not in {p.value for p in CourseFeePurpose}:
        raise InvalidInput("Choose which fee this is for.", field="purpose")
    return CourseFeePurpose(str(value))


def _reference(value: object) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if len(text) > MAX_REFERENCE:
        raise InvalidInput(
            f"Use at most {MAX_REFERENCE} characters for the reference.", field="reference"
        )
    return text


def _locked_entries(session: Session, version: CourseVersion) -> list[CourseFee]:
    # The version's row lock (PostgreSQL) makes two entries at once take turns, so each is
    # checked against the balance the other left.
    session.get(CourseVersion, version.id, with_for_update=True)
    return entries_of(session, version)


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
    chosen = _purpose(purpose)
    text = _reference(reference)
    owed = outstanding(_locked_entries(session, version), chosen)
    if owed <= 0:
        raise Conflict(f"Nothing is owed for the {chosen.value} of this course.")
    return _entry(
        session,
        version,
        chosen,
        CourseFeeKind.PAYMENT,
        owed,
        reference=text,
        note="",
        actor=actor,
        today=today,
        action=AuditAction.COURSE_FEE_PAID,
    )


def ledger(session: Session, provider: Provider) -> list[CourseFee]:
    return list(
        session.scalars(
            select(CourseFee)
            .where(CourseFee.provider_id == provider.id)
            .order_by(CourseFee.recorded_on, CourseFee.id)
        )
    )


def record_refund(
    session: Session,
    version: CourseVersion,
    purpose: object,
    *,
    amount_cents: int,
    reference: object,
    reason: str,
    actor: User,
    today: date,
) -> CourseFee:
    """Record money given back to the provider for `purpose`, or a payment recorded by
    mistake; what it gives back is owed again unless also waived. InvalidInput when more would
    go back than was paid and not yet given back, or without a written reason. Audited."""
    chosen = _purpose(purpose)
    text = _reference(reference)
    why = written_reason(reason)
    entries = _locked_entries(session, version)
    fee_ledger.check_refund(_pairs(entries, chosen), amount_cents, chosen.value)
    return _entry(
        session,
        version,
        chosen,
        CourseFeeKind.REFUND,
        amount_cents,
        reference=text,
        note=why,
        actor=actor,
        today=today,
        action=AuditAction.COURSE_FEE_REFUNDED,
    )


def record_waiver(
    session: Session,
    version: CourseVersion,
    purpose: object,
    *,
    amount_cents: int,
    reason: str,
    actor: User,
    today: date,
) -> CourseFee:
    """Record that the office will not collect part or all of what is owed for `purpose`, with
    a written reason. InvalidInput when nothing is owed or the waiver is more. Audited."""
    chosen = _purpose(purpose)
    why = written_reason(reason)
    entries = _locked_entries(session, version)
    fee_ledger.check_waiver(_pairs(entries, chosen), amount_cents, chosen.value)
    return _entry(
        session,
        version,
        chosen,
        CourseFeeKind.WAIVER,
        amount_cents,
        reference="",
        note=why,
        actor=actor,
        today=today,
        action=AuditAction.COURSE_FEE_WAIVED,
    )


def _entry(
    session: Session,
    version: CourseVersion,
    purpose: CourseFeePurpose,
    kind: CourseFeeKind,
    amount_cents: int,
    *,
    reference: str,
    note: str,
    actor: User,
    today: date,
    action: AuditAction,
) -> CourseFee:
    entry = CourseFee(
        provider_id=version.course.provider_id,
        course_version_id=version.id,
        purpose=purpose,
        kind=kind,
        amount_cents=amount_cents,
        recorded_on=today,
        recorded_by_id=actor.id,
        reference=reference,
        note=note,
    )
    session.add(entry)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=action,
        object_type="course_version",
        object_id=version.id,
        details={"purpose": purpose.value, "amount_cents": amount_cents, "reference": reference}
        | ({"reason": note} if note else {}),
    )
    return entry


def balance_cents(entries: list[CourseFee]) -> int:
    """What the provider owes now (negative: in credit)."""
    return fee_ledger.owed_cents((e.kind.value, e.amount_cents) for e in entries)


def owed_sentence(fee_cents: int, rules: CourseApprovalRules) -> str:
    if fee_cents <= 0:
        return "There is no fee to pay."
    return (
        f"The approval fee of {fee_ledger.dollars(fee_cents)} is now owed; an approval lasts "
        f"{rules.approval_years} years."
    )
