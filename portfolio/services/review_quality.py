"""How well reviewers judge: per set and per reviewer, over a period, for the quality page.

Three grouped queries, whatever the data size: reviews and time per reviewer and set; ratings
per reviewer, set and level; and the paired ratings (two reviews of the same competency of the
same submission) counted per reviewer pair, set and pair of levels. The counts are all weighted
kappa and Krippendorff's alpha need, so the database returns hundreds of rows, not every rating;
domain.agreement then computes the statistics from those counts, never listing the pairs.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Float, func, select, type_coerce
from sqlalchemy.orm import Session, aliased

from portfolio.domain.agreement import (
    AgreementStats,
    agreement_stats_from_counts,
    flag_low_agreement,
)
from portfolio.domain.errors import InvalidInput
from portfolio.domain.rubric import Rating
from portfolio.models import (
    Assignment,
    AssignmentKind,
    AssignmentStatus,
    CompetencySet,
    EnrollmentSet,
    Submission,
    User,
)
from portfolio.models import Rating as RatingRow

DEFAULT_PERIOD_DAYS = 365
# Bounds that keep the date arithmetic (a year back, a day on) well inside what dates allow.
EARLIEST, LATEST = date(1900, 1, 1), date(2999, 12, 31)
_LEVELS = {rating.value: rating for rating in Rating}
# Only real reviews pair up: an adjudicator sees both earlier ratings, so is not independent.
PAIRED_KINDS = (AssignmentKind.REVIEW,)


@dataclass(frozen=True)
class Period:
    starts_on: date
    ends_on: date  # inclusive


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


def period(starts_on: date | None, ends_on: date | None, today: date) -> Period:
    """The period asked for; by default the last 12 months. InvalidInput if it runs backwards."""
    for value, field in ((starts_on, "starts_on"), (ends_on, "ends_on")):
        if value is not None and not EARLIEST <= value <= LATEST:
            raise InvalidInput(f"Choose a day from {EARLIEST.year} to {LATEST.year}.", field=field)
    ends_on = ends_on or today
    starts_on = starts_on or ends_on - timedelta(days=DEFAULT_PERIOD_DAYS)
    if starts_on > ends_on:
        raise InvalidInput("The start must be on or before the end.", field="starts_on")
    return Period(starts_on, ends_on)


@dataclass(frozen=True)
class Aggregates:
    """What the three queries return, as plain tuples (also built by bench/review_queue.py)."""

    # (reviewer id, reviewer name, set id, set name, reviews, total seconds to complete)
    timings: list[tuple[int, str, int, str, int, float]]
    # (reviewer id, set id, level, count)
    levels: list[tuple[int, int, str, int]]
    # (first reviewer id, second reviewer id, set id, first level, second level, count)
    pairs: list[tuple[int, int, int, str, str, int]]


def _seconds(session: Session) -> ColumnElement[float]:
    took = Assignment.submitted_at - Assignment.assigned_at
    if session.get_bind().dialect.name == "sqlite":
        return (
            func.julianday(Assignment.submitted_at) - func.julianday(Assignment.assigned_at)
        ) * 86400
    return type_coerce(func.extract("epoch", took), Float)


def _in_period(assignment: type[Assignment] | Any, chosen: Period) -> list[ColumnElement[bool]]:
    start = datetime.combine(chosen.starts_on, time.min, tzinfo=UTC)
    end = datetime.combine(chosen.ends_on + timedelta(days=1), time.min, tzinfo=UTC)
    return [
        assignment.kind.in_(PAIRED_KINDS),
        assignment.status == AssignmentStatus.SUBMITTED,
        assignment.submitted_at >= start,
        assignment.submitted_at < end,
    ]


def fetch(session: Session, chosen: Period) -> Aggregates:
    """The grouped counts of reviews submitted in the period (three queries)."""
    timings = session.execute(
        select(
            Assignment.reviewer_id,
            User.name,
            CompetencySet.id,
            CompetencySet.name,
            func.count(),
            func.sum(_seconds(session)),
        )
        .join(User, User.id == Assignment.reviewer_id)
        .join(Submission, Submission.id == Assignment.submission_id)
        .join(EnrollmentSet, EnrollmentSet.id == Submission.enrollment_set_id)
        .join(CompetencySet, CompetencySet.id == EnrollmentSet.set_id)
        .where(*_in_period(Assignment, chosen))
        .group_by(Assignment.reviewer_id, User.name, CompetencySet.id, CompetencySet.name)
    ).all()
    levels = session.execute(
        select(Assignment.reviewer_id, EnrollmentSet.set_id, RatingRow.level, func.count())
        .join(RatingRow, RatingRow.assignment_id == Assignment.id)
        .join(Submission, Submission.id == Assignment.submission_id)
        .join(EnrollmentSet, EnrollmentSet.id == Submission.enrollment_set_id)
        .where(*_in_period(Assignment, chosen))
        .group_by(Assignment.reviewer_id, EnrollmentSet.set_id, RatingRow.level)
    ).all()
    first, second = aliased(Assignment), aliased(Assignment)
    rating_a, rating_b = aliased(RatingRow), aliased(RatingRow)
    pairs = session.execute(
        select(
            first.reviewer_id,
            second.reviewer_id,
            EnrollmentSet.set_id,
            rating_a.level,
            rating_b.level,
            func.count(),
        )
        .join(rating_a, rating_a.assignment_id == first.id)
        .join(second, (second.submission_id == first.submission_id) & (second.id > first.id))
        .join(
            rating_b,
            (rating_b.assignment_id == second.id)
            & (rating_b.competency_id == rating_a.competency_id),
        )
        .join(Submission, Submission.id == first.submission_id)
        .join(EnrollmentSet, EnrollmentSet.id == Submission.enrollment_set_id)
        .where(*_in_period(first, chosen), *_in_period(second, chosen))
        .group_by(
            first.reviewer_id,
            second.reviewer_id,
            EnrollmentSet.set_id,
            rating_a.level,
            rating_b.level,
        )
    ).all()
    return Aggregates(
        [(int(a), str(b), int(c), str(d), int(e), float(f or 0)) for a, b, c, d, e, f in timings],
        [(int(a), int(b), str(c), int(d)) for a, b, c, d in levels],
        [(int(a), int(b), int(c), str(d), str(e), int(f)) for a, b, c, d, e, f in pairs],
    )


def quality_report(session: Session, chosen: Period) -> QualityReport:
    """Per set and per reviewer: reviews, average time, ratings, disagreement and agreement."""
    return summarise(fetch(session, chosen), chosen)


def summarise(data: Aggregates, chosen: Period) -> QualityReport:
    """The report from the grouped counts."""
    set_pairs: dict[int, Counter[tuple[Rating, Rating]]] = defaultdict(Counter)
    reviewer_pairs: dict[int, Counter[tuple[Rating, Rating]]] = defaultdict(Counter)
    for a, b, set_id, level_a, level_b, count in data.pairs:
        if level_a not in _LEVELS or level_b not in _LEVELS:
            continue
        one, other = _LEVELS[level_a], _LEVELS[level_b]
        set_pairs[set_id][one, other] += count
        reviewer_pairs[a][one, other] += count  # each reviewer's own rating first
        reviewer_pairs[b][other, one] += count
    given_set: dict[int, Counter[Rating]] = defaultdict(Counter)
    given_reviewer: dict[int, Counter[Rating]] = defaultdict(Counter)
    for reviewer_id, set_id, level, count in data.levels:
        if level in _LEVELS:
            given_set[set_id][_LEVELS[level]] += count
            given_reviewer[reviewer_id][_LEVELS[level]] += count
    set_time: dict[int, tuple[str, int, float]] = {}
    reviewer_time: dict[int, tuple[str, int, float]] = {}
    for reviewer_id, reviewer_name, set_id, set_name, reviews, seconds in data.timings:
        for totals, key, name in (
            (set_time, set_id, set_name),
            (reviewer_time, reviewer_id, reviewer_name),
        ):
            _, n, total = totals.get(key, (name, 0, 0.0))
            totals[key] = (name, n + reviews, total + seconds)
    return QualityReport(
        chosen,
        _rows_of(set_time, set_pairs, given_set),
        _rows_of(reviewer_time, reviewer_pairs, given_reviewer),
    )


def _rows_of(
    times: dict[int, tuple[str, int, float]],
    pairs: dict[int, Counter[tuple[Rating, Rating]]],
    given: dict[int, Counter[Rating]],
) -> list[QualityRow]:
    result = []
    for key, (name, reviews, seconds) in times.items():
        # The distribution is of every rating given, paired or not (Met first, as the domain's).
        distribution = {rating: given[key][rating] for rating in sorted(Rating, reverse=True)}
        stats = replace(agreement_stats_from_counts(pairs.get(key, {})), distribution=distribution)
        result.append(
            QualityRow(
                key=key,
                name=name,
                reviews=reviews,
                average_time=timedelta(seconds=seconds / reviews) if reviews else None,
                stats=stats,
                flags=flag_low_agreement(stats),
            )
        )
    return sorted(result, key=lambda r: (r.name, r.key))
