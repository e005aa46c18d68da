"""When a certificate may be renewed: from the rules' months before its expiry until the end of
the grace period after it; what renewing makes its new expiry."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

from portfolio.domain.dates import add_months, add_years, format_date
from portfolio.domain.errors import Conflict
from portfolio.domain.programs.rules import RenewalRules


class RenewalPhase(enum.StrEnum):
    NOT_YET_OPEN = "not_yet_open"
    OPEN = "open"  # before expiry
    GRACE = "grace"  # expired, still renewable
    LAPSED = "lapsed"  # the grace period is over


@dataclass(frozen=True)
class RenewalWindow:
    opens_on: date
    expires_on: date  # the certificate's last valid day
    closes_on: date  # the last day of the grace period

    def phase(self, today: date) -> RenewalPhase:
        if today < self.opens_on:
            return RenewalPhase.NOT_YET_OPEN
        if today <= self.expires_on:
            return RenewalPhase.OPEN
        if today <= self.closes_on:
            return RenewalPhase.GRACE
        return RenewalPhase.LAPSED

    def is_open(self, today: date) -> bool:
        return self.phase(today) in (RenewalPhase.OPEN, RenewalPhase.GRACE)


def renewal_window(expires_on: date, rules: RenewalRules) -> RenewalWindow:
    return RenewalWindow(
        opens_on=add_months(expires_on, -rules.window_months_before_expiry),
        expires_on=expires_on,
        closes_on=add_months(expires_on, rules.grace_months_after_expiry),
    )


def require_open(window: RenewalWindow, today: date) -> None:
    """Conflict (409) saying when renewal opens or why it is closed, unless it is open today."""
    phase = window.phase(today)
    if phase is RenewalPhase.NOT_YET_OPEN:
        raise Conflict(
            f"Renewal opens on {format_date(window.opens_on)}, "
            f"before the certificate expires on {format_date(window.expires_on)}. "
            "Keep recording your activities until then."
        )
    if phase is RenewalPhase.LAPSED:
        raise Conflict(
            f"The grace period for renewal ended on {format_date(window.closes_on)}, so this "
            "certificate can no longer be renewed. The program office can tell you how to "
            "certify again."
        )


def extended_expiry(old_expires_on: date, validity_years: int) -> date:
    """The new last valid day: the validity period counted from the OLD expiry date, so renewing
    early or in the grace period neither loses nor gains days."""
    return add_years(old_expires_on, validity_years)
