"""Spreadsheet cells stay data: formulas become text, numbers and dates stay typed."""

from __future__ import annotations

from datetime import date

import pytest

from portfolio.domain.reporting.cells import as_text, inert


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@A1", "\tx", "\rx", "=HYPERLINK(\"x\")"])
def test_a_text_that_starts_a_formula_gets_an_apostrophe(text):
    assert inert(text) == "'" + text


@pytest.mark.parametrize("value", [-5, 3.5, date(2026, 5, 3)])
def test_numbers_and_dates_are_left_as_they_are(value):
    assert inert(value) == value


def test_csv_text_of_each_kind_of_value():
    assert as_text(None) == ""
    assert as_text(True) == "Yes"
    assert as_text(date(2026, 5, 3)) == "2026-05-03"
    assert as_text("Plain") == "Plain"
    assert as_text(-5) == "-5"
