"""The holder's renewal pages (/me/certificates/<id>/renewal): the continuing-education log with
its totals (updated as they type, by the same domain rule the server applies on saving), proof
uploads, and the renewal application.

Each view loads the certificate as the signed-in person's (anyone else's: 404), and any activity
named in the URL as one of that certificate's, then acts through services.renewal.
"""

from __future__ import annotations

from typing import Any

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portfolio.domain.errors import DomainError, NotFound
from portfolio.domain.renewal.activities import MAX_PROVIDER, MAX_TITLE
from portfolio.domain.renewal.window import renewal_window
from portfolio.extensions import db
from portfolio.models import CeActivity, Certificate, User
from portfolio.models.base import utcnow
from portfolio.services.renewal import applications, log
from portfolio.services.renewal.review import money
from portfolio.web import clock
from portfolio.web.candidate import bp

FIELDS = ("title", "provider", "done_on", "unit", "amount", "on_technology", "proof_upload_id")
LABELS = {
    "title": "Title",
    "provider": "Provider",
    "done_on": "Date",
    "unit": "Unit",
    "amount": "Amount",
    "proof_upload_id": "Proof",
    "activities": "Activities",
}


def _me() -> User:
    user: User = current_user._get_current_object()
    return user


def _certificate(certificate_id: int) -> Certificate:
    return log.own_certificate(db.session, _me(), certificate_id)


def _activity(certificate: Certificate, activity_id: int) -> CeActivity:
    activity = log.own_activity(db.session, _me(), activity_id)
    if activity.certificate_id != certificate.id:
        raise NotFound("We could not find that activity in your log.")
    return activity


def _typed() -> dict[str, Any]:
    form = request.form
    return {name: form.get(name, "")[:500] for name in FIELDS if name != "on_technology"} | {
        "on_technology": form.get("on_technology") in ("y", "on", "1", "true")
    }


def _page(
    certificate: Certificate,
    *,
    typed: dict[str, Any] | None = None,
    problems: dict[str, str] | None = None,
    alert: str = "",
    status: int = 200,
) -> tuple[str, int]:
    today = clock.today()
    rules = log.renewal_rules(certificate)
    rows = log.logged(log.unapplied_activities(db.session, certificate), rules)
    renewal = log.current_renewal(db.session, certificate)
    applied_rows = log.logged(renewal.activities, rules) if renewal is not None else []
    window = renewal_window(certificate.expires_on, rules)
    html = render_template(
        "candidate/renewal.html",
        certificate=certificate,
        rules=rules,
        rows=rows,
        totals=log.totals_of(rows, rules),
        renewal=renewal,
        last_approved=log.last_approved(db.session, certificate) if renewal is None else None,
        applied_rows=applied_rows,
        applied_totals=log.totals_of(applied_rows, rules) if renewal is not None else None,
        window=window,
        starts_on=log.period_starts_on(db.session, certificate),
        phase=window.phase(today),
        today=today,
        typed=typed or {},
        problems=problems or {},
        labels=LABELS,
        alert=alert,
        fee=money(rules.fee_cents) if rules.fee_cents else "",
        max_title=MAX_TITLE,
        max_provider=MAX_PROVIDER,
    )
    return html, status


def _back(certificate: Certificate, anchor: str = "") -> Response:
    return redirect(url_for("candidate.renewal", certificate_id=certificate.id) + anchor)


@bp.get("/certificates/<int:certificate_id>/renewal")
def renewal(certificate_id: int) -> tuple[str, int]:
    return _page(_certificate(certificate_id))


@bp.post("/certificates/<int:certificate_id>/renewal/activities")
def add_ce_activity(certificate_id: int) -> Response | tuple[str, int]:
    certificate = _certificate(certificate_id)
    typed = _typed()
    try:
        log.add_activity(db.session, certificate, typed, today=clock.today())
    except DomainError as exc:
        db.session.rollback()
        certificate = _certificate(certificate_id)
        problems = exc.problems or {}
        return _page(
            certificate,
            typed=typed,
            problems=problems,
            alert="" if problems else exc.message,
            status=exc.status,
        )
    flash(f"“{typed['title'].strip()}” is in your log.", "success")
    return _back(certificate, "#log")


@bp.post("/certificates/<int:certificate_id>/renewal/totals")
def ce_totals(certificate_id: int) -> tuple[Response, int]:
    """The totals with the activity as typed (JSON in, JSON out): the live update's server."""
    certificate = _certificate(certificate_id)
    payload = request.get_json(silent=True)
    typed = payload if isinstance(payload, dict) else {}
    typed = {
        "unit": str(typed.get("unit", ""))[:60],
        "amount": str(typed.get("amount", ""))[:60],
        "on_technology": bool(typed.get("on_technology")),
        "done_on": str(typed.get("done_on", ""))[:20],
    }
    rules = log.renewal_rules(certificate)
    rows = log.logged(log.unapplied_activities(db.session, certificate), rules)
    totals, note = log.typed_totals(
        rows,
        typed,
        rules,
        starts_on=log.period_starts_on(db.session, certificate),
        today=clock.today(),
    )
    return jsonify(
        message=totals.message,
        note=note,
        hours=totals.hours_text,
        technology_hours=totals.technology_text,
        enough=totals.enough,
    ), 200


@bp.post("/certificates/<int:certificate_id>/renewal/activities/<int:activity_id>/remove")
def remove_ce_activity(certificate_id: int, activity_id: int) -> Response | tuple[str, int]:
    certificate = _certificate(certificate_id)
    activity = _activity(certificate, activity_id)
    title = activity.title
    try:
        log.remove_activity(db.session, activity)
    except DomainError as exc:
        db.session.rollback()
        return _page(_certificate(certificate_id), alert=exc.message, status=exc.status)
    flash(f"“{title}” is removed from your log.", "success")
    return _back(certificate, "#log")


@bp.post("/certificates/<int:certificate_id>/renewal/activities/<int:activity_id>/proof")
def add_ce_proof(certificate_id: int, activity_id: int) -> Response | tuple[Response | str, int]:
    """A verified upload as the activity's proof (the upload widget posts JSON; a form works)."""
    certificate = _certificate(certificate_id)
    activity = _activity(certificate, activity_id)
    body = request.get_json(silent=True) if request.is_json else None
    upload_id = body.get("upload_id") if isinstance(body, dict) else request.form.get("upload_id")
    try:
        log.add_proof(db.session, activity, upload_id, actor=_me(), now=utcnow())
    except DomainError as exc:
        db.session.rollback()
        if request.is_json:
            return jsonify(error=exc.message, message=exc.message), exc.status
        return _page(_certificate(certificate_id), alert=exc.message, status=exc.status)
    if request.is_json:
        return jsonify(artifact_id=activity.id), 201
    flash(f"The proof of “{activity.title}” is added.", "success")
    return _back(certificate, "#log")


@bp.post("/certificates/<int:certificate_id>/renewal/apply")
def apply_for_renewal(certificate_id: int) -> Response | tuple[str, int]:
    certificate = _certificate(certificate_id)
    try:
        applications.apply_for_renewal(
            db.session, _me(), certificate, today=clock.today(), now=utcnow()
        )
    except DomainError as exc:
        db.session.rollback()
        return _page(_certificate(certificate_id), alert=exc.message, status=exc.status)
    flash("Your renewal application is with the program office.", "success")
    return _back(certificate, "#application")
