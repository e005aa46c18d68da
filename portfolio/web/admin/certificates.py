"""Certificates for administrators: the latest issued, one with the decision behind it, and
revoking one with a written reason. Routes join the admin blueprint, whose before_request
already requires an administrator; CSRF is checked for every POST by the app's CSRFProtect.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from portfolio.domain.errors import InvalidInput
from portfolio.extensions import db
from portfolio.services.certification import certificate_admin, overrides
from portfolio.web import clock
from portfolio.web.admin import bp
from portfolio.web.admin.review_forms import current_admin


@bp.get("/certificates")
def certificates() -> str:
    return render_template(
        "admin/certificates/index.html",
        rows=certificate_admin.latest_certificates(db.session, clock.today()),
        total=certificate_admin.count_certificates(db.session),
    )


@bp.get("/certificates/<int:certificate_id>")
def certificate(certificate_id: int) -> str:
    return _certificate_page(certificate_id)


def _certificate_page(certificate_id: int, *, error: str = "", reason: str = "") -> str:
    file = certificate_admin.certificate_file(db.session, certificate_id, clock.today())
    return render_template("admin/certificates/show.html", file=file, error=error, reason=reason)


@bp.post("/certificates/<int:certificate_id>/revoke")
def revoke_certificate(certificate_id: int) -> Response | tuple[str, int]:
    file = certificate_admin.certificate_file(db.session, certificate_id, clock.today())
    reason = request.form.get("reason", "")
    try:
        overrides.revoke(
            db.session,
            file.certificate,
            file.decision,
            actor=current_admin(),
            reason=reason,
            today=clock.today(),
        )
    except InvalidInput as exc:
        db.session.rollback()
        return _certificate_page(certificate_id, error=exc.message, reason=reason), exc.status
    flash(f"Certificate {file.certificate.number} is revoked.", "success")
    return redirect(url_for("admin.certificate", certificate_id=certificate_id))
