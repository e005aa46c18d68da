"""One way to move dates and to print them (domain.dates)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portfolio.domain.dates import (
    add_months,
    add_years,
    format_date,
    format_datetime,
    format_day_month,
    format_month,
    format_time,
    format_wait,
)
from portfolio.domain.errors import InvalidInput


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2023, 1, 31), 1, date(2023, 2, 28)),
        (date(2024, 3, 31), -1, date(2024, 2, 29)),
        (date(2024, 12, 15), 1, date(2025, 1, 15)),
        (date(2025, 1, 15), -1, date(2024, 12, 15)),
        (date(2028, 2, 29), -60, date(2023, 2, 28)),
        (date(2024, 1, 31), 18, date(2025, 7, 31)),
    ],
)
def test_add_months_clamps_to_the_end_of_the_month(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


def test_add_months_out_of_range_is_invalid_input() -> None:
    with pytest.raises(InvalidInput):
        add_months(date(9999, 12, 1), 1)


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2900, 12, 31)), st.integers(0, 50))
def test_add_years_is_add_months_of_twelve_and_keeps_the_day_where_it_exists(day, years):
    moved = add_years(day, years)
    assert moved == add_months(day, 12 * years)
    assert moved.year == day.year + years and moved.month == day.month
    assert moved.day == day.day or (day.month, day.day, moved.day) == (2, 29, 28)


def test_dates_print_in_english_without_zero_padding() -> None:
    assert format_date(date(2025, 7, 3)) == "3 July 2025"
    assert format_month(date(2025, 12, 31)) == "December 2025"
    assert format_day_month(date(2025, 2, 9)) == "9 February"


def test_a_moment_prints_in_utc_whatever_its_zone() -> None:
    five_hours_west = timezone(timedelta(hours=-5))
    moment = datetime(2025, 7, 31, 22, 30, tzinfo=five_hours_west)
    assert format_datetime(moment) == "1 August 2025 03:30 UTC"
    assert format_datetime(datetime(2025, 7, 31, 9, 5)) == "31 July 2025 09:05 UTC"
    assert format_datetime(datetime(2025, 7, 31, 9, 5, tzinfo=UTC)) == "31 July 2025 09:05 UTC"


def test_a_moment_prints_its_utc_day_and_time() -> None:
    five_hours_west = timezone(timedelta(hours=-5))
    moment = datetime(2025, 7, 31, 22, 30, tzinfo=five_hours_west)
    assert format_date(moment) == "1 August 2025"
    assert format_month(moment) == "August 2025"
    assert format_day_month(moment) == "1 August"
    assert format_time(moment) == "03:30 UTC"
    assert format_date(datetime(2025, 7, 3, 23, 59)) == "3 July 2025"
    assert format_time(datetime(2025, 7, 3, 9, 5)) == "09:05 UTC"


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (0, "a minute"),
        (59, "a minute"),
        (60, "a minute"),
        (61, "2 minutes"),
        (1800, "30 minutes"),
        (3599, "an hour"),
        (3600, "an hour"),
        (3601, "2 hours"),
        (86400, "24 hours"),
    ],
)
def test_a_wait_is_told_in_words_rounded_up(seconds, words):
    assert format_wait(seconds) == words
