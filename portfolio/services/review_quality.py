"""How well reviewers judge: per set and per reviewer, over a period, for the quality page.

Every rating of every review submitted in the period comes back in one query (with its
reviewer, set and timings); pairing, averages and statistics are then done in Python by
domain.agreement, so the page costs the same number of queries whatever the data size.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from portfolio.domain.agreement import (
    AgreementStats,
    agreement_stats,
    flag_low_agreement,
    rating_distribution,
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
    ends_on = ends_on or today
    starts_on = starts_on or ends_on - timedelta(days=DEFAULT_PERIOD_DAYS)
    if starts_on > ends_on:
        raise InvalidInput("The start must be on or before the end.", field="starts_on")
    return Period(starts_on, ends_on)


@dataclass(frozen=True)
class _Row:
    assignment_id: int
    submission_id: int
    competency_id: int
    rating: Rating
    reviewer_id: int
    reviewer_name: str
    set_id: int
    set_name: str
    took: timedelta


def _rows(session: Session, chosen: Period) -> list[_Row]:
    start = datetime.combine(chosen.starts_on, time.min, tzinfo=UTC)
    end = datetime.combine(chosen.ends_on + timedelta(days=1), time.min, tzinfo=UTC)
    query = (
        select(
            Assignment.id,
            Assignment.submission_id,
            RatingRow.competency_id,
            RatingRow.level,
            User.id,
            User.name,
            CompetencySet.id,
            CompetencySet.name,
            Assignment.assigned_at,
            Assignment.submitted_at,
        )
        .join(RatingRow, RatingRow.assignment_id == Assignment.id)
        .join(User, User.id == Assignment.reviewer_id)
        .join(Submission, Submission.id == Assignment.submission_id)
        .join(EnrollmentSet, EnrollmentSet.id == Submission.enrollment_set_id)
        .join(CompetencySet, CompetencySet.id == EnrollmentSet.set_id)
        .where(
            Assignment.kind.in_(PAIRED_KINDS),
            Assignment.status == AssignmentStatus.SUBMITTED,
            Assignment.submitted_at >= start,
            Assignment.submitted_at < end,
        )
        .order_by(Assignment.submission_id, RatingRow.competency_id, Assignment.id)
    )
    rows = []
    for aid, sid, cid, level, uid, uname, set_id, set_name, assigned, submitted in session.execute(
        query
    ):
        if level not in _LEVELS or submitted is None:
            continue
        rows.append(
            _Row(aid, sid, cid, _LEVELS[level], uid, uname, set_id, set_name, submitted - assigned)
        )
    return rows


def quality_report(session: Session, chosen: Period) -> QualityReport:
    """Per set and per reviewer: reviews, average time, ratings, disagreement and agreement."""
    rows = _rows(session, chosen)
    by_unit: dict[tuple[int, int], list[_Row]] = defaultdict(list)
    for row in rows:
        by_unit[(row.submission_id, row.competency_id)].append(row)
    set_pairs: dict[int, list[tuple[Rating, Rating]]] = defaultdict(list)
    reviewer_pairs: dict[int, list[tuple[Rating, Rating]]] = defaultdict(list)
    for unit in by_unit.values():
        if len(unit) < 2:
            continue  # the co-reviewer has not submitted inside the period
        first, second = unit[0], unit[1]
        set_pairs[first.set_id].append((first.rating, second.rating))
        reviewer_pairs[first.reviewer_id].append((first.rating, second.rating))
        reviewer_pairs[second.reviewer_id].append((second.rating, first.rating))
    sets = _summaries(rows, set_pairs, key=lambda r: (r.set_id, r.set_name))
    people = _summaries(rows, reviewer_pairs, key=lambda r: (r.reviewer_id, r.reviewer_name))
    return QualityReport(chosen, sets, people)


def _summaries(
    rows: list[_Row],
    pairs: dict[int, list[tuple[Rating, Rating]]],
    *,
    key: Callable[[_Row], tuple[int, str]],
) -> list[QualityRow]:
    names: dict[int, str] = {}
    took: dict[int, dict[int, timedelta]] = defaultdict(dict)
    given: dict[int, list[Rating]] = defaultdict(list)
    for row in rows:
        group, name = key(row)
        names[group] = name
        took[group][row.assignment_id] = row.took
        given[group].append(row.rating)
    result = []
    for group, name in names.items():
        times = list(took[group].values())
        paired = agreement_stats(pairs.get(group, []))
        # The distribution is of every rating given, paired or not.
        stats = replace(paired, distribution=rating_distribution(given[group]))
        result.append(
            QualityRow(
                key=group,
                name=name,
                reviews=len(times),
                average_time=sum(times, timedelta()) / len(times) if times else None,
                stats=stats,
                flags=flag_low_agreement(stats),
            )
        )
    return sorted(result, key=lambda r: (r.name, r.key))
