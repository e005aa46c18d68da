"""Applications for administrators: the queue, one application, decisions and the fee ledger.

Routes join the admin blueprint, whose before_request already requires an administrator.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from portfolio.domain.applications.fees import awarding_bodies, format_money
from portfolio.domain.errors import InvalidInput
from portfolio.domain.money import parse_amount
from portfolio.extensions import db
from portfolio.models import Application, User
from portfolio.models.base import utcnow
from portfolio.services import audit
from portfolio.services.applications import decisions as application_decisions
from portfolio.services.applications import drafts, payments, scholarships
from portfolio.services.applications.experience import hours_report
from portfolio.web import access
from portfolio.web.account_links import absolute_url
from portfolio.web.admin import bp
from portfolio.web.admin.application_forms import (
    DecisionForm,
    PaymentForm,
    RefundForm,
    ScholarshipForm,
    WaiverForm,
)
from portfolio.web.exports import export, export_format, export_rows
from portfolio.web.form_errors import show_error
from portfolio.web.listing import list_request


def _me() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _load(application_id: int) -> Application:
    application = drafts.get_application(db.session, application_id)
    access.require_found(application)
    assert application is not None
    return application


def _decision_mail() -> application_decisions.DecisionMail:
    return application_decisions.DecisionMail(
        dashboard_url=absolute_url("candidate.dashboard"),
    )


APPLICATION_COLUMNS = (  # of services.applications.decisions.ApplicationLine
    ("Candidate", lambda a: a.candidate),
    ("Email", lambda a: a.email),
    ("Program", lambda a: a.program),
    ("Submitted at", lambda a: a.submitted_at),
    ("Eligibility", lambda a: application_decisions.ELIGIBILITY_TITLES.get(a.eligibility, "")),
    ("Hours counted", lambda a: a.hours_counted),
    ("Status", lambda a: a.status.value),
)


@bp.get("/applications", endpoint="applications")
def applications_queue() -> str | Response:
    spec = application_decisions.APPLICATION_LIST
    asked = list_request(spec)
    if kind := export_format():
        lines = application_decisions.application_lines_query(asked)
        rows = export_rows(lines, asked)
        return export(kind, "applications", APPLICATION_COLUMNS, rows)
    found = application_decisions.list_applications(db.session, asked)
    return render_template(
        "admin/applications.html",
        found=found,
        spec=spec,
        waiting=application_decisions.waiting_by_eligibility(db.session),
        titles=application_decisions.ELIGIBILITY_TITLES,
    )


@bp.get("/applications/<int:application_id>")
def application(application_id: int) -> str:
    return _page(_load(application_id))


def _page(
    application: Application,
    *,
    decision: DecisionForm | None = None,
    payment: PaymentForm | None = None,
    scholarship: ScholarshipForm | None = None,
    refund: RefundForm | None = None,
    waiver: WaiverForm | None = None,
) -> str:
    today = utcnow().date()
    rules = drafts.rules_for(application)
    paid = payments.payments_of(db.session, application)
    awards = payments.awards_of(db.session, application)
    scholarship = scholarship or ScholarshipForm(prefix="scholarship")
    scholarship.scholarship_key.choices = [
        SelectChoice(s.key, s.name) for s in rules.fees.scholarships
    ]
    return render_template(
        "admin/application.html",
        application=application,
        assessment=drafts.assess(application, today),
        report=hours_report(drafts.domain_entries(application), rules.eligibility, today),
        statement=payments.fee_statement(application, paid, awards),
        payments=paid,
        awards=awards,
        scholarships={s.key: s for s in rules.fees.scholarships},
        methods=dict(payments.PAYMENT_METHODS),
        money=lambda cents: format_money(cents, rules.fees.currency),
        decision=decision or DecisionForm(prefix="decision"),
        payment=payment or PaymentForm(prefix="payment", data={"received_on": today}),
        scholarship=scholarship,
        refund=refund or RefundForm(prefix="refund"),
        waiver=waiver or WaiverForm(prefix="waiver"),
        payers=payments.payers_of(db.session, paid),
        awarding_bodies=awarding_bodies(rules.fees),
        pools=[
            pool
            for s in rules.fees.scholarships
            if s.pooled
            for pool in scholarships.pools_of(db.session, application.framework.slug, s.key)
        ],
        history=audit.events_for(db.session, "application", application.id),
        today=today,
    )


@bp.post("/applications/<int:application_id>/decision")
def decide_application(application_id: int) -> Response | tuple[str, int]:
    application = _load(application_id)
    form = DecisionForm(request.form, prefix="decision")
    if form.validate():
        try:
            if form.outcome.data == "approve":
                application_decisions.approve_application(
                    db.session,
                    application,
                    actor=_me(),
                    reason=form.reason.data or "",
                    today=utcnow().date(),
                    mail=_decision_mail(),
                    unpaid_reason=form.unpaid_reason.data or "",
                )
                flash(f"Approved: {application.user.name} is enrolled.", "success")
            else:
                application_decisions.reject_application(
                    db.session,
                    application,
                    actor=_me(),
                    reason=form.reason.data or "",
                    mail=_decision_mail(),
                )
                flash(f"Rejected: {application.user.name} is told why by email.", "success")
        except InvalidInput as exc:
            show_error(form, exc)  # type: ignore[arg-type]
        else:
            return redirect(url_for("admin.application", application_id=application.id))
    return _page(application, decision=form), 422


def _ledger_entry(
    application: Application,
    form: Any,
    slot: str,
    record: Callable[[], Any],
    done: str,
) -> Response | tuple[str, int]:
    """One ledger form (payment, scholarship, refund, waiver): record it when the form reads
    and the service accepts it (flash `done`, back to the application), else the page again
    with the problem beside its field (422); the form keeps what was typed.

    `done` may name the amount as "{amount}": it is written as the fee statement writes money
    ("$10.00"), not as it was typed ("10")."""
    if form.validate():
        try:
            entry = record()  # a ledger entry or an award: both have amount_cents
        except InvalidInput as exc:
            show_error(form, exc)
        else:
            if "{amount}" in done:
                currency = drafts.rules_for(application).fees.currency
                done = done.format(amount=format_money(entry.amount_cents, currency))
            flash(done, "success")
            return redirect(url_for("admin.application", application_id=application.id))
    return _page(application, **{slot: form}), 422


@bp.post("/applications/<int:application_id>/payments")
def record_payment(application_id: int) -> Response | tuple[str, int]:
    application = _load(application_id)
    form = PaymentForm(request.form, prefix="payment")
    return _ledger_entry(
        application,
        form,
        "payment",
        lambda: payments.record_payment(
            db.session,
            application,
            actor=_me(),
            amount_cents=parse_amount(form.amount.data or ""),
            method=form.method.data or "",
            reference=form.reference.data or "",
            received_on=form.received_on.data,  # type: ignore[arg-type]
            today=utcnow().date(),
        ),
        "Payment of {amount} recorded.",
    )


@bp.post("/applications/<int:application_id>/scholarships")
def award_scholarship(application_id: int) -> Response | tuple[str, int]:
    application = _load(application_id)
    form = ScholarshipForm(request.form, prefix="scholarship")
    rules = drafts.rules_for(application)
    form.scholarship_key.choices = [SelectChoice(s.key, s.name) for s in rules.fees.scholarships]
    return _ledger_entry(
        application,
        form,
        "scholarship",
        lambda: scholarships.award_scholarship(
            db.session,
            application,
            actor=_me(),
            scholarship_key=form.scholarship_key.data or "",
            note=form.note.data or "",
            today=utcnow().date(),
        ),
        "Scholarship awarded.",
    )


@bp.post("/applications/<int:application_id>/refunds")
def record_refund(application_id: int) -> Response | tuple[str, int]:
    application = _load(application_id)
    form = RefundForm(request.form, prefix="refund")
    return _ledger_entry(
        application,
        form,
        "refund",
        lambda: payments.record_refund(
            db.session,
            application,
            actor=_me(),
            amount_cents=parse_amount(form.amount.data or ""),
            method=form.method.data or "",
            reference=form.reference.data or "",
            reason=form.reason.data or "",
            today=utcnow().date(),
        ),
        "Refund of {amount} recorded.",
    )


@bp.post("/applications/<int:application_id>/waivers")
def record_waiver(application_id: int) -> Response | tuple[str, int]:
    application = _load(application_id)
    form = WaiverForm(request.form, prefix="waiver")
    return _ledger_entry(
        application,
        form,
        "waiver",
        lambda: payments.record_waiver(
            db.session,
            application,
            actor=_me(),
            amount_cents=parse_amount(form.amount.data or ""),
            reason=form.reason.data or "",
            today=utcnow().date(),
        ),
        "{amount} waived.",
    )
