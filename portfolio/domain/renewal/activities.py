"""One continuing-education activity as its holder types it: checked once, here, for the log's
form, its live totals and the services alike.

Amounts are decimals of at most two places in the activity's own unit, in that unit's step
(program rules: half credits and half conference days, quarter hours of workshops and
self-directed study); converted, an activity is worth between the rules' minimum (one contact
hour: 60 minutes of continuous participation) and maximum contact hours.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from portfolio.domain.dates import format_date
from portfolio.domain.errors import InvalidInput
from portfolio.domain.programs.rules import CeUnit, RenewalRules
from portfolio.domain.text import one_line

MAX_TITLE = 200
MAX_PROVIDER = 200
# Bounded before any parsing: digits, an optional point and at most two decimals.
_AMOUNT = re.compile(r"\d{1,6}(?:\.\d{1,2})?")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class CheckedActivity:
    title: str
    provider: str
    done_on: date
    unit: CeUnit
    amount: Fraction
    on_technology: bool

    @property
    def hours(self) -> Fraction:
        return contact_hours(self.unit, self.amount)

    @property
    def amount_hundredths(self) -> int:
        return int(self.amount * 100)  # exact: at most two decimals


def contact_hours(unit: CeUnit, amount: Fraction) -> Fraction:
    """What `amount` of `unit` is worth in contact hours (e.g. 2 semester credits: 30)."""
    return amount * unit.hours_per_unit


def amount_from_hundredths(hundredths: int) -> Fraction:
    return Fraction(hundredths, 100)


def format_number(value: Fraction) -> str:
    """7.5, 30 or 0.25: no trailing zeros, at most two decimals."""
    text = f"{float(value):.2f}".rstrip("0").rstrip(".")
    return text or "0"


def format_amount(unit: CeUnit, amount: Fraction) -> str:
    """E.g. "2 semester credits", "1 conference day", "1.5 workshop or seminar hours"."""
    return f"{format_number(amount)} {unit.label if amount == 1 else unit.plural}"


def parse_amount(text: object, unit: CeUnit | None, rules: RenewalRules) -> Fraction:
    """The amount typed for `unit`; InvalidInput on "amount" for anything else (negative, not a
    number, more than two decimals, not in the unit's step, or outside the rules' hours)."""
    raw = text.strip() if isinstance(text, str) else ""
    if not raw:
        raise InvalidInput("Enter how much, in the activity's unit.", field="amount")
    if raw.startswith("-"):
        raise InvalidInput("Enter a positive amount.", field="amount")
    if len(raw) > 12 or not _AMOUNT.fullmatch(raw):
        raise InvalidInput(
            "Enter the amount as a number, like 3 or 1.5 (at most two decimals).", field="amount"
        )
    amount = Fraction(raw)
    if amount <= 0:
        raise InvalidInput("Enter a positive amount.", field="amount")
    if unit is None:
        return amount  # the unit's own message says what is wrong
    if amount % unit.step:
        raise InvalidInput(
            f"Record {unit.plural} in steps of {format_number(unit.step)}.", field="amount"
        )
    hours = contact_hours(unit, amount)
    if hours < rules.min_activity_hours:
        raise InvalidInput(
            f"An activity counts only from {rules.min_activity_hours} contact hour"
            f"{'' if rules.min_activity_hours == 1 else 's'}; this is "
            f"{format_number(hours)}.",
            field="amount",
        )
    if hours > rules.max_activity_hours:
        raise InvalidInput(
            f"One activity can count at most {rules.max_activity_hours} contact hours; this "
            f"would be {format_number(hours)}. Record a long course as its separate parts.",
            field="amount",
        )
    return amount


def parse_date(text: object, *, starts_on: date, today: date) -> date:
    """The day the activity took place (or ended): within the certificate's period so far."""
    raw = text.strip() if isinstance(text, str) else ""
    if not raw:
        raise InvalidInput("Enter the date of the activity.", field="done_on")
    try:
        if not _DATE.fullmatch(raw):
            raise ValueError(raw)
        day = date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(
            "Enter the date as year-month-day, like 2026-03-14.", field="done_on"
        ) from None
    if day > today:
        raise InvalidInput(
            "The date is in the future: record an activity once you have done it.",
            field="done_on",
        )
    if day < starts_on:
        raise InvalidInput(
            f"Only activities from {format_date(starts_on)}, when this certificate's period "
            "began, count toward its renewal.",
            field="done_on",
        )
    return day


def _text(value: object, field: str, label: str, limit: int) -> str:
    # Without direction overrides: the office reads these titles when it accepts each activity.
    text = one_line(value)
    if not text:
        raise InvalidInput(f"Enter the {label}.", field=field)
    if len(text) > limit:
        raise InvalidInput(f"Use at most {limit} characters for the {label}.", field=field)
    return text


def check_activity(
    *,
    title: object,
    provider: object,
    done_on: object,
    unit_key: object,
    amount: object,
    on_technology: bool,
    rules: RenewalRules,
    starts_on: date,
    today: date,
) -> CheckedActivity:
    """Every field checked at once: InvalidInput listing each problem (field -> message)."""
    problems: dict[str, str] = {}
    values: dict[str, object] = {}
    unit = rules.unit(unit_key) if isinstance(unit_key, str) else None
    if unit is None:
        problems["unit"] = "Choose the unit the activity is measured in."
    checks = (
        ("title", lambda: _text(title, "title", "activity's title", MAX_TITLE)),
        ("provider", lambda: _text(provider, "provider", "provider", MAX_PROVIDER)),
        ("done_on", lambda: parse_date(done_on, starts_on=starts_on, today=today)),
        ("amount", lambda: parse_amount(amount, unit, rules)),
    )
    for name, check in checks:
        try:
            values[name] = check()
        except InvalidInput as exc:
            problems[exc.field or name] = exc.message
    if problems:
        raise InvalidInput.listing(problems)
    assert unit is not None
    return CheckedActivity(
        title=str(values["title"]),
        provider=str(values["provider"]),
        done_on=values["done_on"],  # type: ignore[arg-type]
        unit=unit,
        amount=values["amount"],  # type: ignore[arg-type]
        on_technology=bool(on_technology),
    )
