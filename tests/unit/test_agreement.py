"""Inter-rater agreement: hand-checked values, degenerate data, and textbook cross-checks."""

from __future__ import annotations

import subprocess
import sys
import warnings
from collections import Counter, defaultdict
from fractions import Fraction
from itertools import permutations
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portfolio.domain.errors import InvalidInput
from portfolio.domain.reviewing.agreement import (
    LOW_AGREEMENT_THRESHOLD,
    agreement_stats,
    disagreement_rate,
    flag_low_agreement,
    ordinal_alpha,
    rating_distribution,
    weighted_kappa,
)
from portfolio.domain.reviewing.rubric import Rating

M, P, N = Rating.MET, Rating.PARTIALLY_MET, Rating.NOT_MET

# Rater A: M M P N N; rater B: M P P P N.
HAND_PAIRS = [(M, M), (M, P), (P, P), (N, P), (N, N)]


def test_weighted_kappa_matches_a_hand_computation() -> None:
    # Ranks N=0, P=1, M=2; linear disagreement |i - j|.
    # Observed: distances 0,1,0,1,0 -> 2/5.
    # Marginals A: N .4, P .2, M .4; B: N .2, P .6, M .2.
    # Expected: .4*(.6*1 + .2*2) + .2*(.2*1 + .2*1) + .4*(.2*2 + .6*1) = .4 + .08 + .4 = .88.
    # Kappa = 1 - .4/.88 = 6/11.
    stat = weighted_kappa(HAND_PAIRS)
    assert stat.value == pytest.approx(6 / 11, abs=1e-12)
    assert stat.used == 5
    assert stat.reason == ""


def test_ordinal_alpha_matches_a_hand_computation() -> None:
    # Pooled values: n_N = 3, n_P = 4, n_M = 3, n = 10.
    # Ordinal distances: d(N,P) = (7/2)^2 = 12.25, d(P,M) = 12.25, d(N,M) = (10 - 3)^2 = 49.
    # Coincidences off the diagonal: o(M,P) = o(P,M) = o(N,P) = o(P,N) = 1.
    # D_o = (2*12.25 + 2*12.25) / 10 = 4.9.
    # D_e = 2*(3*4*12.25 + 4*3*12.25 + 3*3*49) / (10*9) = 1470/90.
    # Alpha = 1 - 4.9 * 90/1470 = 1 - 0.3 = 0.7.
    stat = ordinal_alpha(HAND_PAIRS)
    assert stat.value == pytest.approx(0.7, abs=1e-12)
    assert stat.used == 5


def test_ordinal_alpha_counts_a_third_reviewer_in_the_unit() -> None:
    # Units (M,M), (M,N,P), (P,P), (N,N): n_N = n_P = n_M = 3, n = 9.
    # The three-rating unit adds 1/2 to each off-diagonal coincidence.
    # d(N,P) = d(P,M) = 3^2 = 9, d(N,M) = (9 - 3)^2 = 36.
    # D_o = (0.5*18 + 0.5*18 + 0.5*72) / 9 = 6; D_e = 2*(81 + 81 + 324) / 72 = 13.5.
    # Alpha = 1 - 6/13.5 = 5/9.
    stat = ordinal_alpha([(M, M), (M, N, P), (P, P), (N, N)])
    assert stat.value == pytest.approx(5 / 9, abs=1e-12)


def test_the_order_of_the_ratings_matters() -> None:
    # Read with P above M (as a mix-up of the category order would), the hand example's alpha
    # drops from 0.7 to 163/490, so a slip in the order cannot go unnoticed.
    swapped = {M: P, P: M, N: N}
    stat = ordinal_alpha([(swapped[a], swapped[b]) for a, b in HAND_PAIRS])
    assert stat.value == pytest.approx(163 / 490, abs=1e-12)


def test_perfect_agreement_scores_one() -> None:
    pairs = [(M, M), (P, P), (N, N), (M, M)]
    assert weighted_kappa(pairs).value == pytest.approx(1.0)
    assert ordinal_alpha(pairs).value == pytest.approx(1.0)


def test_systematic_disagreement_is_computed_not_refused() -> None:
    # A always says Met, B always Partially met: no agreement beyond chance, worse for alpha.
    pairs = [(M, P)] * 3
    assert weighted_kappa(pairs).value == pytest.approx(0.0)
    assert ordinal_alpha(pairs).value == pytest.approx(1 - 9 / 5.4)


def test_units_rated_once_are_left_out_of_alpha() -> None:
    with_singles = ordinal_alpha([*HAND_PAIRS, (M,), (N,)])
    assert with_singles.value == pytest.approx(0.7)
    assert with_singles.used == 5


# --- degenerate data: None with a reason, never a NaN or a crash ---------------------------


@pytest.mark.parametrize(
    ("pairs", "reason"),
    [
        ([], "Needs at least 2 paired ratings; there are 0."),
        ([(M, N)], "Needs at least 2 paired ratings; there is 1."),
    ],
)
def test_kappa_needs_two_pairs(pairs: list[tuple[Rating, Rating]], reason: str) -> None:
    stat = weighted_kappa(pairs)
    assert stat.value is None
    assert stat.reason == reason


@pytest.mark.parametrize("units", [[], [(M, N)], [(M, N), (P,), (N,)]])
def test_alpha_needs_two_units_rated_twice(units: list[tuple[Rating, ...]]) -> None:
    stat = ordinal_alpha(units)
    assert stat.value is None
    assert stat.reason.startswith("Needs at least 2 competencies rated twice or more")


@pytest.mark.parametrize("rating", list(Rating))
def test_one_category_only_cannot_be_measured(rating: Rating) -> None:
    pairs = [(rating, rating)] * 4
    for stat in (weighted_kappa(pairs), ordinal_alpha(pairs)):
        assert stat.value is None
        assert stat.reason == (
            f"Every rating is {rating.label}; agreement beyond chance cannot be measured."
        )


def test_disagreement_rate_is_exact() -> None:
    assert disagreement_rate(HAND_PAIRS) == Fraction(2, 5)
    assert disagreement_rate([(M, M)]) == 0


def test_disagreement_rate_of_nothing_is_none() -> None:
    assert disagreement_rate([]) is None


def test_rating_distribution_lists_every_rating_met_first() -> None:
    distribution = rating_distribution([N, M, N, N])
    assert list(distribution.items()) == [(M, 1), (P, 0), (N, 3)]


def test_agreement_stats_bundles_everything() -> None:
    stats = agreement_stats(HAND_PAIRS)
    assert stats.pairs == 5
    assert stats.kappa.value == pytest.approx(6 / 11)
    assert stats.alpha.value == pytest.approx(0.7)
    assert stats.disagreement_rate == Fraction(2, 5)
    assert stats.distribution == {M: 3, P: 4, N: 3}


# --- flags for the admin page -------------------------------------------------------------


def test_low_agreement_is_flagged_per_statistic() -> None:
    # Kappa 0.545 is below the default 0.667; alpha 0.7 is not.
    assert flag_low_agreement(agreement_stats(HAND_PAIRS)) == (
        "Weighted kappa is 0.55 over 5 paired ratings, below 0.667",
    )
    assert flag_low_agreement(agreement_stats(HAND_PAIRS), 0.6) == (
        "Weighted kappa is 0.55 over 5 paired ratings, below 0.6",
    )


def test_both_statistics_below_the_threshold_are_both_flagged() -> None:
    flags = flag_low_agreement(agreement_stats(HAND_PAIRS), 0.75)
    assert flags == (
        "Weighted kappa is 0.55 over 5 paired ratings, below 0.75",
        "Krippendorff's alpha is 0.70 over 5 competencies rated twice or more, below 0.75",
    )


def test_statistics_above_the_threshold_are_not_flagged() -> None:
    assert flag_low_agreement(agreement_stats(HAND_PAIRS), 0.5) == ()


def test_a_statistic_exactly_at_the_threshold_is_not_flagged() -> None:
    perfect = agreement_stats([(M, M), (P, P), (N, N)])
    assert (perfect.kappa.value, perfect.alpha.value) == (1.0, 1.0)
    assert flag_low_agreement(perfect, 1.0) == ()


def test_statistics_that_cannot_be_computed_are_not_flagged() -> None:
    assert flag_low_agreement(agreement_stats([(M, N)]), LOW_AGREEMENT_THRESHOLD) == ()


@pytest.mark.parametrize("threshold", [float("nan"), float("inf"), 1.5, -2.0])
def test_a_threshold_outside_minus_one_to_one_is_refused(threshold: float) -> None:
    with pytest.raises(InvalidInput, match="from -1 to 1"):
        flag_low_agreement(agreement_stats(HAND_PAIRS), threshold)


def test_importing_the_module_does_not_load_scikit_learn() -> None:
    code = "import sys, portfolio.domain.reviewing.agreement; print('sklearn' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert out.stdout.strip() == "False"


# --- cross-checks against the textbook formulas, in exact arithmetic ------------------------

RANK = {N: 0, P: 1, M: 2}


def reference_kappa(pairs: list[tuple[Rating, Rating]]) -> Fraction | None:
    n = len(pairs)
    a, b = Counter(RANK[x] for x, _ in pairs), Counter(RANK[y] for _, y in pairs)
    observed = Fraction(sum(abs(RANK[x] - RANK[y]) for x, y in pairs), n)
    expected = sum(
        (Fraction(a[i] * b[j], n * n) * abs(i - j) for i in range(3) for j in range(3)),
        Fraction(0),
    )
    return None if expected == 0 else 1 - observed / expected


def reference_alpha(units: list[tuple[Rating, ...]]) -> Fraction | None:
    units = [u for u in units if len(u) >= 2]
    o: defaultdict[tuple[int, int], Fraction] = defaultdict(Fraction)
    for unit in units:
        for x, y in permutations([RANK[r] for r in unit], 2):
            o[x, y] += Fraction(1, len(unit) - 1)
    totals = Counter(RANK[r] for unit in units for r in unit)
    n = sum(totals.values())

    def delta(c: int, k: int) -> Fraction:
        lo, hi = min(c, k), max(c, k)
        between = sum(totals[g] for g in range(lo, hi + 1))
        return Fraction(between) - Fraction(totals[c] + totals[k], 2)

    d_o = sum((o[c, k] * delta(c, k) ** 2 for c, k in o), Fraction(0)) / n
    d_e = sum(
        (totals[c] * totals[k] * delta(c, k) ** 2 for c in range(3) for k in range(3) if c != k),
        Fraction(0),
    ) / (n * (n - 1))
    return None if d_e == 0 else 1 - d_o / d_e


ratings = st.sampled_from(list(Rating))
pair_lists = st.lists(st.tuples(ratings, ratings), min_size=2, max_size=40)


@given(pair_lists)
def test_kappa_agrees_with_the_formula_without_warnings(pairs: list[tuple[Rating, Rating]]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        stat = weighted_kappa(pairs)
    expected = reference_kappa(pairs)
    if expected is None:
        assert stat.value is None
    else:
        assert stat.value == pytest.approx(float(expected), abs=1e-9)


@given(st.lists(st.lists(ratings, min_size=1, max_size=4).map(tuple), min_size=2, max_size=30))
def test_alpha_agrees_with_the_formula_without_warnings(units: list[tuple[Rating, ...]]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        stat = ordinal_alpha(units)
    pairable = [u for u in units if len(u) >= 2]
    expected = reference_alpha(units) if len(pairable) >= 2 else None
    if expected is None:
        assert stat.value is None
        assert stat.reason
    else:
        assert stat.value == pytest.approx(float(expected), abs=1e-9)


@given(pair_lists)
def test_swapping_the_two_raters_keeps_both_statistics(pairs: list[tuple[Rating, Rating]]) -> None:
    swapped = [(b, a) for a, b in pairs]
    assert weighted_kappa(swapped).value == pytest.approx(weighted_kappa(pairs).value)
    assert ordinal_alpha(swapped).value == pytest.approx(ordinal_alpha(pairs).value)
