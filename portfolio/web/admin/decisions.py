"""Certification decisions for administrators: the latest recorded (certified or not), one with
its reasons and history, and overriding one with a written reason. Routes join the admin
blueprint, whose before_request already requires an administrator; CSRF is checked for every
POST by the app's CSRFProtect.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from portfolio.domain.certification.revocation import (
    DEFAULT_PUBLIC_STATEMENT,
    PUBLIC_STATEMENT_MAX,
)
from portfolio.domain.errors import Conflict, InvalidInput
from portfolio.domain.reasons import REASON_MAX
from portfolio.extensions import db
from portfolio.models import DecisionStatus
from portfolio.services.certification import overrides
from portfolio.web import clock
from portfolio.web.admin import bp
from portfolio.web.admin.review_forms import current_admin
from portfolio.web.exports import export, export_format, export_rows
from portfolio.web.listing import list_request

DECISION_COLUMNS = (
    ("Candidate", lambda d: d.candidate),
    ("Program", lambda d: d.program),
    ("Decision", lambda d: d.status.label),
    ("Decided at", lambda d: d.decided_at),
    ("Overridden", lambda d: d.overridden),
)


@bp.get("/decisions")
def decisions() -> str | Response:
    spec = overrides.DECISION_LIST
    asked = list_request(spec)
    if kind := export_format():
        rows = export_rows(overrides.decisions_query(asked), asked)
        return export(kind, "decisions", DECISION_COLUMNS, rows)
    found = overrides.list_decisions(db.session, asked)
    return render_template("admin/decisions/index.html", found=found, spec=spec)


@bp.get("/decisions/<int:decision_id>")
def decision(decision_id: int) -> str:
    return _decision_page(decision_id)


def _decision_page(
    decision_id: int,
    *,
    error: str = "",
    error_field: str | None = None,
    conflict: str = "",
    reason: str = "",
    public_statement: str = "",
) -> str:
    return render_template(
        "admin/decisions/show.html",
        file=overrides.decision_file(db.session, decision_id),
        error=error,
        error_field=error_field,
        conflict=conflict,
        reason=reason,
        limit=REASON_MAX,
        public_statement=public_statement,
        statement_max=PUBLIC_STATEMENT_MAX,
        default_statement=DEFAULT_PUBLIC_STATEMENT,
    )


@bp.post("/decisions/<int:decision_id>/override")
def override_decision(decision_id: int) -> Response | tuple[str, int]:
    file = overrides.decision_file(db.session, decision_id)
    reason = request.form.get("reason", "")
    statement = request.form.get("public_statement", "")
    typed = {"reason": reason, "public_statement": statement}
    try:
        status = _status(request.form.get("status", ""))
        overrides.override_decision(
            db.session,
            file.decision,
            actor=current_admin(),
            status=status,
            reason=reason,
            today=clock.today(),
            public_statement=statement,
        )
    except InvalidInput as exc:
        db.session.rollback()  # show the decision as stored, not half-changed
        page = _decision_page(decision_id, error=exc.message, error_field=exc.field, **typed)
        return page, exc.status
    except Conflict as exc:
        db.session.rollback()
        return _decision_page(decision_id, conflict=exc.message, **typed), exc.status
    flash(f"The decision is now {status.label}.", "success")
    return redirect(url_for("admin.decision", decision_id=decision_id))


def _status(value: str) -> DecisionStatus:
    try:
        return DecisionStatus(value)
    except ValueError:
        raise InvalidInput("Choose the new decision.", field="status") from None
