"""Contact hours toward a renewal: the one rule the log's page, its live update as the holder
types, the renewal application and the office's review all call."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from portfolio.domain.programs.rules import RenewalRules
from portfolio.domain.renewal.activities import format_number


@dataclass(frozen=True)
class CeHours:
    """One activity's worth: its contact hours and whether they are on technology."""

    hours: Fraction
    on_technology: bool


@dataclass(frozen=True)
class CeTotals:
    hours: Fraction
    technology_hours: Fraction
    needed: int
    technology_needed: int

    @property
    def enough(self) -> bool:
        return self.hours >= self.needed and self.technology_hours >= self.technology_needed

    @property
    def hours_text(self) -> str:
        return format_number(self.hours)

    @property
    def technology_text(self) -> str:
        return format_number(self.technology_hours)

    @property
    def message(self) -> str:
        done = (
            f"{format_number(self.hours)} of {self.needed} contact hours, "
            f"{format_number(self.technology_hours)} of at least {self.technology_needed} "
            "on technology"
        )
        if self.enough:
            return f"{done}: enough to renew."
        missing = []
        if self.hours < self.needed:
            missing.append(f"{format_number(self.needed - self.hours)} more hours")
        if self.technology_hours < self.technology_needed:
            missing.append(
                f"{format_number(self.technology_needed - self.technology_hours)} more on "
                "technology"
            )
        return f"{done}: {' and '.join(missing)} to go."


def ce_totals(items: Iterable[CeHours], rules: RenewalRules) -> CeTotals:
    """The hours of `items` against the rules' requirement (technology hours count toward the
    total too)."""
    hours = Fraction(0)
    technology = Fraction(0)
    for item in items:
        hours += item.hours
        if item.on_technology:
            technology += item.hours
    return CeTotals(hours, technology, rules.ce_hours, rules.ce_technology_hours)
