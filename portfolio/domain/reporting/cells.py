"""Spreadsheet cells that stay data: a text that a spreadsheet would read as a formula
(starting with =, +, -, @, a tab or a carriage return) is given a leading apostrophe, as OWASP
advises against CSV injection. Numbers and dates are left as they are."""

from __future__ import annotations

from datetime import date, datetime

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert(value: object) -> object:
    """The value as a cell: None as empty, text neutralised, numbers and dates unchanged."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int | float | date | datetime):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def as_text(value: object) -> str:
    """The cell as CSV text: dates in ISO 8601, everything else as inert() gives it."""
    cell = inert(value)
    if isinstance(cell, datetime):
        return cell.isoformat(timespec="seconds")
    if isinstance(cell, date):
        return cell.isoformat()
    return str(cell)
