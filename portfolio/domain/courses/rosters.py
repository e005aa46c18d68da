"""Reading a provider's CSV roster of course completions, as text, in bounded time.

A roster has a header row naming exactly the columns candidate (an email address or an
enrollment number), course (the course's catalogue number or its exact title) and completed_on
(YYYY-MM-DD), in any order. Every row is checked and every problem reported with its line, so a
provider fixes the whole file at once; the service imports all of it or nothing.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

COLUMNS = ("candidate", "course", "completed_on")
MAX_CELL = 254  # the longest email address; no cell of a roster needs more
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class RosterRow:
    line: int
    candidate: str  # lower-cased email, or the enrollment number's digits
    course: str
    completed_on: date

    @property
    def by_email(self) -> bool:
        return "@" in self.candidate

    @property
    def key(self) -> tuple[str, str]:
        return (self.candidate, self.course.casefold())


@dataclass(frozen=True)
class RowError:
    line: int  # 0: the file as a whole
    message: str

    def describe(self) -> str:
        return self.message if self.line == 0 else f"Row {self.line}: {self.message}"


@dataclass(frozen=True)
class ParsedRoster:
    rows: tuple[RosterRow, ...]
    errors: tuple[RowError, ...]


class RosterTooLarge(ValueError):
    """The file is over the size or row limit; nothing of it was read as rows."""


def decode(data: bytes, max_bytes: int) -> str:
    """The file's text (UTF-8, with or without a byte-order mark); ValueError with a message."""
    if len(data) > max_bytes:
        raise RosterTooLarge(
            f"The file is {len(data):,} bytes; a roster may be at most {max_bytes:,} bytes. "
            "Split it into smaller files."
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError("The file is not UTF-8 text. Save the roster as CSV UTF-8.") from None


def parse_roster(text: str, max_rows: int) -> ParsedRoster:
    """Rows and per-row problems; RosterTooLarge past `max_rows` data rows."""
    if "\x00" in text:
        return ParsedRoster((), (RowError(0, "The file is not a CSV text file."),))
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
    except csv.Error:
        header = None
    if header is None:
        return ParsedRoster((), (RowError(0, "The file is empty: it needs a header row."),))
    names = [cell.strip().lower() for cell in header]
    if sorted(names) != sorted(COLUMNS):
        shown = ", ".join(_inert(n)[:40] for n in names) or "nothing"
        return ParsedRoster(
            (),
            (
                RowError(
                    0,
                    f"The header row must name exactly the columns {', '.join(COLUMNS)} "
                    f"(in any order); it names {shown}.",
                ),
            ),
        )
    where = {name: names.index(name) for name in COLUMNS}
    rows: list[RosterRow] = []
    errors: list[RowError] = []
    first_line: dict[tuple[str, str], int] = {}
    count = 0
    while True:
        # A row is named by the line it begins on: an unclosed quote makes the reader run on
        # to the end of the file, and a quoted line break spans lines.
        line = reader.line_num + 1
        try:
            cells = next(reader, None)
        except csv.Error as exc:
            errors.append(RowError(line, _csv_problem(exc)))
            break
        if cells is None:
            break
        if not any(cell.strip() for cell in cells):
            continue  # a blank line
        count += 1
        if count > max_rows:
            raise RosterTooLarge(
                f"The roster has more than {max_rows:,} rows; import at most {max_rows:,} at a "
                "time. Split it into smaller files."
            )
        row, problem = _row(line, cells, where)
        if problem is not None:
            errors.append(RowError(line, problem))
            continue
        assert row is not None
        earlier = first_line.get(row.key)
        if earlier is not None:
            errors.append(RowError(line, f"It repeats row {earlier} (same candidate and course)."))
            continue
        first_line[row.key] = line
        rows.append(row)
    if not rows and not errors:
        errors.append(RowError(0, "The roster has a header row but no completions."))
    return ParsedRoster(tuple(rows), tuple(errors))


def _row(line: int, cells: list[str], where: dict[str, int]) -> tuple[RosterRow | None, str | None]:
    if len(cells) != len(COLUMNS):
        return None, f"It has {len(cells)} cells; every row needs {len(COLUMNS)}."
    values = {name: cells[i].strip() for name, i in where.items()}
    for name, value in values.items():
        if not value:
            return None, f"The {name} cell is empty."
        if len(value) > MAX_CELL:
            return None, f"The {name} cell is longer than {MAX_CELL} characters."
        typed = cells[where[name]].lstrip(" ")
        if typed.startswith(FORMULA_STARTS):
            return None, (
                f"The {name} cell starts with {_named(typed[:1])}, which a spreadsheet would run "
                "as a formula; it is refused."
            )
    candidate = values["candidate"]
    if "@" in candidate:
        candidate = candidate.lower()
    elif not (candidate.isascii() and candidate.isdecimal() and len(candidate) <= 9):
        return None, "The candidate must be an email address or an enrollment number."
    try:
        completed_on = date.fromisoformat(values["completed_on"])
    except ValueError:
        return None, "The completion date must be a date written YYYY-MM-DD."
    if len(values["completed_on"]) != 10:
        return None, "The completion date must be a date written YYYY-MM-DD."
    return RosterRow(line, candidate, values["course"], completed_on), None


def _csv_problem(exc: csv.Error) -> str:
    """What a CSV reader's complaint means, in the provider's words."""
    if "field larger than field limit" in str(exc):
        return f"A cell of this row is longer than {csv.field_size_limit():,} characters."
    return (
        "This row is not valid CSV: a cell with a comma, a quote or a line break must be "
        "wrapped in double quotes, and a quote inside it written twice."
    )


def _named(first: str) -> str:
    """A formula's first character as the message names it (quoted, or in words)."""
    return {"\t": "a tab", "\r": "a carriage return"}.get(first, f"“{first}”")


def _inert(text: str) -> str:
    """Text from a cell, safe to show or export: a leading formula character gets a quote."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def inert_cell(text: str) -> str:
    """A value bound for a spreadsheet export, never run as a formula there."""
    return _inert(text)
