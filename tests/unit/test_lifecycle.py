"""The set lifecycle (every allowed and every refused transition), resubmission and the window."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from fractions import Fraction
from itertools import product

import pytest

from portfolio.domain.errors import Conflict, InvalidInput
from portfolio.domain.lifecycle import (
    TRANSITIONS,
    SetEvent,
    SetLifecycle,
    allowed_events,
    can_resubmit,
    completion_window_end,
    days_left,
    parse_status,
    resubmission_refusal,
    transition,
    window_open,
)
from portfolio.domain.programs.rules import (
    EligibilityRules,
    FeeRules,
    PassThresholds,
    ProgramRules,
    RenewalRules,
    ReviewRules,
)

S, E = SetLifecycle, SetEvent
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

# The lifecycle as the program describes it, written out independently of the module's table,
# so a slip in either shows up here.
EXPECTED = {
    (S.NOT_STARTED, E.SAVE_DRAFT): S.DRAFT,
    (S.NOT_STARTED, E.CLOSE): S.CLOSED_NOT_MET,
    (S.DRAFT, E.SAVE_DRAFT): S.DRAFT,
    (S.DRAFT, E.SUBMIT): S.SUBMITTED,
    (S.DRAFT, E.CLOSE): S.CLOSED_NOT_MET,
    (S.SUBMITTED, E.ASSIGN): S.IN_REVIEW,
    (S.IN_REVIEW, E.ASSIGN): S.IN_REVIEW,
    (S.IN_REVIEW, E.RECORD_OUTCOME_MET): S.MET,
    (S.IN_REVIEW, E.RECORD_OUTCOME_NOT_MET): S.NOT_YET_MET,
    (S.IN_REVIEW, E.REQUIRE_ADJUDICATION): S.NEEDS_ADJUDICATION,
    (S.NEEDS_ADJUDICATION, E.ASSIGN): S.NEEDS_ADJUDICATION,
    (S.NEEDS_ADJUDICATION, E.RECORD_OUTCOME_MET): S.MET,
    (S.NEEDS_ADJUDICATION, E.RECORD_OUTCOME_NOT_MET): S.NOT_YET_MET,
    (S.NOT_YET_MET, E.SAVE_DRAFT): S.NOT_YET_MET,
    (S.NOT_YET_MET, E.RESUBMIT): S.RESUBMITTED,
    (S.NOT_YET_MET, E.CLOSE): S.CLOSED_NOT_MET,
    (S.RESUBMITTED, E.ASSIGN): S.IN_REVIEW,
    (S.MET, E.REOPEN): S.IN_REVIEW,
    (S.NOT_YET_MET, E.REOPEN): S.IN_REVIEW,
    (S.CLOSED_NOT_MET, E.REOPEN): S.DRAFT,
}
REFUSED = [pair for pair in product(SetLifecycle, SetEvent) if pair not in EXPECTED]


def test_the_table_is_the_expected_one() -> None:
    assert dict(TRANSITIONS) == EXPECTED


@pytest.mark.parametrize(("current", "event"), list(EXPECTED), ids=lambda v: str(v))
def test_every_allowed_transition(current: SetLifecycle, event: SetEvent) -> None:
    assert transition(current, event) is EXPECTED[current, event]
    # The same from stored text, as EnrollmentSet.status holds it.
    assert transition(current.value, event.value) is EXPECTED[current, event]


@pytest.mark.parametrize(("current", "event"), REFUSED, ids=lambda v: str(v))
def test_every_other_transition_is_a_conflict(current: SetLifecycle, event: SetEvent) -> None:
    with pytest.raises(Conflict) as caught:
        transition(current, event)
    assert caught.value.status == 409
    assert caught.value.message.startswith("You cannot ")


def test_editing_a_submitted_set_is_refused() -> None:
    with pytest.raises(Conflict, match="You cannot edit a set that is submitted"):
        transition(S.SUBMITTED, E.SAVE_DRAFT)


def test_editing_a_set_in_review_is_refused() -> None:
    with pytest.raises(Conflict, match="You cannot edit a set that is in review"):
        transition(S.IN_REVIEW, E.SAVE_DRAFT)


def test_submitting_twice_is_refused() -> None:
    with pytest.raises(Conflict, match="You cannot submit a set that is submitted"):
        transition(transition(S.DRAFT, E.SUBMIT), E.SUBMIT)


def test_submitting_without_a_draft_is_refused() -> None:
    with pytest.raises(Conflict):
        transition(S.NOT_STARTED, E.SUBMIT)


def test_a_met_set_only_reopens() -> None:
    assert allowed_events(S.MET) == {E.REOPEN}


def test_a_set_waiting_on_reviewers_is_not_closed_under_the_candidate() -> None:
    for waiting in (S.SUBMITTED, S.IN_REVIEW, S.NEEDS_ADJUDICATION, S.RESUBMITTED):
        with pytest.raises(Conflict):
            transition(waiting, E.CLOSE)


def test_allowed_events_of_a_draft() -> None:
    assert allowed_events(S.DRAFT) == {E.SAVE_DRAFT, E.SUBMIT, E.CLOSE}


def test_every_status_is_reachable_and_none_is_a_dead_end() -> None:
    reached, frontier = {S.NOT_STARTED}, [S.NOT_STARTED]
    while frontier:
        current = frontier.pop()
        for event in allowed_events(current):
            new = transition(current, event)
            if new not in reached:
                reached.add(new)
                frontier.append(new)
    assert reached == set(SetLifecycle)
    assert all(allowed_events(status) for status in SetLifecycle)


def test_the_resubmission_route_to_met() -> None:
    first_try = [E.SAVE_DRAFT, E.SUBMIT, E.ASSIGN, E.ASSIGN, E.RECORD_OUTCOME_NOT_MET]
    second_try = [E.SAVE_DRAFT, E.RESUBMIT, E.ASSIGN, E.REQUIRE_ADJUDICATION, E.ASSIGN]
    status = S.NOT_STARTED
    for event in [*first_try, *second_try, E.RECORD_OUTCOME_MET]:
        status = transition(status, event)
    assert status is S.MET


def test_unknown_status_text_is_invalid_input() -> None:
    with pytest.raises(InvalidInput, match="not a set status"):
        parse_status("approved")


def test_unknown_event_is_invalid_input() -> None:
    with pytest.raises(InvalidInput, match="not a set event"):
        transition(S.DRAFT, "publish")


# --- the completion window ---------------------------------------------------------------------


def test_completion_window_ends_four_years_after_enrollment() -> None:
    assert completion_window_end(date(2024, 3, 15), RULES) == date(2028, 3, 15)


def test_completion_window_from_29_february_to_a_leap_year() -> None:
    assert completion_window_end(date(2024, 2, 29), RULES) == date(2028, 2, 29)


def test_completion_window_from_29_february_to_a_common_year_ends_28_february() -> None:
    rules = replace(RULES, completion_window_years=5)
    assert completion_window_end(date(2024, 2, 29), rules) == date(2029, 2, 28)


END = date(2028, 3, 15)


def test_days_left_counts_down_to_the_last_day() -> None:
    assert days_left(END, date(2028, 3, 5)) == 10
    assert days_left(END, date(2028, 3, 14)) == 1
    assert days_left(END, END) == 0
    assert days_left(END, date(2028, 4, 1)) == 0


def test_window_is_open_on_its_last_day_and_closed_the_day_after() -> None:
    assert window_open(END, END)
    assert not window_open(END, date(2028, 3, 16))


# --- resubmission --------------------------------------------------------------------------------


def test_first_resubmission_inside_the_window_is_allowed() -> None:
    assert can_resubmit(0, RULES.review.resubmissions_allowed, END, date(2026, 1, 1))


def test_resubmission_on_the_windows_last_day_is_allowed() -> None:
    assert can_resubmit(0, 1, END, END)


def test_second_resubmission_is_refused() -> None:
    assert not can_resubmit(1, 1, END, date(2026, 1, 1))
    assert resubmission_refusal(1, 1, END, date(2026, 1, 1)) == (
        "The one resubmission allowed has been used."
    )


def test_resubmissions_beyond_a_larger_allowance_are_refused() -> None:
    assert can_resubmit(1, 2, END, date(2026, 1, 1))
    assert resubmission_refusal(2, 2, END, date(2026, 1, 1)) == (
        "All 2 resubmissions allowed have been used."
    )


def test_resubmission_after_the_window_is_refused() -> None:
    assert not can_resubmit(0, 1, END, date(2028, 3, 16))
    assert resubmission_refusal(0, 1, END, date(2028, 3, 16)) == "The completion window has ended."


def test_a_program_without_resubmissions_refuses_them() -> None:
    assert resubmission_refusal(0, 0, END, date(2026, 1, 1)) == (
        "This program allows no resubmission."
    )


@pytest.mark.parametrize(("used", "allowed"), [(-1, 1), (0, -1), (True, 1), (0, 1.0)])
def test_bad_resubmission_counts_are_invalid_input(used: object, allowed: object) -> None:
    with pytest.raises(InvalidInput, match="resubmission count"):
        can_resubmit(used, allowed, END, date(2026, 1, 1))  # type: ignore[arg-type]
