"""Forms of the administrators' application page: decision, payment, scholarship award.

Plain WTForms forms (the app's CSRFProtect checks every POST), each with its own prefix so the
three can share one page without clashing ids. No form here asks for card data.
"""

from __future__ import annotations

from wtforms import DateField, Form, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length

from portfolio.services.applications.payments import PAYMENT_METHODS, REFERENCE_LIMIT
from portfolio.web.reason_field import WrittenReason

DECISIONS = [SelectChoice("approve", "Approve and enroll"), SelectChoice("reject", "Reject")]


class DecisionForm(Form):
    outcome = RadioField(
        "Decision",
        [InputRequired("Choose approve or reject.")],
        choices=DECISIONS,
    )
    reason = TextAreaField(
        "Reason (the candidate reads it in the email)",
        [WrittenReason()],
    )
    # Checked by the service, and only while a balance is due.
    unpaid_reason = TextAreaField("Why approve with the balance due (kept in the history)")


class PaymentForm(Form):
    # Parsed by domain.money.parse_amount (exact cents), so a plain text field.
    amount = StringField(
        "Amount received, in dollars (for example 350.00)",
        [DataRequired("Enter the amount received.")],
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    method = SelectField(
        "Method",
        choices=[SelectChoice(v, label) for v, label in [("", "Choose one"), *PAYMENT_METHODS]],
    )
    reference = StringField(
        "Reference (check number, transfer or receipt id; never card numbers)",
        [Length(max=REFERENCE_LIMIT)],
        render_kw={"autocomplete": "off"},
    )
    received_on = DateField(
        "Date received",
        [InputRequired("Enter the date the payment was received.")],
        render_kw={"type": "date"},
    )


class ScholarshipForm(Form):
    scholarship_key = SelectField("Scholarship")
    note = TextAreaField("Note (optional)", [Length(max=2000)])


class RefundForm(Form):
    amount = StringField(
        "Amount refunded, in dollars (for example 325.00)",
        [DataRequired("Enter the amount refunded.")],
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    method = SelectField(
        "Method",
        choices=[SelectChoice(v, label) for v, label in [("", "Choose one"), *PAYMENT_METHODS]],
    )
    reference = StringField(
        "Reference (check number or transfer id)",
        [Length(max=REFERENCE_LIMIT)],
        render_kw={"autocomplete": "off"},
    )
    reason = TextAreaField("Why (for example: not eligible)", [WrittenReason()])


class WaiverForm(Form):
    amount = StringField(
        "Amount waived, in dollars",
        [DataRequired("Enter the amount to waive.")],
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    reason = TextAreaField("Why the fee is waived (kept in the history)", [WrittenReason()])
