"""How far reviewers agree: weighted kappa, Krippendorff's alpha, disagreement rate, spread.

Ratings are ordinal (Not met < Partially met < Met), so both statistics weight a Met/Not met
split more than a Met/Partially met one. Each statistic is None, with the reason, when the data
cannot support it, rather than a NaN or an exception.

Everything is computed exactly (integers and Fractions) from how often each pair of ratings
occurred: three categories need no numerical library, and none is loaded. The `*_from_counts`
variants take those counts as the quality page's grouped query returns them; the others count
the pairs or units first. The tests compare both with scikit-learn and krippendorff.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import permutations

from portfolio.domain.errors import InvalidInput
from portfolio.domain.reviewing.rubric import Rating

# Krippendorff (2004): alpha >= 0.800 supports conclusions; 0.667 to 0.800 only tentative ones.
LOW_AGREEMENT_THRESHOLD = 0.667
MIN_PAIRS = 2
# How often each (first rating, second rating) pair occurred; absent pairs count zero.
PairCounts = Mapping[tuple[Rating, Rating], int]


@dataclass(frozen=True)
class Statistic:
    """A computed statistic, or value None with `reason` saying why it could not be computed."""

    name: str
    value: float | None
    used: int
    unit: str  # what `used` counts, plural: "paired ratings" or "competencies rated twice"
    reason: str = ""


@dataclass(frozen=True)
class AgreementStats:
    """Everything the admin page shows for one group of paired ratings."""

    pairs: int
    kappa: Statistic
    alpha: Statistic
    disagreement_rate: Fraction | None
    distribution: dict[Rating, int] = field(default_factory=dict)


def weighted_kappa(pairs: Sequence[tuple[Rating, Rating]]) -> Statistic:
    """Cohen's kappa with linear weights between rater A (first) and rater B (second).

    Kappa assumes the same two raters throughout, e.g. one reviewer against a calibration
    anchor's agreed ratings; for rotating reviewers use `ordinal_alpha`.
    """
    return weighted_kappa_from_counts(Counter(pairs))


def ordinal_alpha(units: Sequence[Sequence[Rating]]) -> Statistic:
    """Krippendorff's alpha (ordinal) over units, each the ratings one competency received.

    A unit may hold any number of ratings (two reviewers, plus a third when adjudicated);
    units rated fewer than twice carry no information about agreement and are left out.
    """
    name, unit = "Krippendorff's alpha", "competencies rated twice or more"
    pairable = [ratings for ratings in units if len(ratings) >= MIN_PAIRS]
    if len(pairable) < MIN_PAIRS:
        return Statistic(name, None, len(pairable), unit, _too_few(len(pairable), unit))
    used = {rating for ratings in pairable for rating in ratings}
    if len(used) == 1:
        return Statistic(name, None, len(pairable), unit, _one_category(used.pop()))
    # A unit of m ratings adds 1/(m - 1) for each ordered pair of its ratings (Krippendorff).
    coincidences = [[Fraction(0)] * 3 for _ in range(3)]
    for ratings in pairable:
        weight = Fraction(1, len(ratings) - 1)
        for i, j in permutations(range(len(ratings)), 2):
            coincidences[ratings[i].rank][ratings[j].rank] += weight
    return Statistic(name, float(_ordinal_alpha(coincidences)), len(pairable), unit)


def disagreement_rate(pairs: Sequence[tuple[Rating, Rating]]) -> Fraction | None:
    """The share of pairs whose two ratings differ; None when there are no pairs."""
    if not pairs:
        return None
    return Fraction(sum(1 for a, b in pairs if a != b), len(pairs))


def rating_distribution(ratings: Iterable[Rating]) -> dict[Rating, int]:
    """How often each rating was given, Met first, every rating present (zero if unused)."""
    counts = dict.fromkeys(sorted(Rating, reverse=True), 0)
    for rating in ratings:
        counts[rating] += 1
    return counts


def agreement_stats(pairs: Sequence[tuple[Rating, Rating]]) -> AgreementStats:
    """All the statistics for one group of paired ratings (a set, a cohort, two reviewers)."""
    return AgreementStats(
        pairs=len(pairs),
        kappa=weighted_kappa(pairs),
        alpha=ordinal_alpha(pairs),
        disagreement_rate=disagreement_rate(pairs),
        distribution=rating_distribution(rating for pair in pairs for rating in pair),
    )


def flag_low_agreement(
    stats: AgreementStats, threshold: float = LOW_AGREEMENT_THRESHOLD
) -> tuple[str, ...]:
    """One sentence per statistic below `threshold`; empty when none is (or none computable).

    A statistic that could not be computed is not flagged: its `reason` says why instead.
    Raises InvalidInput when the threshold is not a number from -1 to 1.
    """
    if not (math.isfinite(threshold) and -1 <= threshold <= 1):
        raise InvalidInput("must be a number from -1 to 1", field="threshold")
    return tuple(
        f"{stat.name} is {stat.value:.2f} over {stat.used} {stat.unit}, below {threshold:.3g}"
        for stat in (stats.kappa, stats.alpha)
        if stat.value is not None and stat.value < threshold
    )


def weighted_kappa_from_counts(counts: PairCounts) -> Statistic:
    """`weighted_kappa` of the pairs that `counts` describes, without listing them.

    Raises InvalidInput when a count is negative.
    """
    name, unit = "Weighted kappa", "paired ratings"
    total, used = _check_counts(counts)
    if total < MIN_PAIRS:
        return Statistic(name, None, total, unit, _too_few(total, unit))
    if len(used) == 1:
        return Statistic(name, None, total, unit, _one_category(used.pop()))
    first, second = [0, 0, 0], [0, 0, 0]  # marginals by rank
    observed = 0  # linear disagreement |i - j| summed over the pairs
    for (a, b), count in counts.items():
        first[a.rank] += count
        second[b.rank] += count
        observed += count * abs(a.rank - b.rank)
    # Chance disagreement from the marginals; scaled by `total` to stay in integers.
    expected = sum(first[i] * second[j] * abs(i - j) for i in range(3) for j in range(3))
    return Statistic(name, float(1 - Fraction(observed * total, expected)), total, unit)


def ordinal_alpha_from_counts(counts: PairCounts) -> Statistic:
    """`ordinal_alpha` of units rated exactly twice, given how often each pair occurred.

    Each pair (a, b) adds one to the coincidences o[a][b] and o[b][a]. Raises InvalidInput
    when a count is negative.
    """
    name, unit = "Krippendorff's alpha", "competencies rated twice or more"
    total, used = _check_counts(counts)
    if total < MIN_PAIRS:
        return Statistic(name, None, total, unit, _too_few(total, unit))
    if len(used) == 1:
        return Statistic(name, None, total, unit, _one_category(used.pop()))
    coincidences = [[Fraction(0)] * 3 for _ in range(3)]
    for (a, b), count in counts.items():
        coincidences[a.rank][b.rank] += count
        coincidences[b.rank][a.rank] += count
    return Statistic(name, float(_ordinal_alpha(coincidences)), total, unit)


def _ordinal_alpha(coincidences: Sequence[Sequence[Fraction]]) -> Fraction:
    """Alpha = 1 - D_o / D_e from the coincidence matrix (ranks as indices), exactly.

    The caller has checked that at least two ranks occur, so D_e is not zero.
    """
    values = [sum(row, Fraction(0)) for row in coincidences]  # n_c: how often each rank occurs
    pooled = sum(values, Fraction(0))

    def twice_delta(c: int, k: int) -> Fraction:
        # Ordinal distance doubled (it has halves): 2 * sum(n_c..n_k) - n_c - n_k.
        lo, hi = min(c, k), max(c, k)
        return 2 * sum(values[lo : hi + 1], Fraction(0)) - values[c] - values[k]

    squared = [[twice_delta(c, k) ** 2 for k in range(3)] for c in range(3)]
    observed = sum(
        (coincidences[c][k] * squared[c][k] for c in range(3) for k in range(3)), Fraction(0)
    )
    expected = sum(
        (values[c] * values[k] * squared[c][k] for c in range(3) for k in range(3)), Fraction(0)
    )
    # alpha = 1 - D_o / D_e with D_o = observed / n and D_e = expected / (n (n - 1)).
    return 1 - observed * (pooled - 1) / expected


def agreement_stats_from_counts(counts: PairCounts) -> AgreementStats:
    """`agreement_stats` of the pairs that `counts` describes (InvalidInput if one is < 0)."""
    total, _ = _check_counts(counts)
    distribution = dict.fromkeys(sorted(Rating, reverse=True), 0)
    for (a, b), count in counts.items():
        distribution[a] += count
        distribution[b] += count
    differ = sum(count for (a, b), count in counts.items() if a != b)
    return AgreementStats(
        pairs=total,
        kappa=weighted_kappa_from_counts(counts),
        alpha=ordinal_alpha_from_counts(counts),
        disagreement_rate=Fraction(differ, total) if total else None,
        distribution=distribution,
    )


def _check_counts(counts: PairCounts) -> tuple[int, set[Rating]]:
    """The number of pairs and the ratings that occur in them; InvalidInput if a count < 0."""
    if any(count < 0 for count in counts.values()):
        raise InvalidInput("must not be negative", field="counts")
    used = {rating for pair, count in counts.items() if count for rating in pair}
    return sum(counts.values()), used


def _too_few(count: int, unit: str) -> str:
    return f"Needs at least {MIN_PAIRS} {unit}; there {'is' if count == 1 else 'are'} {count}."


def _one_category(rating: Rating) -> str:
    return f"Every rating is {rating.label}; agreement beyond chance cannot be measured."
