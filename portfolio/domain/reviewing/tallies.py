"""Running monthly tallies of submitted reviews, from which the quality page is read.

Counting agreement from the raw ratings means pairing every rating with its co-reviewer's, a
join over every rating in the period: over a second at 60,000 reviews. Instead each submitted
review adds to one row of counters per month for its competency set and one for its reviewer:

- `reviews` and `seconds`: one review and the time it took, in the month it was submitted;
- `rated_<level>`: one per rating given at that level;
- `pair_<level>_<level>`: one per competency rated by both of two reviews of the same
  submission, in the month the later of the two was submitted. For a set the first level is
  the first assigned review's; for a reviewer it is the reviewer's own.

Withdrawing a review (an administrator reopens the outcome) subtracts exactly what it added, so
the tallies always equal `tallies_of_reviews` over the reviews submitted now, whatever the order
they came in.
"""

from __future__ import annotations

import enum
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime

from portfolio.domain.reviewing.rubric import Rating

LEVELS = tuple(rating.value for rating in sorted(Rating, reverse=True))  # Met first


def rated(level: str) -> str:
    return f"rated_{level}"


def paired(level: str, other_level: str) -> str:
    return f"pair_{level}_{other_level}"


# Every counter of a tally row, in column order (models.review_tallies has one column each).
COUNTERS = (
    "reviews",
    "seconds",
    *(rated(level) for level in LEVELS),
    *(paired(a, b) for a in LEVELS for b in LEVELS),
)


class Subject(enum.StrEnum):
    SET = "set"
    REVIEWER = "reviewer"


@dataclass(frozen=True)
class SubmittedReview:
    """What the tallies need of one submitted review."""

    assignment_id: int
    submission_id: int
    reviewer_id: int
    set_id: int
    assigned_at: datetime
    submitted_at: datetime
    levels: Mapping[int, str]  # competency id -> level key


@dataclass(frozen=True, order=True)
class TallyKey:
    subject: Subject
    subject_id: int
    month: date  # its first day


# Per row, counter name -> amount to add (absent counters add nothing).
Tallies = dict[TallyKey, Counter[str]]


def month_of(moment: datetime) -> date:
    """The UTC month of `moment` (a naive datetime is taken as UTC)."""
    utc = moment.astimezone(UTC) if moment.tzinfo is not None else moment
    return date(utc.year, utc.month, 1)


def tallies_of_submit(review: SubmittedReview, partners: Iterable[SubmittedReview]) -> Tallies:
    """What submitting `review` adds, given the other reviews of its submission submitted now."""
    month = month_of(review.submitted_at)
    took = max(0, round((review.submitted_at - review.assigned_at).total_seconds()))
    own: Counter[str] = Counter(reviews=1, seconds=took)
    own.update(rated(level) for level in review.levels.values() if level in LEVELS)
    added: Tallies = defaultdict(Counter)
    added[TallyKey(Subject.SET, review.set_id, month)].update(own)
    added[TallyKey(Subject.REVIEWER, review.reviewer_id, month)].update(own)
    for partner in partners:
        if partner.assignment_id != review.assignment_id:
            _add_pairs(added, review, partner)
    return dict(added)


def tallies_of_withdrawal(review: SubmittedReview, partners: Iterable[SubmittedReview]) -> Tallies:
    """What withdrawing `review` takes away: minus its submit, with its partners as they are now."""
    return {
        key: Counter({name: -n for name, n in counts.items()})
        for key, counts in tallies_of_submit(review, partners).items()
    }


def tallies_of_reviews(reviews: Iterable[SubmittedReview]) -> Tallies:
    """The tallies of all these reviews, as if each had been submitted in turn."""
    by_submission: dict[int, list[SubmittedReview]] = defaultdict(list)
    for review in reviews:
        by_submission[review.submission_id].append(review)
    total: Tallies = defaultdict(Counter)
    for group in by_submission.values():
        group.sort(key=lambda r: (r.submitted_at, r.assignment_id))
        for i, review in enumerate(group):
            for key, counts in tallies_of_submit(review, group[:i]).items():
                total[key].update(counts)
    return {key: +counts for key, counts in total.items() if +counts}


def _add_pairs(tallies: Tallies, one: SubmittedReview, other: SubmittedReview) -> None:
    first, second = sorted((one, other), key=lambda r: r.assignment_id)
    month = month_of(max(one.submitted_at, other.submitted_at))
    for competency_id, a in first.levels.items():
        b = second.levels.get(competency_id)
        if a not in LEVELS or b not in LEVELS:
            continue
        tallies[TallyKey(Subject.SET, first.set_id, month)][paired(a, b)] += 1
        tallies[TallyKey(Subject.REVIEWER, first.reviewer_id, month)][paired(a, b)] += 1
        tallies[TallyKey(Subject.REVIEWER, second.reviewer_id, month)][paired(b, a)] += 1
