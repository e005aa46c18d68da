"""What a candidate owes and sees (issue 13.2): the statement, payment instructions from the rules,
receipts (their own only), approval that waits for the fee, refunds and waivers as ledger
entries."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portfolio.models import AuditEvent, LedgerKind, Payment
from tests.application_fixtures import application_row, submitted_application, today
from tests.helpers import login_as, post_form

REASON = "Eligible: the hours and the diploma are in order."


@pytest.fixture
def application_id(client, session, lsscp, candidate, admin) -> int:
    application_id = submitted_application(client, candidate)
    login_as(client, admin)
    return application_id


def admin_url(application_id: int) -> str:
    return f"/admin/applications/{application_id}"


def post(client, application_id, what, prefix, **values):
    url = admin_url(application_id)
    data = {f"{prefix}-{k}": v for k, v in values.items()}
    return post_form(client, f"{url}/{what}", data, page=url)


def pay(client, application_id, amount="350.00"):
    return post(
        client,
        application_id,
        "payments",
        "payment",
        amount=amount,
        method="check",
        reference="Check 1042",
        received_on=today().isoformat(),
    )


def refund(client, application_id, amount, reason="Not eligible: too few hours."):
    values = {"amount": amount, "method": "check", "reference": "Check 77", "reason": reason}
    return post(client, application_id, "refunds", "refund", **values)


def decide(client, application_id, **extra):
    values = {"outcome": "approve", "reason": REASON} | extra
    return post(client, application_id, "decision", "decision", **values)


def text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def test_the_candidate_sees_what_they_owe_and_how_to_pay(
    client, session, application_id, candidate
):
    login_as(client, candidate)
    page = text(client.get("/me/fees"))
    assert "You owe $350.00." in page
    assert "Balance due</th><td><strong>$350.00</strong>" in page
    assert "by check or money order to the program office" in page  # the rules' instructions
    assert "The fee does not cover course tuition" in page
    assert "Fees and receipts" in text(client.get("/me/"))


def test_a_payment_shows_with_a_printable_receipt(client, session, application_id, candidate):
    assert pay(client, application_id, "200.00").status_code == 302
    login_as(client, candidate)
    page = text(client.get("/me/fees"))
    assert "You owe $150.00." in page
    assert "Payment of $200.00 received on" in page
    [payment] = session.scalars(select(Payment)).all()
    receipt = client.get(f"/me/payments/{payment.id}/receipt")
    assert receipt.status_code == 200
    body = text(receipt)
    assert f"Receipt {payment.id}" in body and "$200.00" in body and "Check 1042" in body
    assert candidate.name in body and "Print" in body


def test_nobody_opens_another_candidates_receipt(client, session, application_id, other_candidate):
    assert pay(client, application_id).status_code == 302
    [payment] = session.scalars(select(Payment)).all()
    login_as(client, other_candidate)
    assert client.get(f"/me/payments/{payment.id}/receipt").status_code == 404
    assert client.get("/me/payments/999999/receipt").status_code == 404
    assert "You owe" not in text(client.get("/me/fees"))


def test_approval_waits_for_the_fee(client, session, application_id):
    response = decide(client, application_id)
    assert response.status_code == 422
    assert "The fee is not paid: $350.00 is due." in text(response)
    assert application_row(session, application_id).status.value == "submitted"
    assert pay(client, application_id).status_code == 302
    assert decide(client, application_id).status_code == 302
    assert application_row(session, application_id).status.value == "approved"
    actions = session.scalars(select(AuditEvent.action)).all()
    assert "application.approved_with_balance_due" not in actions


def test_approving_with_a_balance_due_needs_a_reason_and_is_audited(
    client, session, application_id
):
    too_short = decide(client, application_id, unpaid_reason="ok")
    assert too_short.status_code == 422
    assert application_row(session, application_id).status.value == "submitted"
    reason = "The library district pays the fee next month."
    assert decide(client, application_id, unpaid_reason=reason).status_code == 302
    assert application_row(session, application_id).status.value == "approved"
    event = session.scalar(
        select(AuditEvent).where(AuditEvent.action == "application.approved_with_balance_due")
    )
    assert event.details["reason"] == reason
    assert event.details["balance_cents"] == 35000


def test_a_waiver_settles_the_balance(client, session, application_id, candidate):
    waive = post(
        client,
        application_id,
        "waivers",
        "waiver",
        amount="350.00",
        reason="Hardship: waived by the program director.",
    )
    assert waive.status_code == 302
    [entry] = session.scalars(select(Payment)).all()
    assert entry.kind == LedgerKind.WAIVER and entry.amount_cents == 35000
    assert decide(client, application_id).status_code == 302
    too_much = post(
        client, application_id, "waivers", "waiver", amount="1.00", reason="Again, by mistake."
    )
    assert too_much.status_code == 422
    assert "Nothing is owed" in text(too_much)
    login_as(client, candidate)
    page = text(client.get("/me/fees"))
    assert "Nothing is owed." in page and "$350.00 waived on" in page
    assert client.get(f"/me/payments/{entry.id}/receipt").status_code == 404


def test_a_refund_is_a_ledger_entry_never_more_than_was_paid(
    client, session, application_id, candidate
):
    assert pay(client, application_id, "350.00").status_code == 302
    too_much = refund(client, application_id, "350.01")
    assert too_much.status_code == 422
    assert "A refund cannot be more than what was paid and not yet refunded ($350.00)." in text(
        too_much
    )
    assert refund(client, application_id, "300.00").status_code == 302
    again = refund(client, application_id, "100.00")
    assert again.status_code == 422
    assert "($50.00)" in text(again)
    kinds = sorted(p.kind.value for p in session.scalars(select(Payment)))
    assert kinds == ["payment", "refund"]
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "payment.refunded"))
    assert event.details["amount_cents"] == 30000
    assert event.details["reason"] == "Not eligible: too few hours."
    login_as(client, candidate)
    page = text(client.get("/me/fees"))
    assert "Refund of $300.00 on" in page and "You owe $300.00." in page


def test_the_office_is_told_each_amount_as_money_not_as_typed(client, session, application_id):
    # "10" typed was confirmed as "Payment of 10 recorded."; the statement beside it says $10.00.
    for what, prefix, values, told in (
        ("payments", "payment", {"amount": "10"}, "Payment of $10.00 recorded."),
        ("refunds", "refund", {"amount": "$2.5", "reason": "Paid twice."}, "Refund of $2.50"),
        ("waivers", "waiver", {"amount": " 40 ", "reason": "Hardship, by the director."}, None),
    ):
        values = {
            "method": "check",
            "reference": "Check 9",
            "received_on": today().isoformat(),
        } | values
        assert post(client, application_id, what, prefix, **values).status_code == 302
        shown = text(client.get(admin_url(application_id)))
        assert (told or "$40.00 waived.") in shown


def test_a_refund_needs_a_reason_and_a_sane_amount(client, session, application_id):
    assert pay(client, application_id).status_code == 302
    assert refund(client, application_id, "10.00", reason="").status_code == 422
    assert refund(client, application_id, "-10").status_code == 422
    assert refund(client, application_id, "1e9").status_code == 422
    assert session.scalars(select(Payment.kind)).all() == [LedgerKind.PAYMENT]


def test_a_rejected_applicant_is_refunded(client, session, application_id):
    assert pay(client, application_id).status_code == 302
    rejected = post(
        client, application_id, "decision", "decision", outcome="reject", reason="Too few hours."
    )
    assert rejected.status_code == 302
    assert refund(client, application_id, "350.00").status_code == 302


def test_the_fees_page_never_writes(client, session, application_id, candidate):
    login_as(client, candidate)
    before = session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
    client.get("/me/fees")
    after = session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
    assert before == after


def test_the_application_form_says_what_the_fee_does_not_cover(client, session, lsscp, candidate):
    login_as(client, candidate)
    started = post_form(client, "/me/applications", {"program": "lsscp"}, page="/me/")
    page = text(client.get(started.headers["Location"]))
    assert "The fee does not cover course tuition: approved-course providers set" in page
