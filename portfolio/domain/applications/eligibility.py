"""Eligibility: hours of library work inside the lookback window, and education.

The rule (LSSCP.md section 2, DESIGN.md "Hours"): at least `experience_hours` hours of paid or
unpaid work in any library within the last `lookback_years` years, and a high-school diploma
or equivalent; education completed outside the US may go to a case-by-case review.

How hours are counted, and why:
- In whole days, both ends included: an entry covers start..end, an ongoing one (end None)
  runs to today. The window runs from the same date `lookback_years` ago through today.
- A job of h hours a week counts h/7 hours on each of its days. Each day, the hours of all
  entries are summed and capped at weekly_hours_cap/7: two jobs at once both count, yet no week
  counts more than the cap. Capping per day rather than per calendar week makes the result
  independent of where weeks start, of entry order and of how an entry is split.
- Fraction arithmetic throughout (no float drift); the total is rounded down once, at the end.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from itertools import combinations, pairwise
from typing import NamedTuple

from portfolio.domain.dates import add_months
from portfolio.domain.errors import InvalidInput
from portfolio.domain.programs.rules import EligibilityRules

ONE_DAY = timedelta(days=1)
HOURS_IN_A_WEEK = 168
# ISO codes of US territories, whose diplomas are US diplomas.
US_EDUCATION_COUNTRIES = frozenset({"US", "PR", "GU", "VI", "AS", "MP", "UM"})


def window(today: date, lookback_years: int) -> tuple[date, date]:
    """The lookback window (first day, last day), both included; the last day is today.

    When the same date does not exist that many years back (today is 29 Feb), the window starts
    on 28 Feb, not 1 Mar: 28 Feb is within N years by any reading, so dropping it would cost the
    candidate a day of work that plainly counts, and it is the clamping rule of add_months.
    """
    if lookback_years < 0:
        raise InvalidInput("The lookback must not be negative.", field="lookback_years")
    return add_months(today, -12 * lookback_years), today


@dataclass(frozen=True)
class ExperienceEntry:
    """One period of library work as the candidate entered it; end None means ongoing."""

    library: str
    library_type: str
    role: str
    paid: bool
    start: date
    end: date | None
    hours_per_week: Decimal | int

    def __post_init__(self) -> None:
        hours = self.hours_per_week
        if isinstance(hours, bool) or not isinstance(hours, int | Decimal):
            raise InvalidInput("Hours per week must be a number.", field="hours_per_week")
        if isinstance(hours, Decimal) and not hours.is_finite():
            raise InvalidInput("Hours per week must be a number.", field="hours_per_week")
        if not 0 < hours <= HOURS_IN_A_WEEK:
            raise InvalidInput(
                f"Hours per week must be more than 0 and at most {HOURS_IN_A_WEEK}.",
                field="hours_per_week",
            )
        if self.end is not None and self.end < self.start:
            raise InvalidInput("The end date is before the start date.", field="end")

    def last_day(self, today: date) -> date:
        return today if self.end is None else self.end


class Overlap(NamedTuple):
    """Entries `first` and `second` (indexes, first < second) both ran from start to end.

    end None: both are ongoing, so the overlap has not ended.
    """

    first: int
    second: int
    start: date
    end: date | None


@dataclass(frozen=True)
class EntryHours:
    """What one entry contributes. On a day over the cap, the capped hours are shared among
    that day's entries in proportion to their hours per week."""

    index: int
    days: int  # days of the entry inside the window
    claimed: Fraction  # hours before the cap
    counted: Fraction  # hours after the cap

    @property
    def counted_hours(self) -> int:
        return math.floor(self.counted)


@dataclass(frozen=True)
class HoursSummary:
    window_start: date
    window_end: date
    total_hours: int  # whole hours, rounded down
    exact_total: Fraction
    entries: tuple[EntryHours, ...]  # one per entry, in the order given
    overlaps: tuple[Overlap, ...]  # overlaps inside the window, clipped to it
    hours_over_cap: Fraction  # claimed but not counted because of the weekly cap


def find_overlaps(entries: Sequence[ExperienceEntry], today: date | None = None) -> list[Overlap]:
    """Every pair of entries whose date ranges share at least one day, for the administrator.

    Without `today` an ongoing entry is open-ended; with it, ongoing entries end today.
    """
    spans = {
        i: (e.start, e.end if today is None else e.last_day(today)) for i, e in enumerate(entries)
    }
    return _overlaps(spans)


def hours_in_window(
    entries: Sequence[ExperienceEntry], today: date, rules: EligibilityRules
) -> HoursSummary:
    """The hours that count toward eligibility on `today` (see the module docstring)."""
    first, last = window(today, rules.lookback_years)
    spans: dict[int, tuple[date, date]] = {}
    for i, entry in enumerate(entries):
        start, end = max(entry.start, first), min(entry.last_day(today), last)
        if start <= end:
            spans[i] = (start, end)
    rates = [Fraction(entry.hours_per_week) / 7 for entry in entries]
    daily_cap = Fraction(rules.weekly_hours_cap, 7)
    claimed = [Fraction(0)] * len(entries)
    counted = [Fraction(0)] * len(entries)
    # Between two consecutive boundaries the same entries run every day, so each stretch of
    # days is summed at once instead of day by day.
    boundaries = sorted({s for s, _ in spans.values()} | {e + ONE_DAY for _, e in spans.values()})
    for day, next_boundary in pairwise(boundaries):
        running = [i for i, (s, e) in spans.items() if s <= day <= e]
        if not running:
            continue
        days = (next_boundary - day).days
        rate = sum((rates[i] for i in running), Fraction(0))
        kept = min(rate, daily_cap) / rate
        for i in running:
            claimed[i] += rates[i] * days
            counted[i] += rates[i] * kept * days
    exact_total = sum(counted, Fraction(0))
    return HoursSummary(
        window_start=first,
        window_end=last,
        total_hours=math.floor(exact_total),
        exact_total=exact_total,
        entries=tuple(
            EntryHours(
                i,
                (spans[i][1] - spans[i][0]).days + 1 if i in spans else 0,
                claimed[i],
                counted[i],
            )
            for i in range(len(entries))
        ),
        overlaps=tuple(_overlaps(spans)),
        hours_over_cap=sum(claimed, Fraction(0)) - exact_total,
    )


def _overlaps(spans: Mapping[int, tuple[date, date | None]]) -> list[Overlap]:
    return [
        Overlap(i, j, *shared)
        for (i, a), (j, b) in combinations(sorted(spans.items()), 2)
        if (shared := _shared_days(a, b)) is not None
    ]


def _shared_days(
    a: tuple[date, date | None], b: tuple[date, date | None]
) -> tuple[date, date | None] | None:
    start = max(a[0], b[0])
    ends = [end for end in (a[1], b[1]) if end is not None]
    end = min(ends) if ends else None
    if end is not None and end < start:
        return None
    return start, end


def progress_message(summary: HoursSummary, rules: EligibilityRules) -> str:
    """E.g. "1,412 of 1,820 hours in the last 5 years"."""
    years = "year" if rules.lookback_years == 1 else f"{rules.lookback_years} years"
    return f"{summary.total_hours:,} of {rules.experience_hours:,} hours in the last {years}"


def shortfall_advice(total_hours: int, rules: EligibilityRules) -> str | None:
    """What would make the hours enough, in words; None when they already are."""
    short = rules.experience_hours - total_hours
    if short <= 0:
        return None
    weeks = -(-short // rules.weekly_hours_cap)  # at the most that counts in a week
    return (
        f"You need {short:,} more hours to be eligible: at least {weeks:,} more "
        f"week{'' if weeks == 1 else 's'} of library work at {rules.weekly_hours_cap} hours a "
        "week. Unpaid and part-time library work count too: add any you have not listed."
    )


class EligibilityStatus(enum.StrEnum):
    """Stored in models.applications.Application.eligibility."""

    ELIGIBLE = "eligible"
    NOT_ELIGIBLE = "not_eligible"
    NEEDS_REVIEW = "needs_review"


@dataclass(frozen=True)
class Education:
    """has_diploma: high-school diploma or equivalent (GED); None when not answered.
    country: ISO 3166 two-letter code of where it was completed."""

    has_diploma: bool | None
    country: str


@dataclass(frozen=True)
class Eligibility:
    status: EligibilityStatus
    hours_total: int
    hours_required: int
    reasons: tuple[str, ...]
    hours: HoursSummary


def assess_eligibility(
    entries: Sequence[ExperienceEntry], education: Education, today: date, rules: EligibilityRules
) -> Eligibility:
    """Judge an application: not_eligible when hours fall short or there is no diploma; else
    needs_review when education outside the US goes to review; else eligible. Every finding,
    met or not, is one sentence in `reasons`. InvalidInput for a malformed country code."""
    country = education.country.strip().upper()
    if len(country) != 2 or not (country.isascii() and country.isalpha()):
        raise InvalidInput(
            "Choose the country where you completed your education.", field="education_country"
        )
    summary = hours_in_window(entries, today, rules)
    short = summary.total_hours < rules.experience_hours
    reasons = [progress_message(summary, rules)]
    over = math.floor(summary.hours_over_cap)
    if over:
        reasons.append(
            f"{over:,} hours above the weekly cap of {rules.weekly_hours_cap} hours "
            "were not counted"
        )
    if summary.overlaps:
        count = len(summary.overlaps)
        reasons.append(f"{count} overlapping period{'s' if count > 1 else ''} of work to check")
    if education.has_diploma is None:
        reasons.append(
            "The application does not say whether you have a high-school diploma or equivalent"
        )
    elif education.has_diploma:
        reasons.append("High-school diploma or equivalent")
    else:
        reasons.append("No high-school diploma or equivalent (GED)")
    review = rules.non_us_education_review and country not in US_EDUCATION_COUNTRIES
    if review:
        reasons.append(f"Education completed outside the US ({country}) is reviewed case by case")
    if short or not education.has_diploma:
        status = EligibilityStatus.NOT_ELIGIBLE
    elif review:
        status = EligibilityStatus.NEEDS_REVIEW
    else:
        status = EligibilityStatus.ELIGIBLE
    return Eligibility(status, summary.total_hours, rules.experience_hours, tuple(reasons), summary)
