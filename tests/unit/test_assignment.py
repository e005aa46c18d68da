"""Choosing reviewers: each eligibility rule, the preference order, and the shortfall reasons."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portfolio.domain.errors import InvalidInput
from portfolio.domain.reviewing.assignment import (
    Candidate,
    PassedOver,
    ReviewerStanding,
    choose_reviewers,
    same_library,
    unavailable_through,
)

TODAY = date(2026, 11, 10)
CANDIDATE = Candidate(id=1, library="Spokane Public Library")


def reviewer(rid: int, **changes: object) -> ReviewerStanding:
    base = ReviewerStanding(
        id=rid,
        qualified_set_codes=frozenset({"CAT", "REF"}),
        capacity=4,
        open_reviews=0,
        library=f"Library {rid}",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def choose(
    profiles: list[ReviewerStanding],
    how_many: int = 2,
    candidate: Candidate = CANDIDATE,
    **kw: object,
) -> tuple[tuple[int, ...], dict[int, PassedOver], tuple[str, ...]]:
    result = choose_reviewers("CAT", candidate, profiles, how_many, TODAY, **kw)  # type: ignore[arg-type]
    assert result.shortfall == how_many - len(result.chosen)
    return result.chosen, dict(result.passed_over), result.reasons


# --- each rule ----------------------------------------------------------------------------


def test_two_eligible_reviewers_are_chosen_with_no_reasons() -> None:
    chosen, passed_over, reasons = choose([reviewer(10), reviewer(11), reviewer(12)])
    assert chosen == (10, 11)
    assert passed_over == {}
    assert reasons == ()


def test_a_reviewer_not_qualified_for_the_set_is_passed_over() -> None:
    chosen, passed_over, _ = choose([reviewer(10, qualified_set_codes=frozenset({"REF"}))])
    assert chosen == ()
    assert passed_over == {10: PassedOver.NOT_QUALIFIED}


def test_a_reviewer_awaiting_calibration_is_passed_over_and_the_reason_says_so() -> None:
    chosen, passed_over, reasons = choose([reviewer(10, awaiting_calibration=True), reviewer(11)])
    assert chosen == (11,)
    assert passed_over == {10: PassedOver.AWAITING_CALIBRATION}
    assert reasons == ("1 qualified reviewer has not yet scored a calibration exercise",)


def test_a_conflict_outranks_awaiting_calibration_as_the_reason() -> None:
    colleague = reviewer(10, awaiting_calibration=True, library=CANDIDATE.library)
    _, passed_over, _ = choose([colleague])
    assert passed_over == {10: PassedOver.SAME_LIBRARY}


def test_an_unavailable_reviewer_is_passed_over() -> None:
    away = ((TODAY - timedelta(days=3), TODAY + timedelta(days=20)),)
    chosen, passed_over, _ = choose([reviewer(10, unavailable=away), reviewer(11)])
    assert chosen == (11,)
    assert passed_over == {10: PassedOver.UNAVAILABLE}


@pytest.mark.parametrize(
    "away",
    [
        (date(2026, 11, 10), date(2026, 11, 10)),  # today only: the range is inclusive
        (date(2026, 11, 1), date(2026, 11, 10)),  # ends today
        (date(2026, 11, 10), date(2026, 12, 1)),  # starts today
    ],
)
def test_unavailable_ranges_include_both_ends(away: tuple[date, date]) -> None:
    _, passed_over, _ = choose([reviewer(10, unavailable=(away,))])
    assert passed_over == {10: PassedOver.UNAVAILABLE}


@pytest.mark.parametrize(
    "away",
    [(date(2026, 11, 1), date(2026, 11, 9)), (date(2026, 11, 11), date(2026, 12, 1))],
)
def test_a_reviewer_away_on_other_days_is_available(away: tuple[date, date]) -> None:
    chosen, _, _ = choose([reviewer(10, unavailable=(away,))])
    assert chosen == (10,)


def test_a_reviewer_at_capacity_is_passed_over() -> None:
    chosen, passed_over, _ = choose([reviewer(10, open_reviews=4), reviewer(11, open_reviews=3)])
    assert chosen == (11,)
    assert passed_over == {10: PassedOver.AT_CAPACITY}


def test_a_reviewer_with_no_capacity_is_passed_over() -> None:
    _, passed_over, _ = choose([reviewer(10, capacity=0)])
    assert passed_over == {10: PassedOver.AT_CAPACITY}


def test_the_candidate_never_reviews_their_own_set() -> None:
    _, passed_over, reasons = choose([reviewer(CANDIDATE.id)])
    assert passed_over == {CANDIDATE.id: PassedOver.IS_CANDIDATE}
    assert reasons == ("1 reviewer is the candidate",)


def test_the_candidates_supervisor_is_passed_over() -> None:
    candidate = replace(CANDIDATE, supervisor_ids=frozenset({10}))
    chosen, passed_over, _ = choose([reviewer(10), reviewer(11)], candidate=candidate)
    assert chosen == (11,)
    assert passed_over == {10: PassedOver.SUPERVISOR}


@pytest.mark.parametrize(
    "library",
    [
        "Spokane Public Library",
        "spokane public library",
        "  Spokane  Public Library ",
        "SpokanePublicLibrary",
        # Invisible characters and compatibility forms hide no conflict of interest.
        "Spokane\u200bPublic Library",
        "Spokane Public\u00a0Library\u200e",
        "\u202eSpokane Public Library\u202c",
        "\ufeffSpokane Pub\u00adlic Library",
        "\uff33pokane Public Library",
    ],
)
def test_a_reviewer_at_the_candidates_library_is_passed_over(library: str) -> None:
    _, passed_over, _ = choose([reviewer(10, library=library)])
    assert passed_over == {10: PassedOver.SAME_LIBRARY}


@pytest.mark.parametrize(("mine", "theirs"), [("", ""), (None, None), ("", None), ("  ", "")])
def test_blank_libraries_never_count_as_the_same_library(
    mine: str | None, theirs: str | None
) -> None:
    assert not same_library(mine, theirs)
    candidate = replace(CANDIDATE, library=theirs)
    chosen, _, _ = choose([reviewer(10, library=mine)], candidate=candidate)
    assert chosen == (10,)


def test_a_declared_conflict_is_passed_over() -> None:
    candidate = replace(CANDIDATE, conflicted_reviewer_ids=frozenset({10}))
    chosen, passed_over, _ = choose([reviewer(10), reviewer(11)], candidate=candidate)
    assert chosen == (11,)
    assert passed_over == {10: PassedOver.DECLARED_CONFLICT}


def test_an_inactive_reviewer_is_passed_over() -> None:
    _, passed_over, _ = choose([reviewer(10, active=False)])
    assert passed_over == {10: PassedOver.INACTIVE}


def test_excluded_reviewers_are_passed_over() -> None:
    chosen, passed_over, _ = choose([reviewer(10), reviewer(11)], how_many=1, exclude=[10])
    assert chosen == (11,)
    assert passed_over == {10: PassedOver.EXCLUDED}


# --- preference and tie-breaks ------------------------------------------------------------


def test_least_loaded_by_share_of_capacity_comes_first() -> None:
    busy = reviewer(10, capacity=2, open_reviews=1)  # 1/2
    roomy = reviewer(11, capacity=10, open_reviews=3)  # 3/10
    chosen, _, _ = choose([busy, roomy], how_many=1)
    assert chosen == (11,)


def test_equal_share_prefers_fewer_open_reviews() -> None:
    a = reviewer(10, capacity=4, open_reviews=2)  # 1/2
    b = reviewer(11, capacity=2, open_reviews=1)  # 1/2
    chosen, _, _ = choose([a, b], how_many=2)
    assert chosen == (11, 10)


def test_a_full_tie_goes_to_the_lowest_id() -> None:
    chosen, _, _ = choose([reviewer(12), reviewer(10), reviewer(11)], how_many=3)
    assert chosen == (10, 11, 12)


def test_previous_reviewers_come_last_when_others_are_free() -> None:
    candidate = replace(CANDIDATE, previous_reviewer_ids=frozenset({10}))
    chosen, _, _ = choose(
        [reviewer(10), reviewer(11, open_reviews=3), reviewer(12, open_reviews=2)],
        candidate=candidate,
    )
    assert chosen == (12, 11)


def test_previous_reviewers_are_the_fall_back() -> None:
    candidate = replace(CANDIDATE, previous_reviewer_ids=frozenset({10, 11}))
    chosen, _, reasons = choose(
        [reviewer(10, open_reviews=1), reviewer(11), reviewer(12)], candidate=candidate
    )
    assert chosen == (12, 11)
    assert reasons == ()


def test_a_resubmission_can_ask_for_the_previous_reviewers_first() -> None:
    candidate = replace(CANDIDATE, previous_reviewer_ids=frozenset({10, 11}))
    chosen, _, _ = choose(
        [reviewer(10, open_reviews=3), reviewer(11, open_reviews=2), reviewer(12)],
        candidate=candidate,
        prefer_previous=True,
    )
    assert chosen == (11, 10)


def test_a_resubmission_falls_back_to_new_reviewers() -> None:
    candidate = replace(CANDIDATE, previous_reviewer_ids=frozenset({10, 11}))
    away = ((TODAY, TODAY + timedelta(days=30)),)
    chosen, _, _ = choose(
        [reviewer(10), reviewer(11, unavailable=away), reviewer(13), reviewer(12)],
        candidate=candidate,
        prefer_previous=True,
    )
    assert chosen == (10, 12)


# --- shortfall reasons --------------------------------------------------------------------


def test_shortfall_reasons_count_each_cause() -> None:
    profiles = [
        reviewer(10, open_reviews=4),
        reviewer(11, capacity=1, open_reviews=1),
        reviewer(12, unavailable=((date(2026, 11, 1), date(2026, 11, 30)),)),
        reviewer(13, library="spokane public library"),
        reviewer(14, qualified_set_codes=frozenset({"REF"})),
        reviewer(15),
    ]
    result = choose_reviewers("CAT", CANDIDATE, profiles, 3, TODAY)
    assert result.chosen == (15,)
    assert result.shortfall == 2
    assert result.reasons == (
        "1 reviewer is not qualified for CAT",
        "1 qualified reviewer works at the candidate's library",
        "1 qualified reviewer is unavailable through 2026-11-30",
        "2 qualified reviewers are at capacity",
    )


def test_unavailability_is_grouped_by_the_last_day_away() -> None:
    profiles = [
        reviewer(10, unavailable=((TODAY, date(2026, 12, 31)),)),
        reviewer(11, unavailable=((TODAY, date(2026, 11, 30)),)),
        reviewer(12, unavailable=((TODAY, date(2026, 12, 31)),)),
    ]
    _, _, reasons = choose(profiles)
    assert reasons == (
        "1 qualified reviewer is unavailable through 2026-11-30",
        "2 qualified reviewers are unavailable through 2026-12-31",
    )


def test_back_to_back_absences_read_as_one() -> None:
    profile = reviewer(
        10,
        unavailable=(
            (date(2026, 12, 1), date(2026, 12, 20)),
            (date(2026, 11, 1), date(2026, 11, 30)),
            (date(2027, 3, 1), date(2027, 3, 5)),  # a later, separate absence
        ),
    )
    assert unavailable_through(profile, TODAY) == date(2026, 12, 20)
    assert unavailable_through(profile, date(2027, 1, 1)) is None


def test_an_absence_that_never_ends_does_not_overflow() -> None:
    profile = reviewer(10, unavailable=((TODAY, date.max),))
    assert unavailable_through(profile, TODAY) == date.max


def test_no_reviewers_at_all_says_so() -> None:
    result = choose_reviewers("CAT", CANDIDATE, [], 2, TODAY)
    assert result.chosen == ()
    assert result.reasons == ("No reviewer is qualified for CAT",)


def test_too_few_reviewers_with_nobody_passed_over_says_so() -> None:
    _, _, reasons = choose([reviewer(10)])
    assert reasons == ("No other reviewer is qualified for CAT",)


def test_profiles_may_be_any_iterable() -> None:
    result = choose_reviewers("CAT", CANDIDATE, (reviewer(i) for i in (10, 11)), 3, TODAY)
    assert result.chosen == (10, 11)


# --- bad input ----------------------------------------------------------------------------


def test_asking_for_no_reviewers_is_refused() -> None:
    with pytest.raises(InvalidInput, match="At least one reviewer"):
        choose_reviewers("CAT", CANDIDATE, [reviewer(10)], 0, TODAY)


def test_a_reviewer_listed_twice_is_refused() -> None:
    with pytest.raises(InvalidInput, match="Reviewer 10 is listed twice"):
        choose_reviewers("CAT", CANDIDATE, [reviewer(10), reviewer(10)], 1, TODAY)


# --- properties ---------------------------------------------------------------------------

_days = st.dates(min_value=date(2026, 10, 1), max_value=date(2026, 12, 31))
_ranges = st.tuples(_days, _days).map(lambda r: (min(r), max(r)))


@st.composite
def rosters(draw: st.DrawFn) -> tuple[Candidate, list[ReviewerStanding]]:
    ids = draw(st.lists(st.integers(1, 40), unique=True, max_size=15))
    profiles = [
        ReviewerStanding(
            id=rid,
            qualified_set_codes=draw(st.frozensets(st.sampled_from(["CAT", "REF"]))),
            capacity=draw(st.integers(0, 5)),
            open_reviews=draw(st.integers(0, 6)),
            unavailable=tuple(draw(st.lists(_ranges, max_size=2))),
            library=draw(st.sampled_from([None, "", "North", "South", " north "])),
            active=draw(st.booleans()),
        )
        for rid in ids
    ]
    some = st.frozensets(st.integers(1, 40), max_size=5)
    candidate = Candidate(
        id=draw(st.integers(1, 40)),
        library=draw(st.sampled_from([None, "", "North", "South"])),
        supervisor_ids=draw(some),
        conflicted_reviewer_ids=draw(some),
        previous_reviewer_ids=draw(some),
    )
    return candidate, profiles


def _eligible(profile: ReviewerStanding, candidate: Candidate, today: date) -> bool:
    """The rules restated independently, as a reader of DESIGN.md would check them."""
    library = (profile.library or "").replace(" ", "").lower()
    return (
        profile.active
        and "CAT" in profile.qualified_set_codes
        and profile.id != candidate.id
        and profile.id not in candidate.supervisor_ids
        and profile.id not in candidate.conflicted_reviewer_ids
        and not (library and library == (candidate.library or "").replace(" ", "").lower())
        and not any(first <= today <= last for first, last in profile.unavailable)
        and profile.open_reviews < profile.capacity
    )


@given(rosters(), st.integers(1, 5), _days, st.booleans())
def test_choice_respects_every_rule(
    case: tuple[Candidate, list[ReviewerStanding]], how_many: int, today: date, previous_first: bool
) -> None:
    candidate, profiles = case
    result = choose_reviewers(
        "CAT", candidate, profiles, how_many, today, prefer_previous=previous_first
    )
    eligible = {p.id for p in profiles if _eligible(p, candidate, today)}
    assert set(result.chosen) <= eligible
    assert len(set(result.chosen)) == len(result.chosen)
    assert len(result.chosen) == min(how_many, len(eligible))
    assert set(result.passed_over) == {p.id for p in profiles} - eligible
    assert bool(result.reasons) == (len(result.chosen) < how_many)


@given(rosters(), st.integers(1, 5), _days)
def test_a_previous_reviewer_is_chosen_only_when_no_one_else_is_left(
    case: tuple[Candidate, list[ReviewerStanding]], how_many: int, today: date
) -> None:
    candidate, profiles = case
    result = choose_reviewers("CAT", candidate, profiles, how_many, today)
    eligible = {p.id for p in profiles if _eligible(p, candidate, today)}
    fresh = eligible - candidate.previous_reviewer_ids
    if any(rid in candidate.previous_reviewer_ids for rid in result.chosen):
        assert fresh <= set(result.chosen)
