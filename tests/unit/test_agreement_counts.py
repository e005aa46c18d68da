"""Agreement from pair counts: the same values and reasons as the library-based functions."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
# The library-based functions import scikit-learn on first use (about 2 s), past the deadline.
against_libraries = settings(deadline=None)


def assert_same(from_counts: Statistic, from_library: Statistic) -> None:
    assert (from_counts.name, from_counts.used, from_counts.unit, from_counts.reason) == (
        from_library.name,
        from_library.used,
        from_library.unit,
        from_library.reason,
    )
    if from_library.value is None:
        assert from_counts.value is None
    else:
        assert from_counts.value == pytest.approx(from_library.value, abs=1e-9)


def test_the_hand_example_gives_the_hand_computed_values() -> None:
    counts = Counter(HAND_PAIRS)
    assert weighted_kappa_from_counts(counts).value == pytest.approx(6 / 11, abs=1e-12)
    assert ordinal_alpha_from_counts(counts).value == pytest.approx(0.7, abs=1e-12)


@against_libraries
@given(pair_lists)
def test_kappa_from_counts_equals_scikit_learn(pairs: list[tuple[Rating, Rating]]) -> None:
    assert_same(weighted_kappa_from_counts(Counter(pairs)), weighted_kappa(pairs))


@against_libraries
@given(pair_lists)
def test_alpha_from_counts_equals_the_krippendorff_package(
    pairs: list[tuple[Rating, Rating]],
) -> None:
    assert_same(ordinal_alpha_from_counts(Counter(pairs)), ordinal_alpha(pairs))


@against_libraries
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


@against_libraries
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


def test_counts_based_statistics_load_neither_library() -> None:
    code = (
        "import sys\n"
        "from portfolio.domain.reviewing.agreement import agreement_stats_from_counts as f\n"
        "from portfolio.domain.reviewing.rubric import Rating as R\n"
        "f({(R.MET, R.NOT_MET): 2, (R.MET, R.MET): 3})\n"
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
