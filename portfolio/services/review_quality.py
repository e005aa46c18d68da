"""How well reviewers judge: per set and per reviewer, over a period of months (quality page).

Read from the monthly tallies (services.review_tallies): two grouped queries over at most a few
thousand small rows, whatever the number of reviews. domain.agreement then computes the
statistics from the pair counts, never listing the pairs. The period is whole months because
the tallies are; an administrator reviewing quality thinks in months and quarters anyway.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portfolio.domain.agreement import (
    AgreementStats,
    agreement_stats_from_counts,
    flag_low_agreement,
)
from portfolio.domain.errors import InvalidInput
from portfolio.domain.review_tallies import Measure
from portfolio.domain.rubric import Rating
from portfolio.models import CompetencySet, ReviewerReviewTally, SetReviewTally, User

DEFAULT_PERIOD_MONTHS = 12
# Bounds that keep the date arithmetic well inside what dates allow.
EARLIEST, LATEST = date(1900, 1, 1), date(2999, 12, 1)
_LEVELS = {rating.value: rating for rating in Rating}


@dataclass(frozen=True)
class Period:
    starts_on: date  # the first day of its first month
    ends_on: date  # the last day of its last month


@dataclass(frozen=True)
class QualityRow:
    """One line of the page: a set or a reviewer."""

    key: int
    name: str
    reviews: int
    average_time: timedelta | None
    stats: AgreementStats
    flags: tuple[str, ...]


@dataclass(frozen=True)
class QualityReport:
    period: Period
    sets: list[QualityRow]
    reviewers: list[QualityRow]


# (set or reviewer id, its name, measure, level, other level, count, seconds), summed over months
TallyRow = tuple[int, str, str, str, str, int, int]


def period(first_month: date | None, last_month: date | None, today: date) -> Period:
    """The months asked for; by default the last 12, this one included. InvalidInput if they run
    backwards."""
    for value, field in ((first_month, "starts_on"), (last_month, "ends_on")):
        if value is not None and not EARLIEST <= value <= LATEST:
            raise InvalidInput(
                f"Choose a month from {EARLIEST.year} to {LATEST.year}.", field=field
            )
    last = (last_month or today).replace(day=1)
    first = first_month.replace(day=1) if first_month else _months_before(last, 11)
    if first > last:
        raise InvalidInput("The first month must be on or before the last.", field="starts_on")
    return Period(first, _months_before(last, -1) - timedelta(days=1))


def _months_before(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 - n
    return date(index // 12, index % 12 + 1, 1)


def fetch(session: Session, chosen: Period) -> tuple[list[TallyRow], list[TallyRow]]:
    """The tallies of the period summed per set and per reviewer (two queries)."""

    def summed(model: Any, subject: Any, name_of: Any) -> list[TallyRow]:
        rows = session.execute(
            select(
                subject,
                name_of.name,
                model.measure,
                model.level,
                model.other_level,
                func.sum(model.count),
                func.sum(model.seconds),
            )
            .join(name_of, name_of.id == subject)
            .where(model.month >= chosen.starts_on, model.month <= chosen.ends_on)
            .group_by(subject, name_of.name, model.measure, model.level, model.other_level)
        )
        return [
            (int(a), str(b), str(c), str(d), str(e), int(f), int(g)) for a, b, c, d, e, f, g in rows
        ]

    return (
        summed(SetReviewTally, SetReviewTally.set_id, CompetencySet),
        summed(ReviewerReviewTally, ReviewerReviewTally.reviewer_id, User),
    )


def quality_report(session: Session, chosen: Period) -> QualityReport:
    """Per set and per reviewer: reviews, average time, ratings, disagreement and agreement."""
    sets, reviewers = fetch(session, chosen)
    return QualityReport(chosen, summarise(sets), summarise(reviewers))


def summarise(rows: list[TallyRow]) -> list[QualityRow]:
    """One report line per set (or reviewer) from its summed tallies, in name order."""
    names: dict[int, str] = {}
    reviews: Counter[int] = Counter()
    seconds: Counter[int] = Counter()
    given: dict[int, Counter[Rating]] = defaultdict(Counter)
    pairs: dict[int, Counter[tuple[Rating, Rating]]] = defaultdict(Counter)
    for key, name, measure, level, other_level, count, total_seconds in rows:
        names[key] = name
        if measure == Measure.REVIEWS:
            reviews[key] += count
            seconds[key] += total_seconds
        elif measure == Measure.RATINGS and level in _LEVELS:
            given[key][_LEVELS[level]] += count
        elif measure == Measure.PAIRS and level in _LEVELS and other_level in _LEVELS:
            pairs[key][_LEVELS[level], _LEVELS[other_level]] += count
    result = []
    for key, name in names.items():
        if not reviews[key] and not sum(pairs[key].values()):
            continue  # every review of it in the period was withdrawn
        # The distribution is of every rating given, paired or not (Met first, as the domain's).
        distribution = {rating: given[key][rating] for rating in sorted(Rating, reverse=True)}
        stats = replace(agreement_stats_from_counts(pairs[key]), distribution=distribution)
        n = reviews[key]
        result.append(
            QualityRow(
                key=key,
                name=name,
                reviews=n,
                average_time=timedelta(seconds=seconds[key] / n) if n else None,
                stats=stats,
                flags=flag_low_agreement(stats),
            )
        )
    return sorted(result, key=lambda r: (r.name, r.key))
