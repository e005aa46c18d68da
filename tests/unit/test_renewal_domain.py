"""The renewal rules as pure functions: CE amounts and their contact hours, the totals, the
window with its grace period, the extension from the old expiry, reminders and quarters."""

from __future__ import annotations

import dataclasses
from datetime import date
from fractions import Fraction

import pytest

from portfolio.domain.errors import Conflict, FrameworkFileError, InvalidInput
from portfolio.domain.programs.rules import rules_from_document
from portfolio.domain.renewal.activities import check_activity, contact_hours, parse_amount
from portfolio.domain.renewal.quarters import Quarter, parse_quarter, quarter_of
from portfolio.domain.renewal.reminders import renewal_reminder_due
from portfolio.domain.renewal.totals import CeHours, ce_totals
from portfolio.domain.renewal.window import (
    RenewalPhase,
    extended_expiry,
    renewal_window,
    require_open,
)
from tests.framework_documents import lsscp_document

pytestmark = pytest.mark.database_independent

RULES = rules_from_document(lsscp_document()["rules"])
RENEWAL = RULES.renewal
TODAY = date(2027, 6, 15)


def unit(key: str):
    found = RENEWAL.unit(key)
    assert found is not None
    return found


@pytest.mark.parametrize(
    ("key", "amount", "hours"),
    [
        ("semester_credit", "1", 15),
        ("quarter_credit", "1", 10),
        ("workshop_hour", "1", 1),
        ("self_directed_hour", "1", 1),
        ("conference_day", "1", 6),
        ("semester_credit", "1.5", Fraction(45, 2)),
        ("conference_day", "0.5", 3),
        ("workshop_hour", "2.75", Fraction(11, 4)),
    ],
)
def test_the_shipped_conversions_are_the_programs(key, amount, hours):
    assert contact_hours(unit(key), parse_amount(amount, unit(key), RENEWAL)) == hours


@pytest.mark.parametrize(
    ("key", "typed", "message"),
    [
        ("workshop_hour", "-3", "Enter a positive amount."),
        ("workshop_hour", "0", "Enter a positive amount."),
        ("workshop_hour", "abc", "Enter the amount as a number"),
        ("workshop_hour", "1e5", "Enter the amount as a number"),
        ("workshop_hour", "9" * 500, "Enter the amount as a number"),
        ("workshop_hour", "1.234", "at most two decimals"),
        ("semester_credit", "1.25", "Record semester credits in steps of 0.5."),
        ("conference_day", "0.3", "Record conference days in steps of 0.5."),
        ("workshop_hour", "0.5", "An activity counts only from 1 contact hour; this is 0.5."),
        ("semester_credit", "17", "at most 240 contact hours; this would be 255"),
        ("workshop_hour", "999999", "at most 240 contact hours"),
        ("workshop_hour", "", "Enter how much"),
    ],
)
def test_bad_amounts_are_refused_with_a_reason(key, typed, message):
    with pytest.raises(InvalidInput) as refused:
        parse_amount(typed, unit(key), RENEWAL)
    assert message in refused.value.message
    assert refused.value.field == "amount"


def test_every_problem_of_an_activity_is_listed_at_once():
    with pytest.raises(InvalidInput) as refused:
        check_activity(
            title="  ",
            provider="x" * 201,
            done_on="2027-06-16",
            unit_key="fortnight",
            amount="-1",
            on_technology=False,
            rules=RENEWAL,
            starts_on=date(2022, 7, 1),
            today=TODAY,
        )
    problems = refused.value.problems
    assert set(problems) == {"unit", "title", "provider", "done_on", "amount"}
    assert problems["done_on"].startswith("The date is in the future")


def test_an_activity_keeps_no_direction_override():
    # "Linked data workshop \u202eevil\u202c" showed the office "Linked data workshop live".
    checked = check_activity(
        title="Linked data workshop \u202eevil\u202c",
        provider="\u2067مكتبة\u2069 State Library",
        done_on="2026-11-20",
        unit_key="workshop_hour",
        amount="2",
        on_technology=True,
        rules=RENEWAL,
        starts_on=date(2022, 7, 1),
        today=TODAY,
    )
    assert (checked.title, checked.provider) == ("Linked data workshop evil", "مكتبة State Library")
    with pytest.raises(InvalidInput) as refused:
        check_activity(
            title="\u202e\u202c",
            provider="Library",
            done_on="2026-11-20",
            unit_key="workshop_hour",
            amount="2",
            on_technology=False,
            rules=RENEWAL,
            starts_on=date(2022, 7, 1),
            today=TODAY,
        )
    assert refused.value.problems["title"] == "Enter the activity's title."


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("2022-06-30", "Only activities from 1 July 2022"),
        ("2027-02-30", "Enter the date as year-month-day"),
        ("15/06/2027", "Enter the date as year-month-day"),
        ("2" * 400, "Enter the date as year-month-day"),
    ],
)
def test_dates_before_the_certificate_or_unreadable_are_refused(typed, message):
    with pytest.raises(InvalidInput) as refused:
        check_activity(
            title="Workshop",
            provider="Library",
            done_on=typed,
            unit_key="workshop_hour",
            amount="2",
            on_technology=False,
            rules=RENEWAL,
            starts_on=date(2022, 7, 1),
            today=TODAY,
        )
    assert message in refused.value.problems["done_on"]


def test_totals_need_the_hours_and_the_technology_hours():
    short = ce_totals([CeHours(Fraction(30), False), CeHours(Fraction(3), True)], RENEWAL)
    assert not short.enough
    assert short.message == (
        "33 of 32 contact hours, 3 of at least 4 on technology: 1 more on technology to go."
    )
    enough = ce_totals([CeHours(Fraction(28), False), CeHours(Fraction(4), True)], RENEWAL)
    assert enough.enough
    assert enough.message.endswith("enough to renew.")
    empty = ce_totals([], RENEWAL)
    assert empty.message == (
        "0 of 32 contact hours, 0 of at least 4 on technology: 32 more hours and 4 more on "
        "technology to go."
    )


def test_the_window_opens_12_months_before_expiry_and_closes_after_2_months_of_grace():
    window = renewal_window(date(2028, 3, 31), RENEWAL)
    assert (window.opens_on, window.closes_on) == (date(2027, 3, 31), date(2028, 5, 31))
    assert window.phase(date(2027, 3, 30)) is RenewalPhase.NOT_YET_OPEN
    assert window.phase(date(2027, 3, 31)) is RenewalPhase.OPEN
    assert window.phase(date(2028, 3, 31)) is RenewalPhase.OPEN
    assert window.phase(date(2028, 4, 1)) is RenewalPhase.GRACE
    assert window.phase(date(2028, 5, 31)) is RenewalPhase.GRACE
    assert window.phase(date(2028, 6, 1)) is RenewalPhase.LAPSED
    with pytest.raises(Conflict, match="Renewal opens on 31 March 2027"):
        require_open(window, date(2027, 1, 1))
    with pytest.raises(Conflict, match="grace period for renewal ended on 31 May 2028"):
        require_open(window, date(2028, 6, 1))
    require_open(window, date(2028, 5, 31))


def test_renewing_extends_from_the_old_expiry_not_from_today():
    assert extended_expiry(date(2028, 3, 31), 5) == date(2033, 3, 31)
    assert extended_expiry(date(2028, 2, 29), 5) == date(2033, 2, 28)


def test_reminders_at_12_6_3_1_months_on_the_day_and_at_the_end_of_grace():
    window = renewal_window(date(2028, 3, 31), RENEWAL)
    due = {
        day: renewal_reminder_due(window, RENEWAL, day)
        for day in (
            date(2027, 3, 30),
            date(2027, 3, 31),
            date(2027, 9, 30),
            date(2027, 12, 31),
            date(2028, 1, 5),
            date(2028, 2, 29),
            date(2028, 3, 31),
            date(2028, 4, 20),
            date(2028, 5, 31),
            date(2028, 6, 1),
        )
    }
    assert list(due.values()) == [
        None, "12m", "6m", "3m", "3m", "1m", "day", "day", "grace_end", None,
    ]  # fmt: skip


def test_reminder_months_and_conversions_are_rule_data():
    document = lsscp_document()["rules"]
    document["renewal"]["reminder_months_before"] = [2]
    document["renewal"]["ce_units"] = [{"key": "ceu", "label": "CEU", "hours_per_unit": 10}]
    rules = rules_from_document(document).renewal
    window = renewal_window(date(2028, 3, 31), rules)
    assert renewal_reminder_due(window, rules, date(2027, 12, 1)) is None
    assert renewal_reminder_due(window, rules, date(2028, 1, 31)) == "2m"
    ceu = rules.unit("ceu")
    assert ceu is not None and ceu.plural == "CEUs" and ceu.step == 1
    assert contact_hours(ceu, parse_amount("3", ceu, rules)) == 30
    document["renewal"]["ce_units"] = [{"key": "x", "label": "X", "hours_per_unit": -1}]
    with pytest.raises(FrameworkFileError, match="hours_per_unit: must be a positive number"):
        rules_from_document(document)


def test_rules_without_the_new_fields_keep_the_lsscp_conversions():
    document = lsscp_document()["rules"]
    for key in ("ce_units", "fee_cents", "reminder_months_before"):
        document["renewal"].pop(key)
    rules = rules_from_document(document).renewal
    assert dataclasses.astuple(rules.unit("conference_day"))[3] == 6
    assert (rules.fee_cents, rules.reminder_months_before) == (0, (12, 6, 3, 1))


def test_quarters():
    assert quarter_of(date(2027, 5, 2)) == Quarter(2027, 2)
    q4 = Quarter(2027, 4)
    assert (q4.starts_on, q4.ends_on) == (date(2027, 10, 1), date(2027, 12, 31))
    assert q4.next() == Quarter(2028, 1) and Quarter(2028, 1).previous() == q4
    default = Quarter(2026, 1)
    assert parse_quarter("2027-Q3", default) == Quarter(2027, 3)
    for hostile in ("2027-Q5", "27-Q1", "2027-q1", "x" * 1000, None, "0000-Q1"):
        assert parse_quarter(hostile, default) == default
