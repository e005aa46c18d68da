"""The public certificate check: anyone, signed in or not, looks a certificate up by its number.

The page says who holds it, for which program, and whether it is valid today; nothing else about
the person. An unknown number gets one and the same answer whatever the reason, and lookups are
rate-limited per client address so numbers cannot be walked.
"""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import Form, StringField
from wtforms.validators import DataRequired, Length

from portfolio.domain.errors import InvalidInput
from portfolio.extensions import db, limiter
from portfolio.models.base import utcnow
from portfolio.services.certification import numbers as certificates
from portfolio.services.certification import open_badges
from portfolio.web.form_errors import show_error

bp = Blueprint("certificates", __name__, url_prefix="/certificates")


class CertificateNumberForm(Form):
    """A GET form: it reads and changes nothing, so it carries no CSRF token."""

    number = StringField(
        "Certificate number",
        validators=[
            DataRequired("Enter the certificate number."),
            Length(max=100, message=certificates.NUMBER_FORMAT),
        ],
        render_kw={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"},
    )


def _lookup_limit() -> str:
    return str(current_app.config.get("CERTIFICATE_LOOKUP_LIMIT", "30 per minute"))


@bp.get("")
def check() -> Response | tuple[str, int]:
    form = CertificateNumberForm(request.args)
    if "number" not in request.args:
        return render_template("certificates/check.html", form=form), 200
    if form.validate():
        number = certificates.normalise_number(form.number.data or "")
        if number is not None:
            return redirect(url_for("certificates.show", number=number))
        form.number.errors = [certificates.NUMBER_FORMAT]
    return render_template("certificates/check.html", form=form), 422


@bp.get("/<number>")
@limiter.limit(_lookup_limit, key_func=get_remote_address, scope="certificate-lookup")
def show(number: str) -> tuple[str, int]:
    form = CertificateNumberForm(data={"number": number})
    try:
        certificate = certificates.certificate_for_number(db.session, number)
    except InvalidInput as exc:
        show_error(form, exc)
        return render_template("certificates/check.html", form=form), 422
    if certificate is None:
        return render_template("certificates/not_found.html", form=form), 404
    today = utcnow().date()
    credential = open_badges.latest_credential(db.session, certificate)
    return render_template(
        "certificates/show.html",
        certificate=certificate,
        status=certificates.status_of(certificate, today),
        today=today,
        credential_id=credential.public_id if credential else None,
        is_holder=current_user.is_authenticated and current_user.id == certificate.user_id,
    ), 200
