"""Dates: one way to move a date by months or years, and one way to print a date.

Every date rule (lookback, scholarships, completion window, certificate validity) moves dates
with add_months or add_years, so they all clamp 31 January + 1 month and 29 February + 1 year
the same way. Every page and email prints dates through format_date, format_month,
format_day_month, format_datetime and format_time (in templates, the filters long_date,
month_year, day_month, date_time and time_of_day of web.date_filters): in English whatever the
server's locale, and without leading zeros ("3 July 2025").
"""

from __future__ import annotations

import calendar
from datetime import MAXYEAR, MINYEAR, UTC, date, datetime
from typing import TypeVar

from portfolio.domain.errors import InvalidInput

_Day = TypeVar("_Day", bound=date)


def add_months(day: date, months: int) -> date:
    """`day` moved by whole calendar months (negative: back), clamped to the month's last day.

    31 Jan + 1 month is 28 (or 29) Feb; 29 Feb 2028 - 60 months is 28 Feb 2023. Every date
    rule in the domain (lookback, scholarships, completion window) uses this one convention.
    """
    year, month0 = divmod(day.year * 12 + day.month - 1 + months, 12)
    if not MINYEAR <= year <= MAXYEAR:
        raise InvalidInput("The date is out of range.", field="date")
    last_day = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(day.day, last_day))


def add_years(day: date, years: int) -> date:
    """`day` moved by whole years, clamped like add_months (29 Feb 2028 + 1 year: 28 Feb 2029)."""
    return add_months(day, 12 * years)


def format_date(day: date) -> str:
    """E.g. "31 July 2025", the same whatever the server's locale (no leading zero).

    A datetime prints its own date, in UTC when it is aware (stored ones are naive UTC).
    """
    day = _utc(day)
    return f"{day.day} {_MONTHS[day.month]} {day.year}"


# calendar.month_name follows the process locale; names shown to users must not.
_MONTHS = (
    "",
    *("January", "February", "March", "April", "May", "June", "July", "August"),
    *("September", "October", "November", "December"),
)


def format_month(day: date) -> str:
    """E.g. "July 2025"."""
    day = _utc(day)
    return f"{_MONTHS[day.month]} {day.year}"


def format_day_month(day: date) -> str:
    """E.g. "31 July", for dates close enough that the year goes without saying."""
    day = _utc(day)
    return f"{day.day} {_MONTHS[day.month]}"


def format_datetime(moment: datetime) -> str:
    """E.g. "31 July 2025 14:05 UTC"; `moment` is naive UTC or aware (shown in UTC)."""
    return f"{format_date(moment)} {format_time(moment)}"


def format_wait(seconds: int) -> str:
    """How long to wait before trying again, in words: "a minute", "5 minutes", "an hour",
    "3 hours" (rounded up, so nobody is told to come back too early)."""
    minutes = max(1, -(-seconds // 60))
    if minutes == 1:
        return "a minute"
    if minutes < 60:
        return f"{minutes} minutes"
    hours = -(-minutes // 60)
    return "an hour" if hours == 1 else f"{hours} hours"


def format_time(moment: datetime) -> str:
    """E.g. "14:05 UTC" (24-hour clock); `moment` is naive UTC or aware (shown in UTC)."""
    moment = _utc(moment)
    return f"{moment.hour:02d}:{moment.minute:02d} UTC"


def _utc(day: _Day) -> _Day:
    """An aware datetime moved to UTC; a date or naive (UTC) datetime as it is."""
    if isinstance(day, datetime) and day.tzinfo is not None:
        return day.astimezone(UTC)
    return day


def utc_instant(moment: datetime) -> str:
    """The instant in UTC to the second, as XML Schema dateTime ("2026-12-02T14:30:00Z"): how
    Verifiable Credentials write validFrom, validUntil and a proof's created. A naive
    `moment` is UTC already, as stored ones are."""
    m = _utc(moment)
    return f"{m.year:04d}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}Z"
