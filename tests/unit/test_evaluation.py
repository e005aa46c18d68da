"""The evaluation rule: certified when every required set and enough electives are met in time."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portfolio.domain.certification.evaluation import (
    Route,
    SetState,
    Verdict,
    evaluate,
    expiry,
    verdict,
)
from portfolio.domain.lifecycle import SetLifecycle

WINDOW_ENDS = date(2028, 6, 30)
TODAY = date(2027, 1, 15)


def portfolio_set(code, *, required, status=SetLifecycle.MET):
    return SetState(code, f"Set {code}", required, Route.PORTFOLIO, status)


def course_set(code, *, required, verified=True, completed=True):
    return SetState(
        code, f"Set {code}", required, Route.COURSE, SetLifecycle.NOT_STARTED, verified, completed
    )


def lsscp(**changes):
    """Three required and three electives, all met unless changed."""
    sets = {
        "FOUND": portfolio_set("FOUND", required=True),
        "COMM": course_set("COMM", required=True),
        "TECH": portfolio_set("TECH", required=True),
        "CAT": portfolio_set("CAT", required=False),
        "REF": course_set("REF", required=False),
        "YOUTH": portfolio_set("YOUTH", required=False),
    }
    sets.update(changes)
    return list(sets.values())


def test_every_set_met_in_time_certifies_with_one_reason_per_set():
    decision = evaluate(lsscp(), 3, WINDOW_ENDS, TODAY)
    assert decision.verdict is Verdict.CERTIFIED
    assert decision.reasons[0] == "FOUND Set FOUND (required): met by portfolio review"
    assert decision.reasons[1] == "COMM Set COMM (required): met by a verified approved course"
    assert "Electives met: 3 of the 3 required" in decision.reasons
    assert decision.reasons[-1] == "Completed inside the completion window, which ends 30 June 2028"


def test_a_required_set_in_review_leaves_the_decision_open_and_says_what_is_missing():
    sets = lsscp(TECH=portfolio_set("TECH", required=True, status=SetLifecycle.IN_REVIEW))
    decision = evaluate(sets, 3, WINDOW_ENDS, TODAY)
    assert decision.verdict is Verdict.NOT_YET
    assert decision.summary == "Still to be met: required set Set TECH (TECH)."
    assert "TECH Set TECH (required): portfolio in review" in decision.reasons


def test_an_unverified_course_does_not_count():
    sets = lsscp(REF=course_set("REF", required=False, verified=False))
    decision = evaluate(sets, 3, WINDOW_ENDS, TODAY)
    assert decision.verdict is Verdict.NOT_YET
    assert decision.summary == "Still to be met: 1 more elective."
    assert "REF Set REF (elective): course completed, waiting for verification" in decision.reasons


def test_a_fourth_elective_is_not_needed_but_does_no_harm():
    sets = lsscp(EXTRA=portfolio_set("EXTRA", required=False, status=SetLifecycle.DRAFT))
    assert evaluate(sets, 3, WINDOW_ENDS, TODAY).verdict is Verdict.CERTIFIED


def test_after_the_window_what_is_missing_ends_the_enrollment_not_certified():
    sets = lsscp(
        FOUND=portfolio_set("FOUND", required=True, status=SetLifecycle.CLOSED_NOT_MET),
        CAT=portfolio_set("CAT", required=False, status=SetLifecycle.NOT_YET_MET),
    )
    decision = evaluate(sets, 3, WINDOW_ENDS, date(2028, 7, 1))
    assert decision.verdict is Verdict.NOT_CERTIFIED
    assert decision.summary == (
        "The completion window ended with required set Set FOUND (FOUND) and 1 more elective "
        "still to be met."
    )


@pytest.mark.parametrize(
    "checking",
    [
        portfolio_set("TECH", required=True, status=SetLifecycle.IN_REVIEW),
        portfolio_set("TECH", required=True, status=SetLifecycle.NEEDS_ADJUDICATION),
        course_set("TECH", required=True, verified=False),
    ],
)
def test_after_the_window_the_decision_waits_for_evidence_still_being_checked(checking):
    decision = evaluate(lsscp(TECH=checking), 3, WINDOW_ENDS, date(2028, 7, 1))
    assert decision.verdict is Verdict.NOT_YET
    assert decision.summary == (
        "Still to be met: required set Set TECH (TECH). The decision waits for TECH."
    )


def test_a_course_not_yet_completed_is_not_waited_for_after_the_window():
    sets = lsscp(TECH=course_set("TECH", required=True, verified=False, completed=False))
    decision = evaluate(sets, 3, WINDOW_ENDS, date(2028, 7, 1))
    assert decision.verdict is Verdict.NOT_CERTIFIED
    assert "TECH Set TECH (required): course not yet completed" in decision.reasons


def test_everything_met_on_the_last_day_of_the_window_certifies():
    assert evaluate(lsscp(), 3, WINDOW_ENDS, WINDOW_ENDS).verdict is Verdict.CERTIFIED


def test_a_set_with_no_route_is_not_met():
    sets = lsscp(TECH=SetState("TECH", "Set TECH", True, Route.UNDECIDED, SetLifecycle.NOT_STARTED))
    decision = evaluate(sets, 3, WINDOW_ENDS, TODAY)
    assert "TECH Set TECH (required): no route chosen yet" in decision.reasons
    assert decision.verdict is Verdict.NOT_YET


# Weighted towards Met, so that certified starting points are common, not one draw in 700.
statuses = st.one_of(st.just(SetLifecycle.MET), st.sampled_from(list(SetLifecycle)))


@given(
    st.lists(statuses, min_size=6, max_size=6),
    st.integers(0, 3),
    st.integers(0, 5),
    st.sampled_from([TODAY, date(2028, 7, 1)]),
)
def test_meeting_one_more_set_never_undoes_a_certification(levels, electives, which, today):
    sets = [
        portfolio_set(f"S{i}", required=i < 3, status=status) for i, status in enumerate(levels)
    ]
    before = evaluate(sets, electives, WINDOW_ENDS, today).verdict
    sets[which] = portfolio_set(sets[which].code, required=sets[which].required)
    after = evaluate(sets, electives, WINDOW_ENDS, today).verdict
    assert after is Verdict.CERTIFIED or before is not Verdict.CERTIFIED
    if today <= WINDOW_ENDS:  # inside the window nothing is final but certification
        assert after is not Verdict.NOT_CERTIFIED


@pytest.mark.parametrize(
    ("issued", "years", "expires"),
    [
        (date(2026, 11, 23), 5, date(2031, 11, 23)),
        (date(2028, 2, 29), 5, date(2033, 2, 28)),
        (date(2028, 2, 29), 4, date(2032, 2, 29)),
    ],
)
def test_a_certificate_expires_after_the_validity_period(issued, years, expires):
    assert expiry(issued, years) == expires


any_set = st.builds(
    SetState,
    code=st.sampled_from(["A", "B", "C"]),
    name=st.just("Set"),
    required=st.booleans(),
    route=st.sampled_from(list(Route)),
    status=statuses,
    course_verified=st.booleans(),
    course_completed=st.booleans(),
)


@given(
    st.lists(any_set, max_size=7),
    st.integers(0, 3),
    st.sampled_from([TODAY, WINDOW_ENDS, date(2028, 7, 1)]),
)
def test_the_verdict_alone_is_the_verdict_of_the_full_decision(sets, electives, today):
    # The batch evaluation asks verdict() of every candidate and evaluate() of those it decides.
    assert verdict(sets, electives, WINDOW_ENDS, today) is (
        evaluate(sets, electives, WINDOW_ENDS, today).verdict
    )
