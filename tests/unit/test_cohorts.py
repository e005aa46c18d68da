"""Cohort arithmetic: quarters of dates, medians and shares."""

from __future__ import annotations

from datetime import date

import pytest

from portfolio.domain.reporting.cohorts import Quarter, median, quarter_of, quarter_of_month, share


@pytest.mark.parametrize(
    ("day", "label"),
    [
        (date(2026, 1, 1), "2026 Q1"),
        (date(2026, 3, 31), "2026 Q1"),
        (date(2026, 4, 1), "2026 Q2"),
        (date(2026, 6, 30), "2026 Q2"),
        (date(2026, 7, 1), "2026 Q3"),
        (date(2026, 9, 30), "2026 Q3"),
        (date(2026, 10, 1), "2026 Q4"),
        (date(2026, 12, 31), "2026 Q4"),
        (date(2027, 1, 1), "2027 Q1"),
    ],
)
def test_a_date_falls_in_its_calendar_quarter(day, label):
    assert quarter_of(day).label == label


def test_quarters_order_by_time_across_a_year_boundary():
    quarters = [quarter_of(date(2027, 1, 1)), quarter_of(date(2026, 12, 31)), Quarter(2026, 1)]
    assert [q.label for q in sorted(quarters, reverse=True)] == ["2027 Q1", "2026 Q4", "2026 Q1"]


def test_a_quarter_knows_its_days():
    assert Quarter(2026, 4).contains(date(2026, 11, 23))
    assert not Quarter(2026, 4).contains(date(2027, 1, 1))


@pytest.mark.parametrize(("year", "month"), [(2026, 0), (2026, 13)])
def test_a_month_out_of_range_is_refused(year, month):
    with pytest.raises(ValueError, match="1 to 12"):
        quarter_of_month(year, month)


def test_a_quarter_is_numbered_one_to_four():
    with pytest.raises(ValueError, match="1 to 4"):
        Quarter(2026, 5)


def test_the_median_of_an_odd_count_is_the_middle_value():
    assert median([40, 7, 100]) == 40


def test_the_median_of_an_even_count_is_the_mean_of_the_middle_two():
    assert median([10, 40, 7, 100]) == 25
    assert median([3, 4]) == 3.5


def test_there_is_no_median_of_nothing():
    assert median([]) is None


def test_the_share_is_part_of_the_whole():
    assert share(1, 4) == 0.25
    assert share(0, 3) == 0


def test_there_is_no_share_of_zero_enrolled():
    assert share(0, 0) is None
