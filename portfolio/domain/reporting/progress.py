"""What an enrollment's progress tally counts, so that reports across thousands of candidates
read one row per enrollment rather than every set and submission.

models.progress keeps the tally (one row per enrollment) in step with every write to its sets
and submissions, by database triggers written from the counters below; the cohort table and
the intake funnel (services.reporting) read it.
"""

from __future__ import annotations

from dataclasses import dataclass

from portfolio.domain.lifecycle import SetLifecycle
from portfolio.domain.reporting.cohorts import IN_REVIEW


@dataclass(frozen=True, slots=True)
class SetCounter:
    """A count of an enrollment's sets: those in one of `statuses`, or (when
    `or_course_verified`) whose approved course the office has verified; dropped electives
    count only when `with_dropped`."""

    column: str
    statuses: frozenset[SetLifecycle]
    or_course_verified: bool = False
    with_dropped: bool = True

    def counts(self, status: SetLifecycle, *, course_verified: bool, dropped: bool) -> bool:
        if dropped and not self.with_dropped:
            return False
        return status in self.statuses or (self.or_course_verified and course_verified)


SET_COUNTERS = (
    # The cohort table's "sets met" and "sets in review": every set of the enrollment, as
    # decided, a dropped elective's outcome included (it stays on record).
    SetCounter("sets_met", frozenset({SetLifecycle.MET})),
    SetCounter("sets_in_review", IN_REVIEW),
    # The funnel's "n sets met": the sets that count towards certification now, by portfolio
    # or by a verified course (domain.certification.evaluation).
    SetCounter(
        "sets_satisfied",
        frozenset({SetLifecycle.MET}),
        or_course_verified=True,
        with_dropped=False,
    ),
)
SUBMISSIONS_COLUMN = "submissions"  # snapshots sent in, of any of the enrollment's sets
