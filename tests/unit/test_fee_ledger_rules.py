"""Refunds, waivers, approval and the fee, scholarship bodies and pools: pure rules (issue 13.2)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portfolio.domain.applications.fees import (
    PoolBalance,
    amount_due,
    awarding_bodies,
    check_refund,
    check_waiver,
    choose_pool,
    same_body_keys,
    scholarship_eligibility,
    unpaid_approval_problem,
)
from portfolio.domain.errors import InvalidInput
from portfolio.domain.programs.rules import FeeRules, Scholarship

AWARD = Scholarship("award", "Enrollment Achievement Award", 20000, True, 18, "SSD", True)
SUBSIDY = Scholarship("subsidy", "Course Subsidy", 10000, True, 18, "SSD", True)
OTHER = Scholarship("other", "Other Award", 5000, False, 12, "")
FEES = FeeRules("USD", 35000, 32500, (AWARD, SUBSIDY, OTHER))


def statement(paid=(), refunded=(), waived=(), awarded=()):
    return amount_due(FEES, False, list(awarded), list(paid), list(refunded), list(waived))


def test_refunds_and_waivers_move_the_balance() -> None:
    s = statement(paid=[35000], refunded=[5000])
    assert (s.balance_cents, s.refunded_cents, s.refundable_cents) == (5000, 5000, 30000)
    s = statement(waived=[15000], paid=[20000])
    assert (s.balance_cents, s.waived_cents, s.settled) == (0, 15000, True)


def test_a_refund_never_exceeds_what_was_paid_and_not_refunded() -> None:
    s = statement(paid=[35000], refunded=[30000])
    check_refund(s, 5000)
    with pytest.raises(InvalidInput, match=r"\(\$50.00\)") as caught:
        check_refund(s, 5001)
    assert caught.value.field == "amount"
    with pytest.raises(InvalidInput):
        check_refund(statement(), 1)


def test_a_waiver_never_exceeds_the_balance() -> None:
    check_waiver(statement(paid=[5000]), 30000)
    with pytest.raises(InvalidInput, match="at most the balance due"):
        check_waiver(statement(paid=[5000]), 30001)
    with pytest.raises(InvalidInput, match="Nothing is owed"):
        check_waiver(statement(paid=[35000]), 1)


def test_approval_needs_the_fee_settled_or_a_reason() -> None:
    assert "$350.00 is due" in (unpaid_approval_problem(statement(), "") or "")
    assert unpaid_approval_problem(statement(), "The district pays next month.") is None
    assert unpaid_approval_problem(statement(paid=[35000]), "") is None
    assert unpaid_approval_problem(statement(waived=[35000]), "") is None


@given(
    st.lists(st.integers(1, 50000), max_size=4),
    st.lists(st.integers(1, 50000), max_size=4),
    st.lists(st.integers(1, 50000), max_size=4),
)
def test_balance_and_credit_are_never_both_positive(paid, waived, awarded) -> None:
    s = statement(paid=paid, waived=waived, awarded=awarded)
    assert s.balance_cents >= 0 and s.credit_cents >= 0
    assert not (s.balance_cents and s.credit_cents)


def test_the_limit_counts_every_award_of_the_same_body() -> None:
    assert same_body_keys(FEES.scholarships, AWARD) == {"award", "subsidy"}
    assert same_body_keys(FEES.scholarships, OTHER) == {"other"}
    check = scholarship_eligibility(SUBSIDY, True, [date(2025, 1, 10)], date(2026, 1, 10))
    assert not check.ok
    assert "An award from SSD was made on 10 January 2025" in check.reason
    assert "again from 10 July 2026" in check.reason


def test_membership_is_of_the_awarding_body() -> None:
    check = scholarship_eligibility(AWARD, False, [], date(2026, 1, 1))
    assert check.reason == "The Enrollment Achievement Award is for members of SSD only."
    assert awarding_bodies(FEES) == ["SSD"]


def test_an_award_comes_whole_from_the_oldest_pool_that_has_it() -> None:
    pools = [PoolBalance(1, 10000), PoolBalance(2, 20000), PoolBalance(3, 50000)]
    assert choose_pool(pools, 20000) == 2
    assert choose_pool(pools, 60000) is None
    assert choose_pool([], 1) is None
