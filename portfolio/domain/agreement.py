"""How far reviewers agree: weighted kappa, Krippendorff's alpha, disagreement rate, spread.

Ratings are ordinal (Not met < Partially met < Met), so both statistics weight a Met/Not met
split more than a Met/Partially met one. Each statistic is None, with the reason, when the data
cannot support it, rather than a NaN or an exception.

scikit-learn and krippendorff (with numpy) are imported inside the functions: importing
sklearn.metrics alone takes about 2.7 s, which every web worker and CLI command would otherwise
pay at start-up for a page that few people open.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from portfolio.domain.errors import InvalidInput
from portfolio.domain.rubric import Rating

# Krippendorff (2004): alpha >= 0.800 supports conclusions; 0.667 to 0.800 only tentative ones.
LOW_AGREEMENT_THRESHOLD = 0.667
MIN_PAIRS = 2
_RANKS = [rating.rank for rating in sorted(Rating)]  # category labels, in order


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
    name, unit = "Weighted kappa", "paired ratings"
    if len(pairs) < MIN_PAIRS:
        return Statistic(name, None, len(pairs), unit, _too_few(len(pairs), unit))
    used = {rating for pair in pairs for rating in pair}
    if len(used) == 1:
        return Statistic(name, None, len(pairs), unit, _one_category(used.pop()))
    from sklearn.metrics import cohen_kappa_score  # see the module docstring

    first = [a.rank for a, _ in pairs]
    second = [b.rank for _, b in pairs]
    value = cohen_kappa_score(first, second, labels=_RANKS, weights="linear")
    return Statistic(name, float(value), len(pairs), unit)


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
    import krippendorff  # see the module docstring

    counts = [[ratings.count(rating) for rating in sorted(Rating)] for ratings in pairable]
    value = krippendorff.alpha(
        value_counts=counts, value_domain=_RANKS, level_of_measurement="ordinal"
    )
    return Statistic(name, float(value), len(pairable), unit)


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


def _too_few(count: int, unit: str) -> str:
    return f"Needs at least {MIN_PAIRS} {unit}; there {'is' if count == 1 else 'are'} {count}."


def _one_category(rating: Rating) -> str:
    return f"Every rating is {rating.label}; agreement beyond chance cannot be measured."
