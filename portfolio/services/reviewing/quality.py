"""How well reviewers judge: per set and per reviewer, over a period of months (quality page).

Read from the monthly tallies (services.reviewing.tallies): two grouped queries over one row per
set or reviewer and month, whatever the number of reviews. domain.reviewing.agreement then
computes the statistics from the pair counts, never listing the pairs. The period is whole
months because the tallies are; an administrator reviewing quality thinks in months and
quarters anyway.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portfolio.domain.dates import format_month
from portfolio.domain.errors import InvalidInput
from portfolio.domain.reviewing.agreement import (
    AgreementStats,
    agreement_stats_from_counts,
    flag_low_agreement,
)
from portfolio.domain.reviewing.rubric import Rating
from portfolio.domain.reviewing.tallies import COUNTERS, LEVELS, paired, rated
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
    months: list[QualityRow]  # every set, month by month, oldest first

    @property
    def rating_mix(self) -> list[dict[str, object]]:
        """How often each rating was given in the period, over every set (for the bars)."""
        return [
            {
                "label": rating.label,
                "count": sum(row.stats.distribution.get(rating, 0) for row in self.sets),
            }
            for rating in sorted(Rating, reverse=True)
        ]

    @property
    def agreement_by_month(self) -> list[dict[str, object]]:
        """Kappa and alpha per month over every set (None where it cannot be computed)."""
        return [
            {"label": row.name, "kappa": row.stats.kappa.value, "alpha": row.stats.alpha.value}
            for row in self.months
        ]


# (set or reviewer id, its name, then the COUNTERS summed over the period's months)
TallyRow = tuple[Any, ...]


def period(first_month: date | None, last_month: date | None, today: date) -> Period:
    """The months asked for; by default the last 12, this one included. InvalidInput if they run
    backwards."""
    for value, field in ((first_month, "starts_on"), (last_month, "ends_on")):
        if value is not None and not EARLIEST <= value <= LATEST:
            raise InvalidInput(
                f"Choose a month from {EARLIEST.year} to {LATEST.year}.", field=field
            )
    last = (last_month or today).replace(day=1)
    first = (
        first_month.replace(day=1)
        if first_month
        else _months_before(last, DEFAULT_PERIOD_MONTHS - 1)
    )
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
            select(subject, name_of.name, *(func.sum(model.__table__.c[n]) for n in COUNTERS))
            .join(name_of, name_of.id == subject)
            .where(model.month >= chosen.starts_on, model.month <= chosen.ends_on)
            .group_by(subject, name_of.name)
        )
        return [(row[0], row[1], *(int(n) for n in row[2:])) for row in rows]

    return (
        summed(SetReviewTally, SetReviewTally.set_id, CompetencySet),
        summed(ReviewerReviewTally, ReviewerReviewTally.reviewer_id, User),
    )


def quality_report(session: Session, chosen: Period) -> QualityReport:
    """Per set and per reviewer: reviews, average time, ratings, disagreement and agreement;
    and month by month over every set (one more grouped query)."""
    sets, reviewers = fetch(session, chosen)
    months = session.execute(
        select(
            SetReviewTally.month,
            *(func.sum(SetReviewTally.__table__.c[n]) for n in COUNTERS),
        )
        .where(SetReviewTally.month >= chosen.starts_on, SetReviewTally.month <= chosen.ends_on)
        .group_by(SetReviewTally.month)
        .order_by(SetReviewTally.month)
    )
    by_month = summarise(
        [
            (month.toordinal(), format_month(month), *(int(n) for n in rest))
            for month, *rest in months
        ]
    )
    return QualityReport(
        chosen, summarise(sets), summarise(reviewers), sorted(by_month, key=lambda r: r.key)
    )


def summarise(rows: list[TallyRow]) -> list[QualityRow]:
    """One report line per set (or reviewer) from its summed counters, in name order."""
    result = []
    for key, name, *values in rows:
        counts = dict(zip(COUNTERS, values, strict=True))
        pairs = {(_LEVELS[a], _LEVELS[b]): counts[paired(a, b)] for a in LEVELS for b in LEVELS}
        reviews = counts["reviews"]
        if not reviews and not any(pairs.values()):
            continue  # every review of it in the period was withdrawn
        # The distribution is of every rating given, paired or not (Met first, as the domain's).
        distribution = {_LEVELS[level]: counts[rated(level)] for level in LEVELS}
        stats = replace(agreement_stats_from_counts(pairs), distribution=distribution)
        result.append(
            QualityRow(
                key=key,
                name=name,
                reviews=reviews,
                average_time=timedelta(seconds=counts["seconds"] / reviews) if reviews else None,
                stats=stats,
                flags=flag_low_agreement(stats),
            )
        )
    return sorted(result, key=lambda r: (r.name, r.key))
