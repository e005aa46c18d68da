"""Template filters that print dates: the only way a page shows one (domain.dates decides how).

long_date "3 July 2025", month_year "July 2025", day_month "3 July", date_time
"3 July 2025 14:05 UTC", time_of_day "14:05 UTC"; in English, without leading zeros, whatever
the server's locale.
"""

from __future__ import annotations

from flask import Flask

from portfolio.domain.dates import (
    format_date,
    format_datetime,
    format_day_month,
    format_month,
    format_time,
)

FILTERS = {
    "long_date": format_date,
    "month_year": format_month,
    "day_month": format_day_month,
    "date_time": format_datetime,
    "time_of_day": format_time,
}


def init_app(app: Flask) -> None:
    for name, format_ in FILTERS.items():
        app.add_template_filter(format_, name)
