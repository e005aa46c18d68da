"""Eligibility: the lookback window, hours inside it under the weekly cap, and the verdict."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portfolio.domain.applications.eligibility import (
    Education,
    EligibilityStatus,
    ExperienceEntry,
    HoursSummary,
    Overlap,
    assess_eligibility,
    find_overlaps,
    hours_in_window,
    progress_message,
    window,
)
from portfolio.domain.errors import InvalidInput
from portfolio.domain.programs.rules import EligibilityRules

RULES = EligibilityRules(
    experience_hours=1820,
    lookback_years=5,
    weekly_hours_cap=40,
    education="high_school",
    non_us_education_review=True,
)
TODAY = date(2026, 6, 15)
WINDOW_START = date(2021, 6, 15)
US_DIPLOMA = Education(has_diploma=True, country="US")
DAY = timedelta(days=1)


def job(
    start: date, end: date | None, hours: Decimal | int = 40, **changes: object
) -> ExperienceEntry:
    entry = ExperienceEntry(
        library="Spokane Public Library",
        library_type="public",
        role="Library assistant",
        paid=True,
        start=start,
        end=end,
        hours_per_week=hours,
    )
    return replace(entry, **changes) if changes else entry


def total(entries: list[ExperienceEntry], today: date = TODAY) -> Fraction:
    return hours_in_window(entries, today, RULES).exact_total


# --- the window -----------------------------------------------------




def test_window_runs_from_the_same_date_years_ago_through_today() -> None:
    assert window(TODAY, 5) == (WINDOW_START, TODAY)


def test_window_from_29_february_starts_on_28_february() -> None:
    # 2023 has no 29 Feb; 28 Feb keeps every day that is within 5 years by any reading.
    assert window(date(2028, 2, 29), 5) == (date(2023, 2, 28), date(2028, 2, 29))


def test_window_from_29_february_to_a_leap_year_keeps_29_february() -> None:
    assert window(date(2028, 2, 29), 4) == (date(2024, 2, 29), date(2028, 2, 29))


def test_window_with_a_negative_lookback_is_invalid_input() -> None:
    with pytest.raises(InvalidInput):
        window(TODAY, -1)


# --- one entry against the window -------------------------------------------------------------


def test_full_time_for_the_whole_window_counts_every_day() -> None:
    summary = hours_in_window([job(date(2010, 1, 1), None)], TODAY, RULES)
    days = (TODAY - WINDOW_START).days + 1  # 1,827: both ends included, 2024 is a leap year
    assert days == 1827
    assert summary.exact_total == Fraction(40 * days, 7)
    assert summary.total_hours == 10440
    assert summary.entries[0].days == days


def test_entry_ending_the_day_before_the_window_counts_nothing() -> None:
    summary = hours_in_window([job(date(2020, 1, 1), WINDOW_START - DAY)], TODAY, RULES)
    assert summary.total_hours == 0
    assert summary.entries[0].days == 0


def test_entry_ending_on_the_windows_first_day_counts_that_day() -> None:
    summary = hours_in_window([job(date(2020, 1, 1), WINDOW_START, hours=35)], TODAY, RULES)
    assert summary.entries[0].days == 1
    assert summary.exact_total == 5


def test_entry_starting_on_the_windows_first_day_counts_from_then() -> None:
    entry = job(WINDOW_START, WINDOW_START + timedelta(days=6), hours=35)
    assert total([entry]) == 35


def test_only_the_part_inside_the_window_counts() -> None:
    # 1 Jan 2021 .. 21 Jun 2021: only 15..21 June (7 days) is inside.
    assert total([job(date(2021, 1, 1), date(2021, 6, 21), hours=21)]) == 21


def test_ongoing_entry_counts_to_today() -> None:
    # 1 Jan to 15 Jun 2026 is 166 days.
    summary = hours_in_window([job(date(2026, 1, 1), None, hours=35)], TODAY, RULES)
    assert summary.entries[0].days == 166
    assert summary.total_hours == 830


def test_entry_ending_in_the_future_counts_to_today() -> None:
    assert total([job(date(2026, 1, 1), date(2027, 12, 31), hours=35)]) == 830


def test_entry_starting_in_the_future_counts_nothing() -> None:
    summary = hours_in_window([job(TODAY + DAY, None)], TODAY, RULES)
    assert summary.total_hours == 0
    assert summary.entries[0].days == 0


def test_entry_of_one_day_counts_a_seventh_of_its_week() -> None:
    # Start and end on the same day: one day of work, not zero and not a whole week.
    summary = hours_in_window([job(date(2025, 3, 3), date(2025, 3, 3), hours=35)], TODAY, RULES)
    assert summary.entries[0].days == 1
    assert summary.total_hours == 5


def test_no_entries_count_nothing() -> None:
    summary = hours_in_window([], TODAY, RULES)
    assert summary.total_hours == 0
    assert summary.entries == ()


def test_february_of_a_leap_year_has_29_days() -> None:
    entry = job(date(2024, 2, 1), date(2024, 2, 29), hours=7)
    assert total([entry]) == 29
    assert total([replace(entry, start=date(2023, 2, 1), end=date(2023, 2, 28))]) == 28


def test_total_is_rounded_down_to_whole_hours() -> None:
    summary = hours_in_window([job(date(2025, 3, 3), date(2025, 3, 4), hours=20)], TODAY, RULES)
    assert summary.exact_total == Fraction(40, 7)  # 5.71...
    assert summary.total_hours == 5


def test_decimal_hours_per_week_are_exact() -> None:
    entry = job(date(2025, 3, 3), date(2025, 3, 9), hours=Decimal("37.5"))
    assert total([entry]) == Fraction(75, 2)


# --- bad entries --------------------------------------------------------------------------------


@pytest.mark.parametrize("hours", [0, -5, 169, Decimal("0"), Decimal("168.01")])
def test_hours_per_week_outside_0_to_168_is_invalid_input(hours: Decimal | int) -> None:
    with pytest.raises(InvalidInput, match="more than 0 and at most 168") as caught:
        job(date(2025, 1, 1), None, hours=hours)
    assert caught.value.field == "hours_per_week"


@pytest.mark.parametrize("hours", [True, 37.5, "40", Decimal("NaN"), Decimal("Infinity")])
def test_hours_per_week_that_is_not_a_number_is_invalid_input(hours: object) -> None:
    with pytest.raises(InvalidInput, match="must be a number"):
        job(date(2025, 1, 1), None, hours=hours)  # type: ignore[arg-type]


def test_168_hours_per_week_is_allowed() -> None:
    assert job(date(2025, 1, 1), None, hours=168).hours_per_week == 168


def test_end_before_start_is_invalid_input() -> None:
    with pytest.raises(InvalidInput, match="end date is before the start date") as caught:
        job(date(2025, 1, 2), date(2025, 1, 1))
    assert caught.value.field == "end"


# --- two jobs at once, the cap and overlaps ---------------------------------------------------


def test_two_part_time_jobs_at_once_both_count() -> None:
    week = (date(2025, 3, 3), date(2025, 3, 9))
    summary = hours_in_window([job(*week, hours=20), job(*week, hours=15)], TODAY, RULES)
    assert summary.total_hours == 35
    assert summary.hours_over_cap == 0


def test_no_week_counts_more_than_the_cap() -> None:
    week = (date(2025, 3, 3), date(2025, 3, 9))
    summary = hours_in_window([job(*week, hours=40), job(*week, hours=20)], TODAY, RULES)
    assert summary.total_hours == 40
    assert summary.hours_over_cap == 20
    # The capped hours are shared in proportion to each job's hours.
    assert [e.counted for e in summary.entries] == [Fraction(80, 3), Fraction(40, 3)]
    assert [e.claimed for e in summary.entries] == [40, 20]


def test_cap_applies_only_to_the_days_both_jobs_run() -> None:
    # 40 h for two weeks, 20 h for the second of them: only that second week is capped.
    first = job(date(2025, 3, 3), date(2025, 3, 16), hours=40)
    second = job(date(2025, 3, 10), date(2025, 3, 16), hours=20)
    summary = hours_in_window([first, second], TODAY, RULES)
    assert summary.total_hours == 80
    assert summary.hours_over_cap == 20


def test_overlaps_inside_the_window_are_listed_and_clipped_to_it() -> None:
    old = job(date(2019, 1, 1), date(2022, 12, 31))
    weekend = job(date(2020, 6, 1), None, hours=8)
    summary = hours_in_window([old, weekend], TODAY, RULES)
    assert summary.overlaps == (Overlap(0, 1, WINDOW_START, date(2022, 12, 31)),)


def test_overlaps_wholly_before_the_window_are_not_in_the_summary() -> None:
    entries = [job(date(2018, 1, 1), date(2019, 1, 1)), job(date(2018, 6, 1), date(2019, 6, 1))]
    assert hours_in_window(entries, TODAY, RULES).overlaps == ()
    assert find_overlaps(entries) == [(0, 1, date(2018, 6, 1), date(2019, 1, 1))]


def test_find_overlaps_lists_every_overlapping_pair() -> None:
    entries = [
        job(date(2020, 1, 1), date(2020, 12, 31)),
        job(date(2020, 12, 31), date(2021, 3, 1)),  # shares one day with the first
        job(date(2021, 3, 2), None),  # starts the day after the second ends
        job(date(2022, 1, 1), None),
    ]
    assert find_overlaps(entries) == [
        (0, 1, date(2020, 12, 31), date(2020, 12, 31)),
        (2, 3, date(2022, 1, 1), None),  # both ongoing: not ended
    ]
    assert find_overlaps(entries, today=TODAY)[-1] == (2, 3, date(2022, 1, 1), TODAY)


def test_adjacent_entries_do_not_overlap() -> None:
    entries = [job(date(2020, 1, 1), date(2020, 12, 31)), job(date(2021, 1, 1), None)]
    assert find_overlaps(entries) == []


# --- messages and the verdict ----------------------------------------------------------------


def summary_of(total_hours: int) -> HoursSummary:
    return HoursSummary(
        WINDOW_START, TODAY, total_hours, Fraction(total_hours), (), (), Fraction(0)
    )


def test_progress_message_uses_thousands_separators() -> None:
    assert progress_message(summary_of(1412), RULES) == "1,412 of 1,820 hours in the last 5 years"


def test_progress_message_for_a_one_year_lookback() -> None:
    rules = replace(RULES, lookback_years=1, experience_hours=900)
    assert progress_message(summary_of(12), rules) == "12 of 900 hours in the last year"


ONE_YEAR_FULL_TIME = [job(date(2024, 1, 1), date(2024, 12, 31))]  # 366 days * 40/7 = 2,091


def test_enough_hours_and_a_us_diploma_is_eligible() -> None:
    result = assess_eligibility(ONE_YEAR_FULL_TIME, US_DIPLOMA, TODAY, RULES)
    assert result.status is EligibilityStatus.ELIGIBLE
    assert (result.hours_total, result.hours_required) == (2091, 1820)
    assert result.reasons == (
        "2,091 of 1,820 hours in the last 5 years",
        "High-school diploma or equivalent",
    )


def test_too_few_hours_is_not_eligible() -> None:
    entries = [job(date(2025, 1, 1), date(2025, 6, 30))]  # 181 days * 40/7 = 1,034
    result = assess_eligibility(entries, US_DIPLOMA, TODAY, RULES)
    assert result.status is EligibilityStatus.NOT_ELIGIBLE
    assert result.reasons[0] == "1,034 of 1,820 hours in the last 5 years"


def days_at_10_hours(days: int) -> list[ExperienceEntry]:
    start = date(2022, 1, 1)
    return [job(start, start + timedelta(days=days - 1), hours=10)]


def test_exactly_the_hours_required_is_eligible() -> None:
    result = assess_eligibility(days_at_10_hours(1274), US_DIPLOMA, TODAY, RULES)
    assert result.hours_total == 1820  # 1,274 days * 10/7
    assert result.status is EligibilityStatus.ELIGIBLE


def test_one_hour_short_is_not_eligible() -> None:
    result = assess_eligibility(days_at_10_hours(1273), US_DIPLOMA, TODAY, RULES)
    assert result.hours_total == 1818  # 1,818.57 rounded down
    assert result.status is EligibilityStatus.NOT_ELIGIBLE


def test_no_diploma_is_not_eligible() -> None:
    result = assess_eligibility(ONE_YEAR_FULL_TIME, Education(False, "US"), TODAY, RULES)
    assert result.status is EligibilityStatus.NOT_ELIGIBLE
    assert "No high-school diploma or equivalent (GED)" in result.reasons


def test_unanswered_diploma_question_is_not_eligible() -> None:
    result = assess_eligibility(ONE_YEAR_FULL_TIME, Education(None, "US"), TODAY, RULES)
    assert result.status is EligibilityStatus.NOT_ELIGIBLE
    assert any("does not say" in reason for reason in result.reasons)


def test_education_outside_the_us_needs_review() -> None:
    result = assess_eligibility(ONE_YEAR_FULL_TIME, Education(True, "ca"), TODAY, RULES)
    assert result.status is EligibilityStatus.NEEDS_REVIEW
    assert "Education completed outside the US (CA) is reviewed case by case" in result.reasons


def test_education_outside_the_us_without_the_review_rule_is_eligible() -> None:
    rules = replace(RULES, non_us_education_review=False)
    result = assess_eligibility(ONE_YEAR_FULL_TIME, Education(True, "CA"), TODAY, rules)
    assert result.status is EligibilityStatus.ELIGIBLE


def test_education_in_a_us_territory_is_us_education() -> None:
    result = assess_eligibility(ONE_YEAR_FULL_TIME, Education(True, "PR"), TODAY, RULES)
    assert result.status is EligibilityStatus.ELIGIBLE


def test_short_hours_outweigh_the_review() -> None:
    result = assess_eligibility([], Education(True, "FR"), TODAY, RULES)
    assert result.status is EligibilityStatus.NOT_ELIGIBLE


@pytest.mark.parametrize("country", ["", "USA", "1A", "Ü1"])
def test_malformed_education_country_is_invalid_input(country: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        assess_eligibility([], Education(True, country), TODAY, RULES)
    assert caught.value.field == "education_country"


def test_reasons_say_what_the_cap_removed_and_that_jobs_overlap() -> None:
    year = (date(2024, 1, 1), date(2024, 12, 31))
    entries = [job(*year, hours=40), job(*year, hours=14)]
    result = assess_eligibility(entries, US_DIPLOMA, TODAY, RULES)
    assert "732 hours above the weekly cap of 40 hours were not counted" in result.reasons
    assert "1 overlapping period of work to check" in result.reasons


# --- properties -----------------------------------------------------------------------------

starts = st.dates(min_value=date(2018, 1, 1), max_value=date(2027, 6, 30))
hours = st.one_of(
    st.integers(min_value=1, max_value=168),
    st.decimals(min_value=Decimal("0.25"), max_value=Decimal(168), places=2),
)


@st.composite
def entries(draw: st.DrawFn) -> ExperienceEntry:
    start = draw(starts)
    length = draw(st.one_of(st.none(), st.integers(min_value=0, max_value=2500)))
    end = None if length is None else start + timedelta(days=length)
    return job(start, end, hours=draw(hours))


entry_lists = st.lists(entries(), max_size=6)


def day_by_day(items: list[ExperienceEntry], today: date) -> Fraction:
    """The rule read literally, one day at a time: the reference for the fast sweep."""
    first, last = window(today, RULES.lookback_years)
    result, day = Fraction(0), first
    while day <= last:
        running = [e for e in items if e.start <= day <= (e.end or today)]
        claimed = sum((Fraction(e.hours_per_week) / 7 for e in running), Fraction(0))
        result += min(claimed, Fraction(RULES.weekly_hours_cap, 7))
        day += DAY
    return result


@settings(max_examples=40, deadline=None)
@given(entry_lists)
def test_total_matches_the_day_by_day_reading_of_the_rule(items: list[ExperienceEntry]) -> None:
    assert total(items) == day_by_day(items, TODAY)


@given(entry_lists, entries())
def test_adding_an_entry_never_lowers_the_total(
    items: list[ExperienceEntry], extra: ExperienceEntry
) -> None:
    assert total([*items, extra]) >= total(items)


@given(entry_lists)
def test_total_never_exceeds_the_cap_for_every_week_of_the_window(
    items: list[ExperienceEntry],
) -> None:
    summary = hours_in_window(items, TODAY, RULES)
    days = (summary.window_end - summary.window_start).days + 1
    assert summary.exact_total <= Fraction(RULES.weekly_hours_cap * days, 7)
    assert sum(e.counted for e in summary.entries) == summary.exact_total
    assert all(e.counted <= e.claimed for e in summary.entries)


@given(entry_lists, st.randoms(use_true_random=False))
def test_total_does_not_depend_on_entry_order(
    items: list[ExperienceEntry], rnd: random.Random
) -> None:
    shuffled = list(items)
    rnd.shuffle(shuffled)
    assert total(shuffled) == total(items)


@given(entry_lists, entries(), st.floats(min_value=0, max_value=1))
def test_splitting_an_entry_in_two_adjacent_entries_keeps_the_total(
    items: list[ExperienceEntry], entry: ExperienceEntry, where: float
) -> None:
    last = entry.end or TODAY
    if last <= entry.start:
        return  # a one-day (or future) entry cannot be split
    middle = entry.start + timedelta(days=int((last - entry.start).days * where * 0.999))
    halves = [replace(entry, end=middle), replace(entry, start=middle + DAY)]
    whole = hours_in_window([*items, entry], TODAY, RULES)
    split = hours_in_window([*items, *halves], TODAY, RULES)
    assert split.exact_total == whole.exact_total
    assert abs(split.total_hours - whole.total_hours) <= 1
