"""Running monthly tallies of submitted reviews, from which the quality page is read.

Counting agreement from the raw ratings means pairing every rating with its co-reviewer's, a
join over every rating in the period: over a second at 60,000 reviews. Instead each submitted
review adds its share to small per-month counters, per competency set and per reviewer:

- REVIEWS: one review and the seconds it took, in the month it was submitted;
- RATINGS: one per rating given, by level;
- PAIRS: one per competency rated by both of two reviews of the same submission, by the pair of
  levels, in the month the later of the two was submitted. Per set the levels are in the order
  of the assignments (first assigned first); per reviewer the reviewer's own level comes first.

Withdrawing a review (an administrator reopens the outcome) subtracts exactly what it added, so
the tallies always equal `tallies_of_reviews` over the reviews submitted now.
"""

from __future__ import annotations

import enum
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime


class Subject(enum.StrEnum):
    SET = "set"
    REVIEWER = "reviewer"


class Measure(enum.StrEnum):
    REVIEWS = "reviews"
    RATINGS = "ratings"
    PAIRS = "pairs"


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
    month: date
    measure: Measure
    level: str = ""
    other_level: str = ""


@dataclass(frozen=True)
class Amount:
    count: int
    seconds: int = 0

    def __add__(self, other: Amount) -> Amount:
        return Amount(self.count + other.count, self.seconds + other.seconds)

    def __neg__(self) -> Amount:
        return Amount(-self.count, -self.seconds)


Tallies = dict[TallyKey, Amount]


def month_of(moment: datetime) -> date:
    return date(moment.year, moment.month, 1)


def tallies_of_submit(review: SubmittedReview, partners: Iterable[SubmittedReview]) -> Tallies:
    """What submitting `review` adds, given the other reviews of its submission submitted now."""
    month = month_of(review.submitted_at)
    took = max(0, round((review.submitted_at - review.assigned_at).total_seconds()))
    added: Tallies = {}
    for subject, subject_id in (
        (Subject.SET, review.set_id),
        (Subject.REVIEWER, review.reviewer_id),
    ):
        _add(added, TallyKey(subject, subject_id, month, Measure.REVIEWS), Amount(1, took))
        for level in review.levels.values():
            _add(added, TallyKey(subject, subject_id, month, Measure.RATINGS, level), Amount(1))
    for partner in partners:
        if partner.assignment_id == review.assignment_id:
            continue
        for key, amount in _pair_tallies(review, partner).items():
            _add(added, key, amount)
    return added


def tallies_of_withdrawal(review: SubmittedReview, partners: Iterable[SubmittedReview]) -> Tallies:
    """What withdrawing `review` takes away: minus its submit, with its partners as they are now."""
    return {key: -amount for key, amount in tallies_of_submit(review, partners).items()}


def tallies_of_reviews(reviews: Iterable[SubmittedReview]) -> Tallies:
    """The tallies of all these reviews, as if each had been submitted in turn."""
    by_submission: dict[int, list[SubmittedReview]] = defaultdict(list)
    for review in reviews:
        by_submission[review.submission_id].append(review)
    total: Tallies = {}
    for group in by_submission.values():
        group.sort(key=lambda r: (r.submitted_at, r.assignment_id))
        for i, review in enumerate(group):
            for key, amount in tallies_of_submit(review, group[:i]).items():
                _add(total, key, amount)
    return {key: amount for key, amount in total.items() if amount != Amount(0)}


def _pair_tallies(one: SubmittedReview, other: SubmittedReview) -> Tallies:
    first, second = sorted((one, other), key=lambda r: r.assignment_id)
    month = month_of(max(one.submitted_at, other.submitted_at))
    pairs: Counter[tuple[str, str]] = Counter(
        (level, second.levels[competency_id])
        for competency_id, level in first.levels.items()
        if competency_id in second.levels
    )
    result: Tallies = {}
    for (a, b), n in pairs.items():
        _add(result, TallyKey(Subject.SET, first.set_id, month, Measure.PAIRS, a, b), Amount(n))
        for reviewer, own, theirs in ((first.reviewer_id, a, b), (second.reviewer_id, b, a)):
            key = TallyKey(Subject.REVIEWER, reviewer, month, Measure.PAIRS, own, theirs)
            _add(result, key, Amount(n))
    return result


def _add(tallies: Tallies, key: TallyKey, amount: Amount) -> None:
    tallies[key] = tallies.get(key, Amount(0)) + amount


def in_key_order(tallies: Mapping[TallyKey, Amount]) -> Sequence[tuple[TallyKey, Amount]]:
    """Changes in one fixed order, so two transactions never lock the same rows crosswise."""
    return sorted(tallies.items(), key=lambda item: item[0])
