"""Certificates for administrators: the latest issued, one with the decision behind it, and
revoking one with a written reason and an optional public statement. Routes join the admin
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
from portfolio.domain.errors import InvalidInput
from portfolio.extensions import db
from portfolio.services.certification import certificate_admin, overrides
from portfolio.web import clock
from portfolio.web.admin import bp
from portfolio.web.admin.review_forms import current_admin
from portfolio.web.exports import export, export_format, export_rows
from portfolio.web.listing import list_request

CERTIFICATE_COLUMNS = (
    ("Number", lambda c: c.number),
    ("Holder", lambda c: c.holder_name),
    ("Program", lambda c: c.program),
    ("Issued on", lambda c: c.issued_on),
    ("Valid until", lambda c: c.expires_on),
    ("Status", lambda c: c.status.label),
)


@bp.get("/certificates")
def certificates() -> str | Response:
    spec = certificate_admin.CERTIFICATE_LIST
    asked, today = list_request(spec), clock.today()
    if kind := export_format():
        query = certificate_admin.certificates_query(asked, today)
        rows = export_rows(query, asked)
        return export(kind, "certificates", CERTIFICATE_COLUMNS, rows)
    found = certificate_admin.list_certificates(db.session, asked, today)
    return render_template("admin/certificates/index.html", found=found, spec=spec)


@bp.get("/certificates/<int:certificate_id>")
def certificate(certificate_id: int) -> str:
    return _certificate_page(certificate_id)


def _certificate_page(
    certificate_id: int,
    *,
    errors: dict[str, str] | None = None,
    reason: str = "",
    public_statement: str = "",
) -> str:
    file = certificate_admin.certificate_file(db.session, certificate_id, clock.today())
    return render_template(
        "admin/certificates/show.html",
        file=file,
        errors=errors or {},
        reason=reason,
        public_statement=public_statement,
        statement_max=PUBLIC_STATEMENT_MAX,
        default_statement=DEFAULT_PUBLIC_STATEMENT,
    )


@bp.post("/certificates/<int:certificate_id>/revoke")
def revoke_certificate(certificate_id: int) -> Response | tuple[str, int]:
    file = certificate_admin.certificate_file(db.session, certificate_id, clock.today())
    reason = request.form.get("reason", "")
    public_statement = request.form.get("public_statement", "")
    try:
        overrides.revoke(
            db.session,
            file.certificate,
            file.decision,
            actor=current_admin(),
            reason=reason,
            today=clock.today(),
            public_statement=public_statement,
        )
    except InvalidInput as exc:
        db.session.rollback()
        page = _certificate_page(
            certificate_id,
            errors={exc.field or "reason": exc.message},
            reason=reason,
            public_statement=public_statement,
        )
        return page, exc.status
    flash(f"Certificate {file.certificate.number} is revoked.", "success")
    return redirect(url_for("admin.certificate", certificate_id=certificate_id))
