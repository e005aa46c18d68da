"""The combine rule for two reviews, and a set's outcome against the pass thresholds."""

from __future__ import annotations

import random
from dataclasses import replace
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portfolio.domain.errors import InvalidInput
from portfolio.domain.programs.rules import (
    EligibilityRules,
    FeeRules,
    PassThresholds,
    ProgramRules,
    RenewalRules,
    ReviewRules,
)
from portfolio.domain.reviewing.rubric import (
    CombineRule,
    Rating,
    SetStatus,
    combine_pair,
    combine_reviews,
    parse_rating,
    resolve_with_adjudication,
)

M, P, N = Rating.MET, Rating.PARTIALLY_MET, Rating.NOT_MET
LSSCP_THRESHOLDS = PassThresholds(Fraction(7, 10), Fraction(3, 10), 0)


def program_rules(
    thresholds: PassThresholds = LSSCP_THRESHOLDS, reviewers: int = 2
) -> ProgramRules:
    return ProgramRules(
        required_sets=("FOUND", "COMM", "TECH"),
        electives_required=3,
        eligibility=EligibilityRules(1820, 5, 40, "high_school", True),
        fees=FeeRules("USD", 35000, 32500),
        completion_window_years=4,
        review=ReviewRules(reviewers, 1, 21, True),
        pass_thresholds=thresholds,
        certificate_validity_years=5,
        renewal=RenewalRules(32, 4, 12, 2),
    )


RULES = program_rules()


def codes(n: int) -> list[str]:
    return [f"C{i}" for i in range(1, n + 1)]


def both_rate(ratings: list[Rating]) -> dict[int, dict[str, Rating]]:
    """Two reviewers who agree on every competency, so each combined rating is the one given."""
    by_code = dict(zip(codes(len(ratings)), ratings, strict=True))
    return {1: dict(by_code), 2: dict(by_code)}


# --- the pair rule: all nine ordered pairs -------------------------------------------------

PAIR_TABLE = [
    (M, M, M, CombineRule.AGREEMENT),
    (M, P, M, CombineRule.MET_WITH_PARTIAL),
    (M, N, None, CombineRule.ADJUDICATION_REQUIRED),
    (P, M, M, CombineRule.MET_WITH_PARTIAL),
    (P, P, P, CombineRule.AGREEMENT),
    (P, N, None, CombineRule.ADJUDICATION_REQUIRED),
    (N, M, None, CombineRule.ADJUDICATION_REQUIRED),
    (N, P, None, CombineRule.ADJUDICATION_REQUIRED),
    (N, N, N, CombineRule.AGREEMENT),
]


@pytest.mark.parametrize(("a", "b", "combined", "rule"), PAIR_TABLE)
def test_pair_table(a: Rating, b: Rating, combined: Rating | None, rule: CombineRule) -> None:
    result = combine_pair(a, b)
    assert result.rating == combined
    assert result.rule == rule
    assert result.needs_adjudication == (combined is None)
    assert set(result.ratings) == {a, b}


def test_pair_explanations_name_both_ratings_and_the_rule() -> None:
    assert combine_pair(P, P).explanation == "Both reviewers rated it Partially met."
    assert combine_pair(P, M).explanation == (
        "One reviewer rated it Met and the other Partially met; "
        "Met with Partially met counts as Met."
    )
    assert combine_pair(N, M).explanation == (
        "One reviewer rated it Met and the other Not met; a third reviewer decides."
    )


def test_ratings_are_ordered_and_parse_from_their_values() -> None:
    assert N < P < M
    assert max([P, M, N]) is M
    assert [r.value for r in sorted(Rating)] == ["not_met", "partially_met", "met"]
    assert parse_rating("partially_met") is P


def test_parse_rating_rejects_unknown_text() -> None:
    with pytest.raises(InvalidInput, match="must be one of"):
        parse_rating("excellent")


# --- adjudication --------------------------------------------------------------------------


@pytest.mark.parametrize("third", [M, P, N])
def test_the_third_reviewers_rating_stands(third: Rating) -> None:
    result = resolve_with_adjudication(combine_pair(M, N), third)
    assert result.rating is third
    assert result.adjudicator_rating is third
    assert result.rule is CombineRule.ADJUDICATED
    assert result.ratings == (M, N)
    assert f"the third reviewer rated it {third.label}" in result.explanation


def test_adjudicating_a_settled_pair_is_refused() -> None:
    with pytest.raises(InvalidInput, match="does not need a third reviewer"):
        resolve_with_adjudication(combine_pair(M, P), N)


def test_set_waits_for_adjudication_then_is_judged() -> None:
    reviews = both_rate([M] * 10)
    reviews[2]["C3"] = N
    reviews[2]["C7"] = N
    pending = combine_reviews(reviews, codes(10), RULES)
    assert pending.status is SetStatus.NEEDS_ADJUDICATION
    assert pending.pending == ("C3", "C7")
    assert pending.reasons == ("2 competencies need a third reviewer: C3, C7",)
    assert not pending.met

    half = combine_reviews(reviews, codes(10), RULES, {"C3": M})
    assert half.status is SetStatus.NEEDS_ADJUDICATION
    assert half.pending == ("C7",)

    done = combine_reviews(reviews, codes(10), RULES, {"C3": M, "C7": M})
    assert done.status is SetStatus.MET
    assert done.results["C3"].rule is CombineRule.ADJUDICATED

    failed = combine_reviews(reviews, codes(10), RULES, {"C3": M, "C7": N})
    assert failed.status is SetStatus.NOT_YET_MET
    assert "1 of 10 competencies not met (none allowed)" in failed.reasons


# --- the set rule at its boundaries --------------------------------------------------------


def test_exactly_70_percent_met_and_30_percent_partial_is_met() -> None:
    outcome = combine_reviews(both_rate([M] * 7 + [P] * 3), codes(10), RULES)
    assert outcome.status is SetStatus.MET
    assert outcome.met
    assert outcome.reasons == (
        "7 of 10 competencies met (70%, at least 70% needed)",
        "3 of 10 competencies partially met (30%, at most 30% allowed)",
        "0 of 10 competencies not met (none allowed)",
    )
    assert (outcome.met_count, outcome.partially_met_count, outcome.not_met_count) == (7, 3, 0)


def test_69_9_percent_met_is_not_met() -> None:
    # 699 of 1000 Met: a float threshold could blur this; Fractions do not.
    rules = program_rules(PassThresholds(Fraction(7, 10), Fraction(1), 0))
    outcome = combine_reviews(both_rate([M] * 699 + [P] * 301), codes(1000), rules)
    assert outcome.status is SetStatus.NOT_YET_MET
    assert outcome.checks[0].passed is False
    assert outcome.reasons[0] == "699 of 1000 competencies met (69.9%, at least 70% needed)"


def test_a_share_just_below_the_threshold_never_shows_as_the_threshold() -> None:
    # 6999/10000 is 69.99%: rounding to nearest would print "70%" beside a failure.
    outcome = combine_reviews(
        both_rate([M] * 6999 + [P] * 3001),
        codes(10000),
        program_rules(PassThresholds(Fraction(7, 10), Fraction(1), 0)),
    )
    assert outcome.reasons[0].startswith("6999 of 10000 competencies met (69.9%,")


def test_more_than_30_percent_partial_is_not_met() -> None:
    outcome = combine_reviews(both_rate([M] * 8 + [P] * 4), codes(12), RULES)
    assert outcome.status is SetStatus.NOT_YET_MET
    assert [c.passed for c in outcome.checks] == [False, False, True]
    assert outcome.reasons[:2] == (
        "8 of 12 competencies met (66.7%, at least 70% needed)",
        "4 of 12 competencies partially met (33.3%, at most 30% allowed)",
    )


def test_a_partial_share_just_above_the_limit_never_shows_as_the_limit() -> None:
    rules = program_rules(PassThresholds(Fraction(0), Fraction(3, 10), 0))
    outcome = combine_reviews(both_rate([P] * 3001 + [M] * 6999), codes(10000), rules)
    assert outcome.status is SetStatus.NOT_YET_MET
    assert outcome.reasons[1].startswith("3001 of 10000 competencies partially met (30.1%,")


def test_partial_share_over_threshold_fails_even_when_met_share_passes() -> None:
    thresholds = PassThresholds(Fraction(6, 10), Fraction(3, 10), 0)
    outcome = combine_reviews(both_rate([M] * 6 + [P] * 4), codes(10), program_rules(thresholds))
    assert outcome.status is SetStatus.NOT_YET_MET
    assert [c.passed for c in outcome.checks] == [True, False, True]


def test_one_not_met_fails_a_set_that_is_otherwise_met() -> None:
    outcome = combine_reviews(both_rate([M] * 11 + [N]), codes(12), RULES)
    assert outcome.status is SetStatus.NOT_YET_MET
    assert [c.passed for c in outcome.checks] == [True, True, False]
    assert outcome.reasons[2] == "1 of 12 competencies not met (none allowed)"


def test_not_met_allowance_is_rule_data() -> None:
    rules = program_rules(PassThresholds(Fraction(7, 10), Fraction(3, 10), 1))
    outcome = combine_reviews(both_rate([M] * 11 + [N]), codes(12), rules)
    assert outcome.status is SetStatus.MET
    assert outcome.reasons[2] == "1 of 12 competencies not met (at most 1 allowed)"


def test_a_one_competency_set_reads_in_the_singular() -> None:
    outcome = combine_reviews(both_rate([M]), codes(1), RULES)
    assert outcome.reasons[0] == "1 of 1 competency met (100%, at least 70% needed)"


def test_outcome_document_is_plain_data() -> None:
    reviews = both_rate([M, P])
    reviews[1]["C2"] = M
    document = combine_reviews(reviews, codes(2), RULES).as_document()
    assert document["status"] == "met"
    assert document["counts"] == {
        "met": 2,
        "partially_met": 0,
        "not_met": 0,
        "pending": 0,
        "total": 2,
    }
    assert document["competencies"]["C2"] == {
        "ratings": ["met", "partially_met"],
        "rating": "met",
        "rule": "met_with_partial",
        "explanation": combine_pair(M, P).explanation,
        "adjudicator_rating": None,
    }
    assert [c["key"] for c in document["checks"]] == ["min_met", "max_partially_met", "max_not_met"]


# --- bad input: each its own test ---------------------------------------------------------


def test_one_reviewer_only_is_refused() -> None:
    with pytest.raises(InvalidInput, match="exactly 2 reviewers; got 1"):
        combine_reviews({1: {"C1": M}}, codes(1), RULES)


def test_three_reviewers_are_refused() -> None:
    with pytest.raises(InvalidInput, match="exactly 2 reviewers; got 3"):
        combine_reviews({1: {"C1": M}, 2: {"C1": M}, 3: {"C1": M}}, codes(1), RULES)


def test_rules_asking_for_three_reviewers_are_refused() -> None:
    with pytest.raises(InvalidInput, match="defined for 2 reviewers; the program asks for 3"):
        combine_reviews(both_rate([M]), codes(1), program_rules(reviewers=3))


def test_a_skipped_competency_is_refused() -> None:
    reviews = both_rate([M, M, M])
    del reviews[2]["C2"]
    with pytest.raises(InvalidInput, match="Reviewer 2 has not rated: C2"):
        combine_reviews(reviews, codes(3), RULES)


def test_a_rating_outside_the_set_is_refused() -> None:
    reviews = both_rate([M, M])
    reviews[1]["X9"] = M
    with pytest.raises(InvalidInput, match="Reviewer 1 rated competencies outside the set: X9"):
        combine_reviews(reviews, codes(2), RULES)


def test_a_rating_that_is_not_a_rating_is_refused() -> None:
    reviews: dict[int, dict[str, object]] = {1: {"C1": M}, 2: {"C1": "met"}}
    with pytest.raises(InvalidInput, match="'met' is not a rating"):
        combine_reviews(reviews, codes(1), RULES)  # type: ignore[arg-type]


def test_an_empty_set_is_refused() -> None:
    with pytest.raises(InvalidInput, match="at least one competency"):
        combine_reviews({1: {}, 2: {}}, [], RULES)


def test_a_set_listing_a_competency_twice_is_refused() -> None:
    with pytest.raises(InvalidInput, match="lists a competency twice"):
        combine_reviews(both_rate([M]), ["C1", "C1"], RULES)


def test_adjudication_outside_the_set_is_refused() -> None:
    with pytest.raises(InvalidInput, match="outside the set: X9"):
        combine_reviews(both_rate([M]), codes(1), RULES, {"X9": M})


def test_adjudication_of_a_settled_competency_is_refused() -> None:
    with pytest.raises(InvalidInput, match="C1 does not need a third reviewer"):
        combine_reviews(both_rate([M]), codes(1), RULES, {"C1": N})


# --- properties ------------------------------------------------------------------------------

ratings = st.sampled_from(list(Rating))
fractions = st.fractions(min_value=0, max_value=1, max_denominator=20)
thresholds = st.builds(PassThresholds, fractions, fractions, st.integers(0, 3))


@st.composite
def reviewed_sets(draw: st.DrawFn) -> tuple[list[str], dict[int, dict[str, Rating]]]:
    set_codes = codes(draw(st.integers(1, 16)))
    reviews = {reviewer: {code: draw(ratings) for code in set_codes} for reviewer in draw(_two_ids)}
    return set_codes, reviews


_two_ids = st.lists(st.integers(1, 10_000), min_size=2, max_size=2, unique=True)


def _adjudicate_all(
    set_codes: list[str], reviews: dict[int, dict[str, Rating]], third: Rating
) -> dict[str, Rating]:
    first, second = reviews.values()
    return {c: third for c in set_codes if combine_pair(first[c], second[c]).needs_adjudication}


@given(reviewed_sets(), thresholds, ratings)
def test_swapping_the_reviewers_changes_nothing(
    case: tuple[list[str], dict[int, dict[str, Rating]]], limits: PassThresholds, third: Rating
) -> None:
    set_codes, reviews = case
    (id1, r1), (id2, r2) = reviews.items()
    swapped = {id1: r2, id2: r1}
    rules = program_rules(limits)
    assert combine_reviews(reviews, set_codes, rules) == combine_reviews(swapped, set_codes, rules)
    judged = _adjudicate_all(set_codes, reviews, third)
    assert combine_reviews(reviews, set_codes, rules, judged) == combine_reviews(
        swapped, set_codes, rules, judged
    )


@given(reviewed_sets(), thresholds, st.data())
def test_raising_one_rating_never_lowers_anything(
    case: tuple[list[str], dict[int, dict[str, Rating]]],
    limits: PassThresholds,
    data: st.DataObject,
) -> None:
    set_codes, reviews = case
    reviewer = data.draw(st.sampled_from(sorted(reviews)))
    code = data.draw(st.sampled_from(set_codes))
    higher = [r for r in Rating if r > reviews[reviewer][code]]
    if not higher:
        return
    raised = {rid: dict(given_ratings) for rid, given_ratings in reviews.items()}
    raised[reviewer][code] = data.draw(st.sampled_from(higher))
    rules = program_rules(limits)
    before = combine_reviews(reviews, set_codes, rules)
    after = combine_reviews(raised, set_codes, rules)
    if before.status is SetStatus.MET:
        assert after.status is not SetStatus.NOT_YET_MET
    old, new = before.results[code].rating, after.results[code].rating
    if old is not None and new is not None:
        assert new >= old


@given(reviewed_sets(), thresholds, ratings, st.randoms(use_true_random=False))
def test_outcome_does_not_depend_on_competency_order(
    case: tuple[list[str], dict[int, dict[str, Rating]]],
    limits: PassThresholds,
    third: Rating,
    rnd: random.Random,
) -> None:
    set_codes, reviews = case
    shuffled = list(set_codes)
    rnd.shuffle(shuffled)
    rules = program_rules(limits)
    judged = _adjudicate_all(set_codes, reviews, third)
    a = combine_reviews(reviews, set_codes, rules, judged)
    b = combine_reviews(reviews, shuffled, rules, judged)
    assert a.status == b.status
    assert a.results == b.results
    assert (a.met_count, a.partially_met_count, a.not_met_count) == (
        b.met_count,
        b.partially_met_count,
        b.not_met_count,
    )
    assert a.reasons == b.reasons


@given(st.lists(ratings, min_size=1, max_size=30), thresholds)
def test_agreeing_reviewers_get_the_plain_threshold_rule(
    given_ratings: list[Rating], limits: PassThresholds
) -> None:
    outcome = combine_reviews(
        both_rate(given_ratings), codes(len(given_ratings)), program_rules(limits)
    )
    total = len(given_ratings)
    expected = (
        Fraction(given_ratings.count(M), total) >= limits.min_met
        and Fraction(given_ratings.count(P), total) <= limits.max_partially_met
        and given_ratings.count(N) <= limits.max_not_met
    )
    assert outcome.met is expected


def test_thresholds_can_be_replaced_without_touching_the_rule() -> None:
    stricter = replace(LSSCP_THRESHOLDS, min_met=Fraction(8, 10))
    outcome = combine_reviews(both_rate([M] * 7 + [P] * 3), codes(10), program_rules(stricter))
    assert outcome.status is SetStatus.NOT_YET_MET
    assert outcome.reasons[0] == "7 of 10 competencies met (70%, at least 80% needed)"


def test_a_provisional_competency_is_combined_and_shown_but_never_counted():
    reviews = {1: {"C1": M, "C2": M, "C3": N}, 2: {"C1": M, "C2": M, "C3": M}}
    outcome = combine_reviews(reviews, codes(3), RULES, provisional=frozenset({"C3"}))
    # Not met against Met would need a third reviewer; a provisional competency never does.
    assert outcome.status is SetStatus.MET and outcome.pending == ()
    assert (outcome.total, outcome.met_count, outcome.not_met_count) == (2, 2, 0)
    result = outcome.results["C3"]
    assert result.rule is CombineRule.NOT_COUNTED and not result.counted
    assert result.explanation == (
        "One reviewer rated it Met and the other Not met. Provisional: it does not count "
        "toward the set until the program confirms it."
    )
    document = outcome.as_document()
    assert document["counts"]["total"] == 2
    assert document["competencies"]["C3"]["rule"] == "not_counted"


def test_a_provisional_competency_rated_alike_keeps_its_rating_but_does_not_count():
    reviews = {1: {"C1": N, "C2": M}, 2: {"C1": N, "C2": M}}
    outcome = combine_reviews(reviews, codes(2), RULES, provisional=frozenset({"C1"}))
    assert outcome.met and outcome.results["C1"].rating is N
    assert outcome.results["C1"].explanation.startswith("Both reviewers rated it Not met.")


def test_a_set_whose_every_competency_is_provisional_cannot_be_judged():
    reviews = {1: {"C1": M}, 2: {"C1": M}}
    with pytest.raises(InvalidInput, match="at least one competency that counts"):
        combine_reviews(reviews, codes(1), RULES, provisional=frozenset({"C1"}))


def test_a_third_reviewer_rating_for_a_provisional_competency_is_refused():
    reviews = {1: {"C1": M, "C2": N}, 2: {"C1": M, "C2": M}}
    with pytest.raises(InvalidInput, match="does not need a third reviewer"):
        combine_reviews(reviews, codes(2), RULES, {"C2": M}, provisional=frozenset({"C2"}))
