"""Who is at risk of not finishing: a completion window ending soon with sets still open, or
no activity for a long while. The thresholds are the program office's reporting choice (the
issue that asked for this list names 6 months and 90 days), not a program rule."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from portfolio.domain.dates import add_months, format_date

WINDOW_MONTHS = 6
INACTIVE_DAYS = 90


def window_horizon(today: date) -> date:
    """Windows ending on or before this day are ending soon."""
    return add_months(today, WINDOW_MONTHS)


def inactive_before(today: date) -> datetime:
    """Activity before this moment (UTC) is too long ago."""
    return datetime.combine(today - timedelta(days=INACTIVE_DAYS), datetime.min.time(), UTC)


def risk_reasons(window_ends_on: date, last_activity: datetime | None, today: date) -> list[str]:
    """Why an open enrollment is at risk, in words; empty when it is not."""
    reasons = []
    if window_ends_on <= window_horizon(today):
        days = (window_ends_on - today).days
        reasons.append(
            f"Window ends on {format_date(window_ends_on)} ({days} days left)"
            if days >= 0
            else f"Window ended on {format_date(window_ends_on)}"
        )
    if last_activity is None or last_activity < inactive_before(today):
        reasons.append(
            "No activity recorded"
            if last_activity is None
            else f"No activity since {format_date(last_activity.date())}"
        )
    return reasons
