"""When a holder is reminded to renew: at the rules' months before expiry (12, 6, 3 and 1 for
LSSCP), on the last valid day, and on the last day of the grace period. A job that missed a day
sends the reminder whose date has passed, never one already overtaken by a later one."""

from __future__ import annotations

from datetime import date

from portfolio.domain.dates import add_months
from portfolio.domain.programs.rules import RenewalRules
from portfolio.domain.renewal.window import RenewalWindow

ON_THE_DAY = "day"
GRACE_ENDS = "grace_end"


def reminder_stages(window: RenewalWindow, rules: RenewalRules) -> list[tuple[str, date]]:
    """Each reminder's key and date, earliest first."""
    stages = [
        (f"{months}m", add_months(window.expires_on, -months))
        for months in sorted(set(rules.reminder_months_before), reverse=True)
    ]
    stages.append((ON_THE_DAY, window.expires_on))
    if window.closes_on > window.expires_on:
        stages.append((GRACE_ENDS, window.closes_on))
    return stages


def renewal_reminder_due(window: RenewalWindow, rules: RenewalRules, today: date) -> str | None:
    """The key of the reminder that applies on `today`, or None (too early, or lapsed)."""
    if today > window.closes_on:
        return None
    due = None
    for key, day in reminder_stages(window, rules):
        if today >= day:
            due = key
    return due
