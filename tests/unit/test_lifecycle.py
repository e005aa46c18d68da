"""The set lifecycle, resubmission and the window.

The lifecycle is tested by what must hold of any life a set can have (random walks of events,
refused ones ignored), not against a copy of its table: a copy can only agree with itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from fractions import Fraction
from itertools import product

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portfolio.domain.errors import Conflict, InvalidInput
from portfolio.domain.lifecycle import (
    SetEvent,
    SetLifecycle,
    allowed_events,
    attempts_note,
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

WAITING_ON_REVIEWERS = (S.SUBMITTED, S.IN_REVIEW, S.NEEDS_ADJUDICATION, S.RESUBMITTED)
CANDIDATE_HOLDS = (S.NOT_STARTED, S.DRAFT, S.NOT_YET_MET)  # what the candidate may still edit
OUTCOME_EVENTS = (E.RECORD_OUTCOME_MET, E.RECORD_OUTCOME_NOT_MET)
# The program office's events: an administrator's reopen, the appeals committee's fresh review.
ADMINISTRATOR_EVENTS = (E.REOPEN, E.REVIEW_AGAIN)

events = st.sampled_from(SetEvent)


@dataclass
class Walk:
    """A set's life under a sequence of attempted events: refused ones change nothing."""

    start: SetLifecycle = SetLifecycle.NOT_STARTED
    steps: list[tuple[SetLifecycle, SetEvent, SetLifecycle]] = field(default_factory=list)

    @classmethod
    def of(cls, attempts: list[SetEvent], start: SetLifecycle = S.NOT_STARTED) -> Walk:
        walk, status = cls(start), start
        for event in attempts:
            try:
                new = transition(status, event)
            except Conflict:
                continue
            walk.steps.append((status, event, new))
            status = new
        return walk

    @classmethod
    def guided(cls, choices: list[int]) -> Walk:
        """A life from not_started where each step takes one of the events allowed then."""
        status = S.NOT_STARTED
        attempted = []
        for choice in choices:
            options = sorted(allowed_events(status))
            attempted.append(options[choice % len(options)])
            status = transition(status, attempted[-1])
        return cls.of(attempted)

    @property
    def statuses(self) -> list[SetLifecycle]:
        return [self.start, *(new for _, _, new in self.steps)]


# Any events, most of them refused (which the walk skips); and lives in which every step is
# one the lifecycle allows then, so they go deep (a resubmission sent to a third reviewer is
# 10 steps from not_started). allowed_events agrees with transition: see the first test.
attempts = st.lists(events, max_size=80)
lives = st.lists(st.integers(min_value=0, max_value=8), max_size=40).map(Walk.guided)


def test_every_event_either_moves_the_set_or_is_a_409() -> None:
    for current, event in product(SetLifecycle, SetEvent):
        try:
            new = transition(current, event)
        except Conflict as refused:
            assert refused.status == 409
            assert refused.message.startswith("You cannot ")
            assert refused.message.endswith(f"a set that is {current.label}.")
            assert event not in allowed_events(current)
        else:
            assert isinstance(new, SetLifecycle)
            assert event in allowed_events(current)
            # The same from stored text, as EnrollmentSet.status holds it.
            assert transition(current.value, event.value) is new


@given(lives)
def test_nothing_goes_back_to_not_started(life: Walk) -> None:
    assert S.NOT_STARTED not in life.statuses[1:]


@given(lives)
def test_a_submitted_set_returns_to_draft_only_by_a_reopen(life: Walk) -> None:
    for before, event, after in life.steps:
        if after is S.DRAFT and before is not S.DRAFT:
            assert before is S.NOT_STARTED or event in ADMINISTRATOR_EVENTS, (before, event)


@given(lives)
def test_the_candidate_edits_only_a_set_they_hold(life: Walk) -> None:
    for before, event, _after in life.steps:
        if event in (E.SAVE_DRAFT, E.SUBMIT, E.RESUBMIT, E.CLOSE):
            assert before in CANDIDATE_HOLDS, (before, event)


def test_a_set_waiting_on_reviewers_is_neither_edited_nor_closed() -> None:
    for status in WAITING_ON_REVIEWERS:
        assert not allowed_events(status) & {E.SAVE_DRAFT, E.SUBMIT, E.RESUBMIT, E.CLOSE}


@given(attempts, st.sampled_from([S.MET, S.CLOSED_NOT_MET]))
def test_met_and_closed_change_only_by_an_administrator(
    walk_events: list[SetEvent], final: SetLifecycle
) -> None:
    """Whatever anyone but an administrator tries, a met or closed set stays as it is."""
    candidate_and_reviewer_events = [e for e in walk_events if e not in ADMINISTRATOR_EVENTS]
    assert Walk.of(candidate_and_reviewer_events, start=final).statuses == [final]
    assert set(allowed_events(final)) <= set(ADMINISTRATOR_EVENTS)


@given(lives)
def test_an_outcome_follows_a_submission_and_an_assigned_reviewer(
    life: Walk,
) -> None:
    """No set is decided without being (re)submitted (or sent back on appeal, which sends the
    same submission to new reviewers) and given a reviewer since."""
    submitted = assigned = False
    for before, event, after in life.steps:
        if event in (E.SUBMIT, E.RESUBMIT, E.REVIEW_AGAIN):
            submitted, assigned = True, False
        elif event is E.ASSIGN:
            assert submitted
            assigned = True
        elif event is E.REOPEN and after is S.DRAFT:
            submitted = assigned = False  # a closed set reopens as a draft to submit again
        if after in (S.MET, S.NOT_YET_MET) and before not in (S.MET, S.NOT_YET_MET):
            assert event in OUTCOME_EVENTS, (before, event)
            assert submitted and assigned, (before, event)


@given(lives)
def test_after_not_yet_met_the_next_submission_is_a_counted_resubmission(
    life: Walk,
) -> None:
    """Revising a set that was not met cannot turn it back into a first submission (which the
    resubmission rule would not count), unless an administrator closes and reopens it."""
    failed = False
    for _before, event, after in life.steps:
        if event is E.SUBMIT:
            assert not failed
        if event is E.RESUBMIT:
            assert failed
        # Not met or closed: the set stays a failed one, however it is edited, until it is
        # resubmitted or an administrator reopens it.
        if after in (S.NOT_YET_MET, S.CLOSED_NOT_MET):
            failed = True
        elif event is E.RESUBMIT or event in ADMINISTRATOR_EVENTS:
            failed = False


def test_every_status_is_reachable_from_not_started_and_met_from_every_status() -> None:
    def reachable(start: SetLifecycle) -> set[SetLifecycle]:
        reached, frontier = {start}, [start]
        while frontier:
            current = frontier.pop()
            for event in allowed_events(current):
                new = transition(current, event)
                if new not in reached:
                    reached.add(new)
                    frontier.append(new)
        return reached

    assert reachable(S.NOT_STARTED) == set(SetLifecycle)
    for status in SetLifecycle:
        assert S.MET in reachable(status), status  # nothing is a dead end for good


@given(
    st.integers(min_value=0, max_value=10),
    st.lists(st.sampled_from(["try", "wait"]), max_size=30),
    st.integers(min_value=0, max_value=40),
)
def test_resubmissions_never_exceed_the_rule_and_all_it_allows_are_possible(
    allowed: int, story: list[str], window_days: int
) -> None:
    """A set not met again and again, its candidate trying to resubmit after every outcome
    ("try") while days pass ("wait"): as many resubmissions as the rule allows, never more,
    and none once the window has ended."""
    start = date(2026, 1, 1)
    end, today = start + timedelta(days=window_days), start
    status, used, tries_in_window = S.NOT_STARTED, 0, 0
    for step in [E.SAVE_DRAFT, E.SUBMIT, E.ASSIGN, E.RECORD_OUTCOME_NOT_MET]:
        status = transition(status, step)
    for happening in story:
        if happening == "wait":
            today += timedelta(days=3)
            continue
        tries_in_window += today <= end
        if can_resubmit(used, allowed, end, today):
            for step in [E.RESUBMIT, E.ASSIGN, E.RECORD_OUTCOME_NOT_MET]:
                status = transition(status, step)
            used += 1
        else:
            with pytest.raises(Conflict):  # and the lifecycle offers no other way back in
                transition(status, E.SUBMIT)
        assert used <= allowed
    assert used == min(allowed, tries_in_window)
    assert status is S.NOT_YET_MET


@given(
    st.integers(min_value=0, max_value=20),
    st.integers(min_value=0, max_value=20),
    st.dates(),
    st.dates(),
)
def test_a_resubmission_is_allowed_exactly_while_one_remains_and_the_window_is_open(
    used: int, allowed: int, end: date, today: date
) -> None:
    refusal = resubmission_refusal(used, allowed, end, today)
    assert (refusal is None) == (used < allowed and today <= end)
    assert can_resubmit(used, allowed, end, today) == (refusal is None)
    if refusal is not None:
        # Refused now, refused with more used and later (the window only closes).
        assert not can_resubmit(used + 1, allowed, end, today)
        if today < date.max:
            assert not can_resubmit(used, allowed, end, today + timedelta(days=1))


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


def test_a_met_set_only_reopens_or_is_reviewed_again_on_appeal() -> None:
    assert allowed_events(S.MET) == {E.REOPEN, E.REVIEW_AGAIN}


def test_allowed_events_of_a_draft() -> None:
    assert allowed_events(S.DRAFT) == {E.SAVE_DRAFT, E.SUBMIT, E.CLOSE}


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


@pytest.mark.parametrize(
    ("status", "used", "allowed", "note"),
    [
        (S.DRAFT, 0, 1, "If this set is not met, you can revise and resubmit it once."),
        (S.DRAFT, 0, 3, "If this set is not met, you can revise and resubmit it 3 times."),
        (
            S.DRAFT,
            0,
            0,
            "This program allows no resubmission: if this set is not met, it is closed.",
        ),
        (
            S.NOT_YET_MET,
            0,
            3,
            "This is a resubmission: if it is not met, you can resubmit twice more.",
        ),
        (
            S.NOT_YET_MET,
            0,
            1,
            "This is your last resubmission for this set: if it is not met, the set is closed as "
            "not met (it can then still be met by an approved course).",
        ),
    ],
)
def test_the_submit_page_says_what_an_attempt_leaves(status, used, allowed, note):
    assert attempts_note(status, used, allowed) == note
