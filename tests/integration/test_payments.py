"""The fee ledger: exact cents, payments and scholarships recorded by administrators, audited."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from portfolio.domain.dates import format_date
from portfolio.domain.errors import InvalidInput
from portfolio.domain.money import parse_amount
from portfolio.models import Application, AuditEvent, Payment, ScholarshipAward
from tests.application_fixtures import submitted_application, today
from tests.helpers import login_as, post_form
from tests.integration.test_course_checks import text_of

SCHOLARSHIP = "enrollment-achievement"


@pytest.mark.parametrize(
    ("text", "cents"),
    [("350.00", 35000), ("325", 32500), ("$0.01", 1), ("12.5", 1250), (" 199.99 ", 19999)],
)
def test_amounts_are_parsed_exactly_to_cents(text, cents):
    assert parse_amount(text) == cents


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("-5", "cannot be negative"),
        ("12.345", "at most two decimals"),
        ("abc", "Enter an amount in dollars"),
        ("0.00", "more than 0"),
        ("1e3", "Enter an amount in dollars"),
        ("350,00", "Enter an amount in dollars"),
        ("NaN", "Enter an amount in dollars"),
        ("99999999", "Enter an amount in dollars"),
    ],
)
def test_amounts_that_are_not_money_are_refused(text, message):
    with pytest.raises(InvalidInput, match=message) as caught:
        parse_amount(text)
    assert caught.value.field == "amount"


@pytest.fixture
def member_application(client, session, lsscp, candidate, admin) -> int:
    application_id = submitted_application(
        client, candidate, is_member="y", member_number="M-7", awarding_body_member="y"
    )
    login_as(client, admin)
    assert give(client, "1000.00").status_code == 302
    return application_id


def give(client, amount, name="2026 gift from the Friends"):
    """Record a gift for the LSSCP award, signed in as an administrator."""
    url = "/admin/scholarship-pools"
    data = {
        "pool-scholarship": f"lsscp:{SCHOLARSHIP}",
        "pool-name": name,
        "pool-amount": amount,
    }
    return post_form(client, url, data)


def page_url(application_id: int) -> str:
    return f"/admin/applications/{application_id}"


def pay(client, application_id, **values):
    data = {"amount": "100.00", "method": "check", "reference": "Check 1042"}
    data |= {"received_on": today().isoformat()} | values
    url = page_url(application_id)
    return post_form(
        client, f"{url}/payments", {f"payment-{k}": v for k, v in data.items()}, page=url
    )


def award(client, application_id, key=SCHOLARSHIP):
    url = page_url(application_id)
    data = {"scholarship-scholarship_key": key, "scholarship-note": "Strong essay"}
    return post_form(client, f"{url}/scholarships", data, page=url)


def balance(client, application_id) -> str:
    page = client.get(page_url(application_id)).get_data(as_text=True)
    match = re.search(r"Balance due</th><td><strong>([^<]+)</strong>", page)
    assert match
    return match.group(1)


def test_member_fee_less_scholarship_less_payments(client, session, member_application):
    assert balance(client, member_application) == "$325.00"
    assert award(client, member_application).status_code == 302
    assert balance(client, member_application) == "$125.00"
    assert pay(client, member_application, amount="100.50").status_code == 302
    assert balance(client, member_application) == "$24.50"
    [payment] = session.scalars(select(Payment)).all()
    assert payment.amount_cents == 10050
    assert payment.reference == "Check 1042"
    actions = [e.action for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert "scholarship.awarded" in actions and "payment.recorded" in actions
    recorded = session.scalar(select(AuditEvent).where(AuditEvent.action == "payment.recorded"))
    assert recorded.details["amount_cents"] == 10050


def test_the_standard_fee_for_non_members(client, session, lsscp, candidate, admin):
    application_id = submitted_application(client, candidate)
    login_as(client, admin)
    assert balance(client, application_id) == "$350.00"


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("-5", "An amount cannot be negative."),
        ("12.345", "Use at most two decimals (cents)."),
        ("abc", "Enter an amount in dollars, such as 350.00."),
    ],
    ids=["negative", "three-decimals", "garbage"],
)
def test_a_bad_amount_is_a_field_error(client, session, member_application, amount, message):
    response = pay(client, member_application, amount=amount)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert f'value="{amount}"' in page
    assert session.scalars(select(Payment)).all() == []


def test_a_payment_in_the_future_is_refused(client, session, member_application):
    later = (today() + timedelta(days=3)).isoformat()
    response = pay(client, member_application, received_on=later)
    assert response.status_code == 422
    assert "cannot be in the future" in response.get_data(as_text=True)


def test_a_payment_dated_long_before_the_application_is_refused(
    client, session, member_application
):
    begun = session.get(Application, member_application).created_at.date()
    mistyped = pay(client, member_application, received_on="1900-01-01")
    assert mistyped.status_code == 422
    assert (
        f"The date received is more than a year before this application was begun "
        f"({format_date(begun)}): check the year." in text_of(mistyped)
    )
    assert session.scalars(select(Payment)).all() == []
    mailed_first = (begun - timedelta(days=300)).isoformat()  # a check sent before applying
    assert pay(client, member_application, received_on=mailed_first).status_code == 302


def test_a_payment_with_a_bad_date_or_method_is_refused(client, session, member_application):
    assert pay(client, member_application, received_on="yesterday").status_code == 422
    assert pay(client, member_application, method="card-number").status_code == 422
    assert session.scalars(select(Payment)).all() == []


def test_a_10000_character_reference_is_refused(client, session, member_application):
    response = pay(client, member_application, reference="r" * 10_000)
    assert response.status_code == 422
    assert "Field cannot be longer than 100 characters." in response.get_data(as_text=True)


def test_a_scholarship_twice_within_18_months_is_refused(client, session, member_application):
    assert award(client, member_application).status_code == 302
    again = award(client, member_application)
    assert again.status_code == 422
    assert "SSD gives one award every 18 months" in again.get_data(as_text=True)
    assert len(session.scalars(select(ScholarshipAward)).all()) == 1


def test_a_members_only_scholarship_for_a_non_member_is_refused(
    client, session, lsscp, candidate, admin
):
    application_id = submitted_application(client, candidate)
    login_as(client, admin)
    response = award(client, application_id)
    assert response.status_code == 422
    assert "is for members of SSD only" in response.get_data(as_text=True)


def test_an_unknown_scholarship_is_refused(client, session, member_application):
    assert award(client, member_application, key="free-money").status_code == 422


def test_the_page_never_asks_for_card_data(client, session, member_application):
    page = client.get(page_url(member_application)).get_data(as_text=True).lower()
    names = re.findall(r'name="([^"]+)"', page)
    assert not [n for n in names if re.search(r"card|cvv|cvc|expir|pan\b", n)]
