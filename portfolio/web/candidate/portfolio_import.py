"""A candidate brings the portfolio they exported from another installation: one zip, posted
straight to this page and imported inside the request, all or nothing
(services.portfolios.importing).

The zip comes as a bounded form post rather than through the presigned upload flow: an export
is read with seeks across the whole archive (its directory is at the end), the upload checks
refuse plain zips on purpose, and one request holds the whole import in one transaction, so a
refusal rolls everything back. The post's size is capped by PORTFOLIO_IMPORT_MAX_BYTES (checked
before a byte is read; Werkzeug spools the file to disk, never to memory), and the archive's
own limits (PORTFOLIO_IMPORT_*) bound what is unpacked. The CSRF token is checked here, once the
larger limit applies, since the usual check would read the body under MAX_CONTENT_LENGTH.
"""

from __future__ import annotations

from flask import current_app, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError, validate_csrf
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms.validators import ValidationError

from portfolio.domain.errors import DomainError
from portfolio.domain.portfolios.import_archive import ImportLimits
from portfolio.domain.uploads.transfer import human_size
from portfolio.extensions import csrf, db, limiter
from portfolio.models import PortfolioImport
from portfolio.models.base import utcnow
from portfolio.services.portfolios.importing import import_portfolio
from portfolio.storage_binding import get_store, limits_from
from portfolio.web import access
from portfolio.web.candidate import bp, loaders
from portfolio.web.input_guard import reads_raw_body
from portfolio.web.rate_keys import account_key

FORM_OVERHEAD = 64 * 1024  # the form's other field and the multipart framing


def import_limits() -> ImportLimits:
    config = current_app.config
    return ImportLimits(
        max_archive_bytes=int(config["PORTFOLIO_IMPORT_MAX_BYTES"]),
        max_total_bytes=int(config["PORTFOLIO_IMPORT_MAX_UNPACKED_BYTES"]),
        max_members=int(config["PORTFOLIO_IMPORT_MAX_ENTRIES"]),
        max_ratio=int(config["PORTFOLIO_IMPORT_MAX_RATIO"]),
    )


def _page(error: str = "", status: int = 200) -> tuple[str, int]:
    enrollment = loaders.current_enrollment()
    page = render_template(
        "candidate/portfolio_import.html",
        enrollment=enrollment,
        error=error,
        max_bytes=import_limits().max_archive_bytes,
    )
    return page, status


@bp.get("/portfolio/import")
def portfolio_import_page() -> tuple[str, int]:
    return _page()


def _import_limit() -> str:
    return str(current_app.config["PORTFOLIO_IMPORT_LIMIT"])


@bp.post("/portfolio/import")
@limiter.limit(_import_limit, key_func=account_key, scope="portfolio-import")
@csrf.exempt  # checked below, once the body may be read under this page's own limit
@reads_raw_body
def import_portfolio_zip() -> Response | tuple[str, int]:
    limits = import_limits()
    most = limits.max_archive_bytes + FORM_OVERHEAD
    if request.content_length is not None and request.content_length > most:
        return _page(
            f"This file is larger than the {human_size(limits.max_archive_bytes)} one import "
            "takes. Nothing was imported.",
            413,
        )
    request.max_content_length = most
    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError as exc:
        raise CSRFError(str(exc)) from None
    sent = request.files.get("archive")
    if sent is None or not sent.filename:
        return _page("Choose the zip file of your portfolio export.", 422)
    enrollment = loaders.current_enrollment()
    if enrollment is None:
        return _page("You are not enrolled in a program here, so there is nowhere to import.", 409)
    try:
        record = import_portfolio(
            db.session,
            get_store(),
            current_user,
            enrollment,
            sent.stream,
            name=sent.filename,
            now=utcnow(),
            limits=limits,
            upload_limits=limits_from(current_app.config),
        )
    except DomainError as exc:
        if exc.status >= 500:
            raise
        db.session.rollback()  # objects written for the refused import go after it
        return _page(exc.message, exc.status)
    return redirect(url_for("candidate.portfolio_import_result", import_id=record.id), code=303)


@bp.get("/portfolio/imports/<int:import_id>")
def portfolio_import_result(import_id: int) -> str:
    record = db.session.scalars(
        select(PortfolioImport).where(PortfolioImport.id == import_id)
    ).one_or_none()
    access.require_found(record)
    assert record is not None
    access.require_own(record.user_id)
    return render_template("candidate/portfolio_import_result.html", record=record)
