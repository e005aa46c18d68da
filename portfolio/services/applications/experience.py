"""Experience entries as typed in a form: checked field by field, then counted by the domain.

The application page and its live eligibility update both read entries through `parse_entry`,
so a value is judged the same way whether it comes from a saved draft or from a keystroke.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from portfolio.domain.applications.eligibility import (
    ExperienceEntry,
    hours_in_window,
    progress_message,
    shortfall_advice,
)
from portfolio.domain.dates import format_date
from portfolio.domain.errors import InvalidInput
from portfolio.domain.programs.rules import EligibilityRules

LIBRARY_TYPES = (
    ("public", "Public"),
    ("academic", "Academic"),
    ("school", "School"),
    ("special", "Special"),
    ("other", "Other"),
)
PAID_CHOICES = (("paid", "Paid"), ("unpaid", "Unpaid (volunteer)"))
ENTRY_FIELDS = (
    "library",
    "library_type",
    "role",
    "paid",
    "start_date",
    "end_date",
    "hours_per_week",
)
TEXT_LIMIT = 200  # the columns' length
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
HOURS = re.compile(r"\d{1,6}(\.\d{1,2})?")
# The domain names its fields after its own attributes; the form uses the column names.
DOMAIN_FIELDS = {"end": "end_date", "start": "start_date"}


@dataclass(frozen=True)
class ParsedEntry:
    """One entry as typed: `entry` when every field is valid, else the errors by field."""

    entry: ExperienceEntry | None
    errors: Mapping[str, str] = field(default_factory=dict)
    blank: bool = False  # nothing typed at all: not an entry, and not an error


def _text(raw: Mapping[str, object], name: str) -> str:
    value = raw.get(name)
    return value.strip() if isinstance(value, str) else ""


def _date(text: str, name: str, errors: dict[str, str], label: str) -> date | None:
    if not text:
        return None
    try:
        if not ISO_DATE.fullmatch(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        errors[name] = f"Enter the {label} as a date, for example 2021-09-01."
        return None


def _hours(text: str, errors: dict[str, str]) -> Decimal | None:
    if not text:
        errors["hours_per_week"] = "Enter the hours you worked per week."
        return None
    if not HOURS.fullmatch(text):
        errors["hours_per_week"] = (
            "Enter the hours per week as a number, for example 20 or 17.5 (at most two decimals)."
        )
        return None
    try:
        return Decimal(text)
    except InvalidOperation:  # the pattern admits only plain numbers; kept for safety
        errors["hours_per_week"] = "Enter the hours per week as a number."
        return None


def parse_entry(raw: Mapping[str, object], today: date) -> ParsedEntry:
    """Check one entry's fields (strings as typed). Every problem is reported, field by field.

    The domain's own checks (hours above 0 and at most 168, end not before start) run through
    domain.applications.eligibility.ExperienceEntry, so the rule lives in one place.
    """
    texts = {name: _text(raw, name) for name in ENTRY_FIELDS}
    if not any(texts.values()):
        return ParsedEntry(None, {}, blank=True)
    errors: dict[str, str] = {}
    for name, label in (("library", "the library's name"), ("role", "your role")):
        if not texts[name]:
            errors[name] = f"Enter {label}."
        elif len(texts[name]) > TEXT_LIMIT:
            errors[name] = f"Use at most {TEXT_LIMIT} characters (you typed {len(texts[name]):,})."
    if texts["library_type"] not in dict(LIBRARY_TYPES):
        errors["library_type"] = "Choose the type of library."
    if texts["paid"] not in dict(PAID_CHOICES):
        errors["paid"] = "Say whether the work was paid or unpaid."
    start = _date(texts["start_date"], "start_date", errors, "start date")
    end = _date(texts["end_date"], "end_date", errors, "end date")
    if start is None and "start_date" not in errors:
        errors["start_date"] = "Enter the date you started."
    if start is not None and start > today:
        errors["start_date"] = "The start date is in the future; add this work once it has begun."
    if end is not None and end > today:
        # Hours count up to today either way; a future date would reach the office as a fact.
        errors["end_date"] = "The end date is in the future; leave it empty while you work there."
    hours = _hours(texts["hours_per_week"], errors)
    common = (texts["library"], texts["library_type"], texts["role"], texts["paid"] == "paid")
    # Hours and dates are checked apart, so a mistake in one does not hide one in the other.
    if hours is not None:
        _domain_check(errors, *common, today, None, hours)
    if start is not None and end is not None:
        _domain_check(errors, *common, start, end, 1)
    if errors or start is None or hours is None:
        return ParsedEntry(None, errors)
    return ParsedEntry(ExperienceEntry(*common, start, end, hours))


def _domain_check(errors: dict[str, str], *args: object) -> None:
    try:
        ExperienceEntry(*args)  # type: ignore[arg-type]
    except InvalidInput as exc:
        name = DOMAIN_FIELDS.get(exc.field or "", exc.field or "hours_per_week")
        errors.setdefault(name, exc.message)


@dataclass(frozen=True)
class HoursReport:
    """What the candidate (and the administrator) sees about hours."""

    message: str  # "1,412 of 1,820 hours in the last 5 years"
    total_hours: int
    required_hours: int
    entry_hours: tuple[int | None, ...]  # per entry given; None when it was not counted
    overlaps: tuple[str, ...]  # one sentence per overlapping pair, entries numbered from 1
    notes: tuple[str, ...]  # entries left out, hours above the weekly cap

    @property
    def enough(self) -> bool:
        return self.total_hours >= self.required_hours


def hours_report(
    entries: Sequence[ExperienceEntry | None], rules: EligibilityRules, today: date
) -> HoursReport:
    """Count the valid entries (None stands for one that is incomplete or invalid)."""
    counted = [(number, entry) for number, entry in enumerate(entries, 1) if entry is not None]
    summary = hours_in_window([entry for _, entry in counted], today, rules)
    per_entry: list[int | None] = [None] * len(entries)
    for (number, _), hours in zip(counted, summary.entries, strict=True):
        per_entry[number - 1] = hours.counted_hours
    overlaps = tuple(
        f"Entries {counted[o.first][0]} and {counted[o.second][0]} overlap "
        f"from {format_date(o.start)} to {format_date(o.end or today)}."
        for o in summary.overlaps
    )
    notes = []
    left_out = len(entries) - len(counted)
    if left_out:
        notes.append(
            f"{left_out} {'entry is' if left_out == 1 else 'entries are'} not counted until "
            "complete and correct."
        )
    advice = shortfall_advice(summary.total_hours, rules)
    if advice:
        notes.append(advice)
    over = int(summary.hours_over_cap)
    if over:
        notes.append(
            f"{over:,} hours above the weekly cap of {rules.weekly_hours_cap} hours are not "
            "counted."
        )
    return HoursReport(
        message=progress_message(summary, rules),
        total_hours=summary.total_hours,
        required_hours=rules.experience_hours,
        entry_hours=tuple(per_entry),
        overlaps=overlaps,
        notes=tuple(notes),
    )
