"""When a course completion counts: inside the course version's approval period, or within the
program's retroactive years before the approval date (LSSCP.md, retroactive credit)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from portfolio.domain.dates import add_years, format_date


@dataclass(frozen=True)
class CreditPeriod:
    """The days on which a completion of one approved course version counts."""

    earliest: date  # approved_on less the retroactive years
    approved_on: date
    approved_until: date

    def describe(self) -> str:
        return (
            f"approved {format_date(self.approved_on)} to {format_date(self.approved_until)}; "
            f"completions from {format_date(self.earliest)} count"
        )


def credit_period(approved_on: date, approved_until: date, retroactive_years: int) -> CreditPeriod:
    return CreditPeriod(add_years(approved_on, -retroactive_years), approved_on, approved_until)


def completion_refusal(completed_on: date, period: CreditPeriod, today: date) -> str | None:
    """Why a completion on `completed_on` cannot count, or None when it can."""
    if completed_on > today:
        return f"The completion date {format_date(completed_on)} is in the future."
    if completed_on < period.earliest:
        return (
            f"The course was completed on {format_date(completed_on)}, more than the program's "
            f"retroactive credit allows before its approval on {format_date(period.approved_on)}: "
            f"only completions from {format_date(period.earliest)} count."
        )
    if completed_on > period.approved_until:
        return (
            f"The course was completed on {format_date(completed_on)}, after its approval ended "
            f"on {format_date(period.approved_until)}."
        )
    return None
