"""Fees and scholarships, in integer cents only (no floats, no Decimal rounding questions).

What is owed: the member or standard fee, less scholarships awarded, less what was waived, less
payments net of refunds. A balance is never negative: paying more than is owed shows as a credit.
Scholarship money beyond the fee is not credit, because a scholarship reduces a fee and is never
paid out. A refund never exceeds what was paid and not refunded yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from portfolio.domain.dates import add_months, format_date
from portfolio.domain.errors import InvalidInput
from portfolio.domain.programs.rules import FeeRules, Scholarship

CURRENCY_SYMBOLS = {"USD": "$", "CAD": "CA$", "EUR": "€", "GBP": "£"}


def check_cents(value: object, field: str = "amount_cents") -> int:
    """`value` if it is a whole, non-negative number of cents; else InvalidInput."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput("An amount must be a whole number of cents.", field=field)
    if value < 0:
        raise InvalidInput("An amount must not be negative.", field=field)
    return value


@dataclass(frozen=True)
class FeeStatement:
    currency: str
    fee_cents: int  # the member or standard fee
    scholarships_cents: int  # awarded in total
    scholarships_applied_cents: int  # the part that reduced the fee (never more than the fee)
    paid_cents: int  # received, before refunds
    balance_cents: int  # still owed; never negative
    credit_cents: int  # paid beyond what was owed
    refunded_cents: int = 0
    waived_cents: int = 0  # the part of waivers that reduced the fee

    @property
    def settled(self) -> bool:
        return self.balance_cents == 0

    @property
    def refundable_cents(self) -> int:
        """Paid and not refunded yet: the most a new refund may be."""
        return self.paid_cents - self.refunded_cents


def amount_due(
    fees: FeeRules,
    member: bool,
    scholarships_awarded_cents: Sequence[int],
    payments_cents: Sequence[int],
    refunds_cents: Sequence[int] = (),
    waivers_cents: Sequence[int] = (),
) -> FeeStatement:
    """The fee statement for one application. InvalidInput for a non-int or negative amount."""
    fee = check_cents(fees.member_cents if member else fees.standard_cents, "fee_cents")
    awarded = sum(check_cents(c, "scholarships_cents") for c in scholarships_awarded_cents)
    paid = sum(check_cents(c, "payments_cents") for c in payments_cents)
    refunded = sum(check_cents(c, "refunds_cents") for c in refunds_cents)
    waived = sum(check_cents(c, "waivers_cents") for c in waivers_cents)
    applied = min(awarded, fee)
    waived_applied = min(waived, fee - applied)
    owed = fee - applied - waived_applied
    net = paid - refunded
    return FeeStatement(
        currency=fees.currency,
        fee_cents=fee,
        scholarships_cents=awarded,
        scholarships_applied_cents=applied,
        paid_cents=paid,
        balance_cents=max(owed - net, 0),
        credit_cents=max(net - owed, 0),
        refunded_cents=refunded,
        waived_cents=waived_applied,
    )


def check_refund(statement: FeeStatement, amount_cents: int) -> None:
    """InvalidInput (field "amount") when a refund of `amount_cents` would give back more than
    was paid and not refunded yet."""
    check_cents(amount_cents, "amount")
    if amount_cents > statement.refundable_cents:
        most = format_money(statement.refundable_cents, statement.currency)
        raise InvalidInput(
            f"A refund cannot be more than what was paid and not yet refunded ({most}).",
            field="amount",
        )


def check_waiver(statement: FeeStatement, amount_cents: int) -> None:
    """InvalidInput (field "amount") when nothing is owed or the waiver exceeds the balance."""
    check_cents(amount_cents, "amount")
    if statement.balance_cents == 0:
        raise InvalidInput("Nothing is owed: there is no balance to waive.", field="amount")
    if amount_cents > statement.balance_cents:
        most = format_money(statement.balance_cents, statement.currency)
        raise InvalidInput(f"You can waive at most the balance due ({most}).", field="amount")


EARLIEST_PAYMENT_YEARS = 1  # a check may be mailed before the online application is begun


def check_received_on(received_on: date, started_on: date, today: date) -> None:
    """InvalidInput (field "received_on") for a payment dated in the future, or more than
    EARLIEST_PAYMENT_YEARS before its application was begun: a mistyped year (1900, 2016)
    otherwise went into the ledger and the audit trail as a real date."""
    if received_on > today:
        raise InvalidInput("The date received cannot be in the future.", field="received_on")
    earliest = add_months(started_on, -12 * EARLIEST_PAYMENT_YEARS)
    if received_on < earliest:
        raise InvalidInput(
            f"The date received is more than a year before this application was begun "
            f"({format_date(started_on)}): check the year.",
            field="received_on",
        )


def unpaid_approval_problem(statement: FeeStatement, override_reason: str) -> str | None:
    """Why an application may not be approved yet, or None.

    Approval needs the balance paid or waived, or an administrator's written reason to approve
    with a balance due (`override_reason`, already checked as a written reason, or "").
    """
    if statement.settled or override_reason:
        return None
    due = format_money(statement.balance_cents, statement.currency)
    return (
        f"The fee is not paid: {due} is due. Record the payment or a waiver first, or write "
        "why you approve with the balance due."
    )


class ScholarshipCheck(NamedTuple):
    ok: bool
    reason: str


def scholarship_eligibility(
    scholarship: Scholarship, member: bool, previous_award_dates: Sequence[date], today: date
) -> ScholarshipCheck:
    """May this person receive `scholarship` today? (ok, a sentence saying why).

    `member`: membership of the scholarship's awarding body (not the association's member
    price). `previous_award_dates`: every award this person had from the same awarding body
    (same_body_keys), not only this scholarship. One award per `once_per_months` calendar
    months: awarded 31 Jan 2024 with 18 months, another is possible from 31 Jul 2025
    (inclusive); from 31 Aug, 1 month on is 30 Sep (the month is clamped, see add_months).
    0 months means no limit.
    """
    body = scholarship.awarding_body
    if scholarship.members_only and not member:
        if body:
            return ScholarshipCheck(False, f"The {scholarship.name} is for members of {body} only.")
        return ScholarshipCheck(False, f"The {scholarship.name} is for members only.")
    months = scholarship.once_per_months
    if months and previous_award_dates:
        last = max(previous_award_dates)
        again = add_months(last, months)
        if today < again:
            if body:
                return ScholarshipCheck(
                    False,
                    f"An award from {body} was made on {format_date(last)}; {body} gives one "
                    f"award every {months} months, so the {scholarship.name} is possible again "
                    f"from {format_date(again)}.",
                )
            return ScholarshipCheck(
                False,
                f"The {scholarship.name} was awarded on {format_date(last)}; it can be awarded "
                f"once every {months} months, so again from {format_date(again)}.",
            )
    return ScholarshipCheck(True, f"Eligible for the {scholarship.name}.")


def same_body_keys(scholarships: Sequence[Scholarship], scholarship: Scholarship) -> set[str]:
    """Keys of the scholarships whose awards count toward `scholarship`'s once-per-period limit:
    every scholarship of the same awarding body, or only itself when it names no body."""
    if not scholarship.awarding_body:
        return {scholarship.key}
    return {s.key for s in scholarships if s.awarding_body == scholarship.awarding_body} | {
        scholarship.key
    }


def awarding_bodies(fees: FeeRules) -> list[str]:
    """The bodies whose members-only scholarships the program offers, in the rules' order."""
    found: list[str] = []
    for scholarship in fees.scholarships:
        body = scholarship.awarding_body
        if scholarship.members_only and body and body not in found:
            found.append(body)
    return found


class PoolBalance(NamedTuple):
    pool_id: int
    remaining_cents: int


def choose_pool(pools: Sequence[PoolBalance], amount_cents: int) -> int | None:
    """The first pool (oldest first, as given) with at least `amount_cents` left, or None when
    the money is spent. An award is never split between pools."""
    for pool in pools:
        if pool.remaining_cents >= amount_cents:
            return pool.pool_id
    return None


def format_money(cents: int, currency: str) -> str:
    """E.g. format_money(35000, "USD") == "$350.00"; an unknown currency: "350.00 XYZ"."""
    dollars, rest = divmod(check_cents(cents), 100)
    amount = f"{dollars:,}.{rest:02d}"
    code = currency.upper()
    symbol = CURRENCY_SYMBOLS.get(code)
    return f"{symbol}{amount}" if symbol else f"{amount} {code}"
