"""Agreement from pair counts and units, checked against scikit-learn and krippendorff.

Both libraries are test dependencies only: they are the oracles our exact arithmetic must match.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from fractions import Fraction
from pathlib import Path

import krippendorff
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score

from portfolio.domain.errors import InvalidInput
from portfolio.domain.reviewing.agreement import (
    Statistic,
    agreement_stats,
    agreement_stats_from_counts,
    ordinal_alpha,
    ordinal_alpha_from_counts,
    weighted_kappa,
    weighted_kappa_from_counts,
)
from portfolio.domain.reviewing.rubric import Rating

M, P, N = Rating.MET, Rating.PARTIALLY_MET, Rating.NOT_MET
HAND_PAIRS = [(M, M), (M, P), (P, P), (N, P), (N, N)]

ratings = st.sampled_from(list(Rating))
# From no pairs at all (degenerate) to a few dozen, often with only one or two categories.
pair_lists = st.lists(st.tuples(ratings, ratings), max_size=30)
RANKS = [rating.rank for rating in sorted(Rating)]  # the category labels, Not met first
# The first call into scikit-learn can take a second or two, past hypothesis's deadline.
against_libraries = settings(deadline=None)


def library_kappa(pairs: list[tuple[Rating, Rating]]) -> float:
    first, second = [a.rank for a, _ in pairs], [b.rank for _, b in pairs]
    return float(cohen_kappa_score(first, second, labels=RANKS, weights="linear"))


def library_alpha(units: list[tuple[Rating, ...]]) -> float:
    counts = [[unit.count(rating) for rating in sorted(Rating)] for unit in units]
    return float(
        krippendorff.alpha(value_counts=counts, value_domain=RANKS, level_of_measurement="ordinal")
    )


def assert_same(from_counts: Statistic, from_pairs: Statistic) -> None:
    assert (from_counts.name, from_counts.used, from_counts.unit, from_counts.reason) == (
        from_pairs.name,
        from_pairs.used,
        from_pairs.unit,
        from_pairs.reason,
    )
    if from_pairs.value is None:
        assert from_counts.value is None
    else:
        assert from_counts.value == pytest.approx(from_pairs.value, abs=1e-9)


def test_the_hand_example_gives_the_hand_computed_values() -> None:
    counts = Counter(HAND_PAIRS)
    assert weighted_kappa_from_counts(counts).value == pytest.approx(6 / 11, abs=1e-12)
    assert ordinal_alpha_from_counts(counts).value == pytest.approx(0.7, abs=1e-12)


@against_libraries
@given(pair_lists)
def test_kappa_equals_scikit_learn(pairs: list[tuple[Rating, Rating]]) -> None:
    stat = weighted_kappa(pairs)
    assert_same(weighted_kappa_from_counts(Counter(pairs)), stat)
    if stat.value is not None:  # the degenerate cases are checked with their reasons below
        assert stat.value == pytest.approx(library_kappa(pairs), abs=1e-9)


@against_libraries
@given(pair_lists)
def test_alpha_from_counts_equals_the_krippendorff_package(
    pairs: list[tuple[Rating, Rating]],
) -> None:
    stat = ordinal_alpha(pairs)
    assert_same(ordinal_alpha_from_counts(Counter(pairs)), stat)
    if stat.value is not None:
        assert stat.value == pytest.approx(library_alpha(pairs), abs=1e-9)


@against_libraries
@given(st.lists(st.lists(ratings, min_size=2, max_size=4).map(tuple), min_size=2, max_size=30))
def test_alpha_with_third_reviewers_equals_the_krippendorff_package(
    units: list[tuple[Rating, ...]],
) -> None:
    stat = ordinal_alpha(units)
    if len({rating for unit in units for rating in unit}) == 1:
        assert stat.value is None
    else:
        assert stat.value == pytest.approx(library_alpha(units), abs=1e-9)


@pytest.mark.parametrize(
    "pairs", [[(M, M), (M, P)], [(M, P)] * 3, [(N, M), (M, N), (P, P)], HAND_PAIRS * 7]
)
def test_fixed_examples_equal_both_libraries(pairs: list[tuple[Rating, Rating]]) -> None:
    # The same check as the properties, on cases hypothesis might not draw in a short run.
    assert weighted_kappa(pairs).value == pytest.approx(library_kappa(pairs), abs=1e-12)
    assert ordinal_alpha(pairs).value == pytest.approx(library_alpha(pairs), abs=1e-12)


@given(pair_lists)
def test_all_statistics_from_counts_equal_those_from_the_pairs(
    pairs: list[tuple[Rating, Rating]],
) -> None:
    from_counts, from_pairs = agreement_stats_from_counts(Counter(pairs)), agreement_stats(pairs)
    assert from_counts.pairs == from_pairs.pairs
    assert from_counts.disagreement_rate == from_pairs.disagreement_rate
    assert from_counts.distribution == from_pairs.distribution
    assert list(from_counts.distribution) == [M, P, N]
    assert_same(from_counts.kappa, from_pairs.kappa)
    assert_same(from_counts.alpha, from_pairs.alpha)


@given(pair_lists, st.sets(st.tuples(ratings, ratings)))
def test_pairs_counted_zero_times_change_nothing(
    pairs: list[tuple[Rating, Rating]], unused: set[tuple[Rating, Rating]]
) -> None:
    # A grouped query may report a pair with count 0; it must not count as a category used.
    counts = dict.fromkeys(unused, 0) | Counter(pairs)
    assert_same(weighted_kappa_from_counts(counts), weighted_kappa(pairs))
    assert_same(ordinal_alpha_from_counts(counts), ordinal_alpha(pairs))


@pytest.mark.parametrize(
    ("counts", "reason"),
    [
        ({}, "Needs at least 2 paired ratings; there are 0."),
        ({(M, N): 1}, "Needs at least 2 paired ratings; there is 1."),
        ({(P, P): 4}, "Every rating is Partially met; agreement beyond chance cannot be measured."),
    ],
)
def test_degenerate_counts_give_none_with_the_reason(
    counts: dict[tuple[Rating, Rating], int], reason: str
) -> None:
    kappa = weighted_kappa_from_counts(counts)
    assert (kappa.value, kappa.reason) == (None, reason)
    alpha = ordinal_alpha_from_counts(counts)
    assert alpha.value is None
    assert alpha.reason == reason.replace("paired ratings", "competencies rated twice or more")


def test_no_pairs_have_no_disagreement_rate() -> None:
    assert agreement_stats_from_counts({}).disagreement_rate is None


def test_the_disagreement_rate_is_exact() -> None:
    assert agreement_stats_from_counts(Counter(HAND_PAIRS)).disagreement_rate == Fraction(2, 5)


@pytest.mark.parametrize(
    "compute", [weighted_kappa_from_counts, ordinal_alpha_from_counts, agreement_stats_from_counts]
)
def test_a_negative_count_is_refused(compute: object) -> None:
    assert callable(compute)
    with pytest.raises(InvalidInput, match="must not be negative"):
        compute({(M, M): 3, (M, N): -1})


def test_no_statistic_loads_either_library() -> None:
    code = (
        "import sys\n"
        "from portfolio.domain.reviewing import agreement as a\n"
        "from portfolio.domain.reviewing.rubric import Rating as R\n"
        "pairs = [(R.MET, R.NOT_MET), (R.MET, R.NOT_MET), (R.MET, R.MET)]\n"
        "a.agreement_stats_from_counts({(R.MET, R.NOT_MET): 2, (R.MET, R.MET): 3})\n"
        "a.agreement_stats(pairs)\n"
        "a.ordinal_alpha([(R.MET, R.NOT_MET, R.PARTIALLY_MET), (R.MET, R.MET)])\n"
        "print(any(m in sys.modules for m in ('sklearn', 'krippendorff', 'numpy')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert out.stdout.strip() == "False"
