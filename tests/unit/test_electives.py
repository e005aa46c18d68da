"""Choosing electives: each way a choice can be wrong, and when an elective may still change."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import pytest

from portfolio.domain.enrollment.electives import (
    ElectiveDrop,
    can_change_elective,
    elective_drop,
    validate_electives,
)
from portfolio.domain.errors import InvalidInput
from portfolio.domain.lifecycle import SetLifecycle
from portfolio.domain.programs.rules import (
    EligibilityRules,
    FeeRules,
    PassThresholds,
    ProgramRules,
    RenewalRules,
    ReviewRules,
)

RULES = ProgramRules(
    required_sets=("FOUND", "COMM", "TECH"),
    electives_required=3,
    eligibility=EligibilityRules(1820, 5, 40, "high_school", True),
    fees=FeeRules("USD", 35000, 32500),
    completion_window_years=4,
    review=ReviewRules(2, 1, 21, True),
    pass_thresholds=PassThresholds(Fraction(7, 10), Fraction(3, 10), 0),
    certificate_validity_years=5,
    renewal=RenewalRules(32, 4, 12, 2),
)
LSSCP_SETS = [
    ("FOUND", "required"),
    ("COMM", "required"),
    ("TECH", "required"),
    *[(code, "elective") for code in ("ADULT", "CAT", "COLL", "REF", "SUPV", "YOUTH", "ACCESS")],
]


def refused(chosen: list[str], sets: list[tuple[str, str]] = LSSCP_SETS) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        validate_electives(chosen, sets, RULES)
    assert caught.value.status == 422
    assert caught.value.field == "electives"
    return caught.value


def test_three_electives_of_the_framework_are_accepted_in_the_order_given() -> None:
    assert validate_electives(["REF", "CAT", "YOUTH"], LSSCP_SETS, RULES) == ("REF", "CAT", "YOUTH")


def test_two_electives_are_too_few() -> None:
    assert refused(["REF", "CAT"]).message == "Choose exactly 3 electives; you chose 2."


def test_four_electives_are_too_many() -> None:
    assert refused(["REF", "CAT", "YOUTH", "SUPV"]).message == (
        "Choose exactly 3 electives; you chose 4."
    )


def test_no_electives_are_too_few() -> None:
    assert refused([]).message == "Choose exactly 3 electives; you chose 0."


def test_a_code_unknown_to_the_framework_is_refused() -> None:
    assert refused(["REF", "CAT", "ASTRO"]).message == (
        "Not a competency set of this program: ASTRO"
    )


def test_a_required_set_is_refused_as_an_elective() -> None:
    assert refused(["REF", "CAT", "TECH"]).message == (
        "Required sets are taken anyway and cannot be chosen as electives: TECH"
    )


def test_a_set_the_rules_call_required_is_refused_even_if_the_framework_says_elective() -> None:
    sets = [(code, "elective") for code, _ in LSSCP_SETS]
    assert "FOUND" in refused(["REF", "CAT", "FOUND"], sets).message


def test_the_same_elective_twice_is_refused() -> None:
    assert refused(["REF", "REF", "CAT"]).message == "Each elective can be chosen once: REF"


def test_a_program_asking_for_one_elective_says_so_in_the_singular() -> None:
    rules = replace(RULES, electives_required=1)
    with pytest.raises(InvalidInput, match="Choose exactly 1 elective; you chose 2"):
        validate_electives(["REF", "CAT"], LSSCP_SETS, rules)


@pytest.mark.parametrize("status", list(SetLifecycle))
def test_an_elective_can_change_before_anything_was_submitted_or_once_closed(
    status: SetLifecycle,
) -> None:
    expected = status in {SetLifecycle.NOT_STARTED, SetLifecycle.DRAFT, SetLifecycle.CLOSED_NOT_MET}
    assert can_change_elective(status) is expected
    assert can_change_elective(status.value) is expected


@pytest.mark.parametrize(
    ("status", "ever_submitted", "how"),
    [
        (SetLifecycle.NOT_STARTED, False, ElectiveDrop.REMOVE),
        (SetLifecycle.DRAFT, False, ElectiveDrop.REMOVE),
        (SetLifecycle.DRAFT, True, ElectiveDrop.REFUSED),  # reopened: being redone
        (SetLifecycle.CLOSED_NOT_MET, True, ElectiveDrop.KEEP_ON_RECORD),
        (SetLifecycle.IN_REVIEW, True, ElectiveDrop.REFUSED),
        (SetLifecycle.NOT_YET_MET, True, ElectiveDrop.REFUSED),  # a resubmission is left
        (SetLifecycle.MET, True, ElectiveDrop.REFUSED),
    ],
)
def test_how_an_elective_is_swapped(status, ever_submitted, how) -> None:
    assert elective_drop(status, ever_submitted=ever_submitted) is how


def test_can_change_elective_refuses_an_unknown_status() -> None:
    with pytest.raises(InvalidInput):
        can_change_elective("archived")
