"""Fees and scholarships, in integer cents only (no floats, no Decimal rounding questions).

What is owed: the member or standard fee, less scholarships awarded, less payments. A balance
is never negative: paying more than is owed shows as a credit. Scholarship money beyond the fee
is not credit, because a scholarship reduces a fee and is never paid out.
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
    paid_cents: int
    balance_cents: int  # still owed; never negative
    credit_cents: int  # paid beyond what was owed

    @property
    def settled(self) -> bool:
        return self.balance_cents == 0


def amount_due(
    fees: FeeRules,
    member: bool,
    scholarships_awarded_cents: Sequence[int],
    payments_cents: Sequence[int],
) -> FeeStatement:
    """The fee statement for one application. InvalidInput for a non-int or negative amount."""
    fee = check_cents(fees.member_cents if member else fees.standard_cents, "fee_cents")
    awarded = sum(check_cents(c, "scholarships_cents") for c in scholarships_awarded_cents)
    paid = sum(check_cents(c, "payments_cents") for c in payments_cents)
    applied = min(awarded, fee)
    owed = fee - applied
    return FeeStatement(
        currency=fees.currency,
        fee_cents=fee,
        scholarships_cents=awarded,
        scholarships_applied_cents=applied,
        paid_cents=paid,
        balance_cents=max(owed - paid, 0),
        credit_cents=max(paid - owed, 0),
    )


class ScholarshipCheck(NamedTuple):
    ok: bool
    reason: str


def scholarship_eligibility(
    scholarship: Scholarship, member: bool, previous_award_dates: Sequence[date], today: date
) -> ScholarshipCheck:
    """May this person receive `scholarship` today? (ok, a sentence saying why).

    `previous_award_dates` are the dates this scholarship was awarded to this person before.
    One award per `once_per_months` calendar months: awarded 31 Jan 2024 with 18 months, it is
    available again from 31 Jul 2025 (inclusive); from 31 Aug, 1 month on is 30 Sep (the month
    is clamped, see add_months). 0 months means no limit.
    """
    if scholarship.members_only and not member:
        return ScholarshipCheck(False, f"The {scholarship.name} is for members only.")
    months = scholarship.once_per_months
    if months and previous_award_dates:
        last = max(previous_award_dates)
        again = add_months(last, months)
        if today < again:
            return ScholarshipCheck(
                False,
                f"The {scholarship.name} was awarded on {format_date(last)}; it can be awarded "
                f"once every {months} months, so again from {format_date(again)}.",
            )
    return ScholarshipCheck(True, f"Eligible for the {scholarship.name}.")


def format_money(cents: int, currency: str) -> str:
    """E.g. format_money(35000, "USD") == "$350.00"; an unknown currency: "350.00 XYZ"."""
    dollars, rest = divmod(check_cents(cents), 100)
    amount = f"{dollars:,}.{rest:02d}"
    code = currency.upper()
    symbol = CURRENCY_SYMBOLS.get(code)
    return f"{symbol}{amount}" if symbol else f"{amount} {code}"
