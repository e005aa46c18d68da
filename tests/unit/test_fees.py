"""Fees in integer cents, scholarships once per N calendar months, and money formatting."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portfolio.domain.applications.fees import (
    amount_due,
    format_money,
    scholarship_eligibility,
)
from portfolio.domain.errors import InvalidInput
from portfolio.domain.programs.rules import FeeRules, Scholarship

AWARD = Scholarship(
    key="enrollment",
    name="Enrollment Achievement Award",
    amount_cents=20000,
    members_only=True,
    once_per_months=18,
)
FEES = FeeRules(currency="USD", standard_cents=35000, member_cents=32500, scholarships=(AWARD,))


# --- what is owed ---------------------------------------------------------------------------


def test_non_member_owes_the_standard_fee() -> None:
    statement = amount_due(FEES, member=False, scholarships_awarded_cents=[], payments_cents=[])
    assert (statement.fee_cents, statement.balance_cents, statement.credit_cents) == (
        35000,
        35000,
        0,
    )
    assert not statement.settled


def test_member_owes_the_member_fee() -> None:
    statement = amount_due(FEES, member=True, scholarships_awarded_cents=[], payments_cents=[])
    assert statement.fee_cents == 32500
    assert statement.balance_cents == 32500


def test_scholarship_and_payments_reduce_the_balance() -> None:
    statement = amount_due(FEES, True, [20000], [5000, 2500])
    assert statement.scholarships_applied_cents == 20000
    assert statement.paid_cents == 7500
    assert statement.balance_cents == 5000
    assert statement.currency == "USD"


def test_paying_exactly_the_balance_settles_it() -> None:
    statement = amount_due(FEES, True, [20000], [12500])
    assert statement.balance_cents == 0
    assert statement.credit_cents == 0
    assert statement.settled


def test_overpayment_is_a_credit_never_a_negative_balance() -> None:
    statement = amount_due(FEES, False, [], [35000, 1000])
    assert statement.balance_cents == 0
    assert statement.credit_cents == 1000
    assert statement.settled


def test_scholarships_beyond_the_fee_are_not_credit() -> None:
    statement = amount_due(FEES, True, [20000, 20000], [])
    assert statement.scholarships_cents == 40000
    assert statement.scholarships_applied_cents == 32500
    assert (statement.balance_cents, statement.credit_cents) == (0, 0)


def test_payment_on_a_fee_covered_by_scholarships_is_all_credit() -> None:
    statement = amount_due(FEES, True, [40000], [1000])
    assert statement.credit_cents == 1000


def test_zero_amounts_are_allowed() -> None:
    assert amount_due(FEES, False, [0], [0]).balance_cents == 35000


def test_negative_payment_is_invalid_input() -> None:
    with pytest.raises(InvalidInput, match="must not be negative") as caught:
        amount_due(FEES, False, [], [-100])
    assert caught.value.field == "payments_cents"


def test_negative_scholarship_is_invalid_input() -> None:
    with pytest.raises(InvalidInput, match="must not be negative") as caught:
        amount_due(FEES, False, [-100], [])
    assert caught.value.field == "scholarships_cents"


@pytest.mark.parametrize("amount", [100.0, Decimal("100"), "100", True, None])
def test_payment_that_is_not_whole_cents_is_invalid_input(amount: object) -> None:
    with pytest.raises(InvalidInput, match="whole number of cents"):
        amount_due(FEES, False, [], [amount])  # type: ignore[list-item]


@pytest.mark.parametrize("amount", [200.5, Decimal("200"), False])
def test_scholarship_that_is_not_whole_cents_is_invalid_input(amount: object) -> None:
    with pytest.raises(InvalidInput, match="whole number of cents"):
        amount_due(FEES, False, [amount], [])  # type: ignore[list-item]


cents = st.lists(st.integers(min_value=0, max_value=100_000), max_size=5)


@given(st.booleans(), cents, cents)
def test_statement_always_adds_up(member: bool, awarded: list[int], paid: list[int]) -> None:
    s = amount_due(FEES, member, awarded, paid)
    assert s.balance_cents >= 0
    assert s.credit_cents >= 0
    assert s.balance_cents == 0 or s.credit_cents == 0
    assert s.fee_cents - s.scholarships_applied_cents - s.paid_cents == (
        s.balance_cents - s.credit_cents
    )
    assert 0 <= s.scholarships_applied_cents <= s.fee_cents


# --- scholarships ---------------------------------------------------------------------------


def test_members_only_scholarship_refuses_a_non_member() -> None:
    ok, reason = scholarship_eligibility(AWARD, False, [], date(2025, 1, 1))
    assert not ok
    assert reason == "The Enrollment Achievement Award is for members only."


def test_members_only_scholarship_accepts_a_member_never_awarded_it() -> None:
    ok, reason = scholarship_eligibility(AWARD, True, [], date(2025, 1, 1))
    assert ok
    assert reason == "Eligible for the Enrollment Achievement Award."


def test_open_scholarship_accepts_a_non_member() -> None:
    open_award = Scholarship("open", "Open Award", 10000, members_only=False, once_per_months=18)
    assert scholarship_eligibility(open_award, False, [], date(2025, 1, 1)).ok


def test_second_award_the_day_before_18_months_is_refused() -> None:
    check = scholarship_eligibility(AWARD, True, [date(2024, 1, 31)], date(2025, 7, 30))
    assert not check.ok
    assert check.reason == (
        "The Enrollment Achievement Award was awarded on 31 January 2024; it can be awarded "
        "once every 18 months, so again from 31 July 2025."
    )


def test_second_award_on_the_day_18_months_later_is_allowed() -> None:
    assert scholarship_eligibility(AWARD, True, [date(2024, 1, 31)], date(2025, 7, 31)).ok


def test_months_after_a_31st_end_on_the_last_day_of_a_shorter_month() -> None:
    # 31 Aug 2023 + 18 months = 28 Feb 2025 (there is no 31 Feb).
    awarded = [date(2023, 8, 31)]
    assert not scholarship_eligibility(AWARD, True, awarded, date(2025, 2, 27)).ok
    assert scholarship_eligibility(AWARD, True, awarded, date(2025, 2, 28)).ok


def test_the_latest_previous_award_counts() -> None:
    awarded = [date(2024, 6, 1), date(2020, 1, 1)]
    assert not scholarship_eligibility(AWARD, True, awarded, date(2025, 1, 1)).ok


def test_no_period_means_no_limit() -> None:
    unlimited = Scholarship("u", "Unlimited Award", 5000, members_only=False, once_per_months=0)
    assert scholarship_eligibility(unlimited, False, [date(2025, 1, 1)], date(2025, 1, 1)).ok


# --- formatting -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cents", "currency", "shown"),
    [
        (35000, "USD", "$350.00"),
        (32500, "usd", "$325.00"),
        (5, "USD", "$0.05"),
        (0, "USD", "$0.00"),
        (123456789, "USD", "$1,234,567.89"),
        (1999, "EUR", "€19.99"),
        (1999, "XYZ", "19.99 XYZ"),
    ],
)
def test_format_money(cents: int, currency: str, shown: str) -> None:
    assert format_money(cents, currency) == shown


def test_format_money_refuses_negative_cents() -> None:
    with pytest.raises(InvalidInput, match="must not be negative"):
        format_money(-1, "USD")


@pytest.mark.parametrize("amount", [3.5, Decimal("3.50"), True])
def test_format_money_refuses_anything_but_int_cents(amount: object) -> None:
    with pytest.raises(InvalidInput, match="whole number of cents"):
        format_money(amount, "USD")  # type: ignore[arg-type]
