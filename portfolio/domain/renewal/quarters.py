"""Renewals per calendar quarter, as administrators see them: due, in progress, renewed or
lapsed, by the quarter in which the certificate expires(d)."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import date

_QUARTER = re.compile(r"(\d{4})-Q([1-4])")


class RenewalStage(enum.StrEnum):
    DUE = "due"  # may renew (or soon), has not applied
    IN_PROGRESS = "in_progress"  # applied; the office is reviewing or waits for proof
    RENEWED = "renewed"
    LAPSED = "lapsed"  # the grace period ended without a renewal

    @property
    def label(self) -> str:
        return {"due": "Due", "in_progress": "In progress", "renewed": "Renewed"}.get(
            self.value, "Lapsed"
        )


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int  # 1 to 4

    @property
    def starts_on(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def ends_on(self) -> date:
        following = self.next()
        return date.fromordinal(following.starts_on.toordinal() - 1)

    @property
    def key(self) -> str:
        return f"{self.year}-Q{self.number}"

    @property
    def label(self) -> str:
        months = ("January to March", "April to June", "July to September")
        return f"{self.year} Q{self.number} ({(*months, 'October to December')[self.number - 1]})"

    def next(self) -> Quarter:
        return (
            Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)
        )

    def previous(self) -> Quarter:
        return (
            Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)
        )


def quarter_of(day: date) -> Quarter:
    return Quarter(day.year, (day.month - 1) // 3 + 1)


def parse_quarter(text: object, default: Quarter) -> Quarter:
    """ "2027-Q2" as typed in a URL; `default` for anything else (a bounded, exact pattern)."""
    if isinstance(text, str) and len(text) == 7 and (match := _QUARTER.fullmatch(text)):
        year = int(match.group(1))
        if 1900 <= year <= 9998:
            return Quarter(year, int(match.group(2)))
    return default
