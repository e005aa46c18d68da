"""What a provider owes for one course fee, and what the office may give back or waive
(domain.courses.fee_ledger)."""

from __future__ import annotations

import pytest

from portfolio.domain.courses.fee_ledger import (
    CHARGE,
    PAYMENT,
    REFUND,
    WAIVER,
    check_refund,
    check_waiver,
    dollars,
    owed_cents,
    refundable_cents,
)
from portfolio.domain.errors import InvalidInput

pytestmark = pytest.mark.database_independent

PAID = [(CHARGE, 100_00), (PAYMENT, 100_00)]


def test_what_is_owed_and_what_can_go_back_follow_every_kind_of_entry():
    assert owed_cents([(CHARGE, 100_00)]) == 100_00
    assert owed_cents(PAID) == 0
    assert refundable_cents(PAID) == 100_00
    given_back = [*PAID, (REFUND, 30_00)]
    assert owed_cents(given_back) == 30_00  # owed again until waived
    assert refundable_cents(given_back) == 70_00
    assert owed_cents([*given_back, (WAIVER, 30_00)]) == 0


def test_a_refund_gives_back_at_most_what_was_paid_and_not_yet_given_back():
    check_refund(PAID, 100_00, "approval")
    with pytest.raises(InvalidInput, match=r"not yet given back \(\$100\)"):
        check_refund(PAID, 100_01, "approval")
    with pytest.raises(InvalidInput, match="Nothing paid for the renewal"):
        check_refund([(CHARGE, 100_00)], 1, "renewal")


def test_a_waiver_takes_at_most_what_is_owed():
    check_waiver([(CHARGE, 100_00)], 100_00, "approval")
    with pytest.raises(InvalidInput, match=r"at most what is owed for the approval \(\$100\)"):
        check_waiver([(CHARGE, 100_00)], 100_01, "approval")
    with pytest.raises(InvalidInput, match="Nothing is owed"):
        check_waiver(PAID, 1, "approval")


def test_dollars_show_cents_only_when_there_are_some():
    assert dollars(100_00) == "$100"
    assert dollars(12_50) == "$12.50"
    assert dollars(1_234_567_00) == "$1,234,567"
