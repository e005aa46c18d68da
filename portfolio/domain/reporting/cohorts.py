"""Cohort arithmetic: the calendar quarter an enrollment belongs to, medians and shares.

A cohort is every enrollment that began in the same calendar quarter (services.reporting.cohorts).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from portfolio.domain.lifecycle import SetLifecycle

# Sets a cohort is waiting on reviewers for: sent in and not yet decided.
IN_REVIEW = frozenset(
    {
        SetLifecycle.SUBMITTED,
        SetLifecycle.IN_REVIEW,
        SetLifecycle.NEEDS_ADJUDICATION,
        SetLifecycle.RESUBMITTED,
    }
)


@dataclass(frozen=True, order=True)
class Quarter:
    """A calendar quarter; orders by time (year, then quarter)."""

    year: int
    number: int  # 1 (January to March) to 4 (October to December)

    def __post_init__(self) -> None:
        if not 1 <= self.number <= 4:
            raise ValueError(f"a quarter is numbered 1 to 4, not {self.number}")

    @property
    def label(self) -> str:
        return f"{self.year} Q{self.number}"

    def contains(self, day: date) -> bool:
        return quarter_of(day) == self


def quarter_of_month(year: int, month: int) -> Quarter:
    """The quarter of a month numbered 1 to 12; ValueError for any other month."""
    if not 1 <= month <= 12:
        raise ValueError(f"a month is numbered 1 to 12, not {month}")
    return Quarter(year, (month - 1) // 3 + 1)


def quarter_of(day: date) -> Quarter:
    return quarter_of_month(day.year, day.month)


def median(values: Iterable[int]) -> float | None:
    """The middle value (the mean of the two middle ones for an even count); None if empty."""
    ordered = sorted(values)
    if not ordered:
        return None
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[middle])
    return (ordered[middle - 1] + ordered[middle]) / 2


def share(part: int, whole: int) -> float | None:
    """part / whole as a fraction from 0 to 1; None when there is no whole to share."""
    if whole <= 0:
        return None
    return part / whole
