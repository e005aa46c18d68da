"""A candidate brings the portfolio they exported from another installation: one zip, posted
straight to this page and imported inside the request, all or nothing
(services.portfolios.importing); or, for an export too large for that (several GB), sent
through the resumable upload flow and imported by a job (services.portfolios.import_jobs),
whose page shows it waiting, importing, done or refused.

Both stay: the post needs no JavaScript and answers at once for the usual export, while the
upload flow (which needs the widget) takes exports of any size up to
PORTFOLIO_IMPORT_MAX_UPLOAD_BYTES, resumes after a dropped connection, and never holds a
request (or a gunicorn worker) for the import.

The zip comes as a bounded form post rather than through the presigned upload flow: an export
is read with seeks across the whole archive (its directory is at the end), the upload checks
refuse plain zips on purpose, and one request holds the whole import in one transaction, so a
refusal rolls everything back. The post's size is capped by PORTFOLIO_IMPORT_MAX_BYTES (checked
before a byte is read; Werkzeug spools the file to disk, never to memory), and the archive's
own limits (PORTFOLIO_IMPORT_*) bound what is unpacked. The CSRF token is checked here, once the
larger limit applies, since the usual check would read the body under MAX_CONTENT_LENGTH.
"""

from __future__ import annotations

from flask import current_app, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError, validate_csrf
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms.validators import ValidationError

from portfolio.domain.errors import Conflict, DomainError
from portfolio.domain.portfolios.import_archive import ImportLimits
from portfolio.domain.uploads.transfer import human_size
from portfolio.extensions import csrf, db, limiter
from portfolio.models import Enrollment, ImportStatus, PortfolioImport
from portfolio.models.base import utcnow
from portfolio.services.portfolios import import_jobs
from portfolio.services.portfolios.importing import import_limits_from, import_portfolio
from portfolio.services.uploads.verification import check_lease_from
from portfolio.storage_binding import get_store, limits_from
from portfolio.web import access
from portfolio.web.candidate import bp, loaders
from portfolio.web.candidate.portfolio_autosave import json_error
from portfolio.web.input_guard import reads_raw_body
from portfolio.web.params import is_small_int
from portfolio.web.rate_keys import account_key

FORM_OVERHEAD = 64 * 1024  # the form's other field and the multipart framing


def import_limits() -> ImportLimits:
    return import_limits_from(current_app.config)


def _page(error: str = "", status: int = 200) -> tuple[str, int]:
    enrollment = loaders.current_enrollment()
    page = render_template(
        "candidate/portfolio_import.html",
        enrollment=enrollment,
        error=error,
        latest=import_jobs.latest_import(db.session, current_user.id),
        max_bytes=import_limits().max_archive_bytes,
        max_upload_bytes=limits_from(current_app.config).import_max_bytes,
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


@bp.post("/portfolio/imports")
@limiter.limit(_import_limit, key_func=account_key, scope="portfolio-import")
def request_uploaded_import() -> tuple[Response, int]:
    """{upload_id}: import a checked export upload (the upload widget posts here once the zip
    is checked). 201 with the import's page as "location"; the job runs after the commit."""
    body = request.get_json(silent=True)
    data = body if isinstance(body, dict) else {}
    upload_id = data.get("upload_id")
    if isinstance(upload_id, str) and is_small_int(upload_id):
        upload_id = int(upload_id)
    enrollment = loaders.current_enrollment()
    try:
        if enrollment is None:
            raise Conflict("You are not enrolled in a program here, so there is nowhere to import.")
        record = import_jobs.request_import(
            db.session, current_user, enrollment, upload_id, now=utcnow()
        )
    except DomainError as exc:
        return json_error(exc)
    location = url_for("candidate.portfolio_import_result", import_id=record.id)
    reply = jsonify(import_id=record.id, status=record.status.value, location=location)
    reply.headers["Location"] = location
    return reply, 201


def _own_import(import_id: int) -> PortfolioImport:
    record = db.session.scalars(
        select(PortfolioImport)
        .where(PortfolioImport.id == import_id)
        .execution_options(populate_existing=True)  # the job changes it in a session of its own
    ).one_or_none()
    access.require_found(record)
    assert record is not None
    access.require_own(record.user_id)
    return record


@bp.get("/portfolio/imports/<int:import_id>")
def portfolio_import_result(import_id: int) -> str:
    record = _own_import(import_id)
    lease = check_lease_from(current_app.config)
    enrollment = db.session.get(Enrollment, record.enrollment_id)
    return render_template(
        "candidate/portfolio_import_result.html",
        record=record,
        enrolled_version=enrollment.framework.version if enrollment else None,
        statuses=ImportStatus,
        may_retry=import_jobs.may_retry(record, utcnow(), lease),
    )


@bp.get("/portfolio/imports/<int:import_id>/status")
def portfolio_import_status(import_id: int) -> Response:
    """{status}: what the import's page polls while it waits (it reloads once this changes)."""
    return jsonify(status=_own_import(import_id).status.value)


@bp.post("/portfolio/imports/<int:import_id>/retry")
@limiter.limit(_import_limit, key_func=account_key, scope="portfolio-import")
def retry_portfolio_import(import_id: int) -> Response | tuple[str, int]:
    """Queue again an import whose job gave up or whose run died (its zip is still kept)."""
    record = _own_import(import_id)
    lease = check_lease_from(current_app.config)
    try:
        import_jobs.retry_import(db.session, record, now=utcnow(), lease=lease)
    except DomainError as exc:
        if exc.status >= 500:
            raise
        page = render_template(
            "candidate/portfolio_import_result.html",
            record=record,
            statuses=ImportStatus,
            may_retry=False,
            error=exc.message,
        )
        return page, exc.status
    return redirect(url_for("candidate.portfolio_import_result", import_id=record.id), code=303)
