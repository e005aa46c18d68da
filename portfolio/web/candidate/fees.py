"""The candidate's fees: what is owed, paid, awarded or refunded, how to pay, and receipts."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from portfolio.domain.applications.fees import format_money
from portfolio.extensions import db
from portfolio.models import User
from portfolio.services.applications import payments, statements
from portfolio.web.candidate import bp


def _me() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


@bp.get("/fees")
def fees() -> str:
    found = statements.candidate_fees(db.session, _me())
    return render_template(
        "candidate/fees.html",
        ledgers=found.ledgers,
        payers=found.payers,
        methods=dict(payments.PAYMENT_METHODS),
        format_money=format_money,
    )


@bp.get("/payments/<int:payment_id>/receipt")
def receipt(payment_id: int) -> str:
    found = statements.receipt(db.session, _me(), payment_id)
    return render_template(
        "candidate/receipt.html",
        receipt=found,
        methods=dict(payments.PAYMENT_METHODS),
        money=lambda cents: format_money(cents, found.fees.currency),
    )
