"""The calendar quarter of a date or timestamp column, worked out in SQL.

Reports group by quarter in the query, so they read a row per quarter rather than per month or
day; the expressions are the same on SQLite and PostgreSQL (integer division of the month).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, cast, extract
from sqlalchemy.sql.elements import ColumnElement


def year_and_quarter(column: Any) -> tuple[ColumnElement[int], ColumnElement[int]]:
    """The year and the quarter (1 to 4) of `column`, as integers."""
    year = cast(extract("year", column), Integer)
    month = cast(extract("month", column), Integer)
    return year, (month + 2) // 3
