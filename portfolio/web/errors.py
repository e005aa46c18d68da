"""The one place where errors become HTTP responses: an HTML page, or JSON under /api/."""

from __future__ import annotations

import logging
import time

from flask import Flask, Response, g, jsonify, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import (
    DBAPIError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, InternalServerError

from portfolio.domain.dates import format_wait
from portfolio.domain.errors import DomainError
from portfolio.extensions import db, limiter, login_manager
from portfolio.web.api.problems import is_api_request, problem_response

log = logging.getLogger(__name__)

TITLES = {
    400: "Bad request",
    401: "Not signed in",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    410: "No longer available",
    413: "Too large",
    422: "Could not accept this",
    429: "Too many attempts",
    500: "Something went wrong",
    503: "Temporarily unavailable",
}


CHANGED_MEANWHILE = (
    "Someone else (or you, in another tab) changed this at the same moment. "
    "Reload the page and try again."
)


DATABASE_DOWN = (
    "The database did not answer, so what you just did was not saved. Try again in a minute."
)


def _wait_for_limit() -> str:
    """How long until the limit this request hit lets it through (it may count per minute,
    hour or day; the Retry-After header says the same in seconds)."""
    hit = limiter.current_limit
    if hit is None:
        return "a minute"
    return format_wait(int(hit.reset_at - time.time()))


def _discard_failed_transaction() -> None:
    """Roll back, so rendering the error page can still read the signed-in user."""
    try:
        db.session.rollback()
    except SQLAlchemyError:
        log.exception("Rollback failed while handling an error")


def _wants_json() -> bool:
    # The API, and the Open Badges documents wallets and verifiers fetch (web/credentials.py).
    path = request.path
    return (
        path.startswith(("/api/", "/credentials/"))
        or path == "/issuer"
        or (path.startswith("/me/certificates/") and path.endswith(".json"))
    )


SIGNED_OUT = (
    "You were signed out, so this was not saved. What you typed is kept in this browser: sign "
    "in again and it will be put back."
)


def is_background_request() -> bool:
    """A script's request (autosave, previews, the upload widget, the API), which asks for JSON
    and cannot follow a redirect to the sign-in page."""
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def signed_out_response() -> tuple[Response, int]:
    """401 for a script whose session ended: what it says, and where to sign in again."""
    body = {"error": "Signed out", "message": SIGNED_OUT, "signed_out": True}
    return jsonify(body), 401


def error_response(status: int, message: str, field: str | None = None) -> tuple[Response, int]:
    if is_api_request():
        return problem_response(status, TITLES.get(status, "Error"), message, field), status
    # A page's own script (autosave, the preview) shows `message`: an HTML page would lose it.
    if _wants_json() or is_background_request():
        body: dict[str, object] = {"error": TITLES.get(status, "Error"), "message": message}
        if field:
            body["field"] = field
        return jsonify(body), status
    html = render_template(
        "error.html", status=status, title=TITLES.get(status, "Error"), message=message
    )
    return Response(html, status=status, mimetype="text/html"), status


def database_down_response() -> tuple[Response, int]:
    """503 for a database that failed mid-request, rendered without touching the database.

    The page is drawn as for a visitor (the signed-in person's roles would need a query); the
    session cookie is left alone, so they are still signed in on the next page.
    """
    _discard_failed_transaction()
    g._login_user = login_manager.anonymous_user()
    return error_response(503, DATABASE_DOWN)


def init_app(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError) -> tuple[Response, int]:
        # A conflict may surface from a failed flush: the page must not render on that session.
        _discard_failed_transaction()
        return error_response(exc.status, exc.message, exc.field)

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def database_error(exc: DBAPIError) -> tuple[Response, int]:
        # The connection was lost, refused or timed out: an outage, not a bug in this request.
        log.warning("Database unavailable on %s %s: %s", request.method, request.path, exc)
        return database_down_response()

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError) -> tuple[Response, int]:
        # An autosave after the session ended fails the CSRF check first (the token lived in
        # the session): tell the script it was signed out, so it keeps the text for later.
        if is_background_request() and not current_user.is_authenticated:
            return signed_out_response()
        return error_response(
            400, "This form has expired or was not sent from this site. Reload and try again."
        )

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> tuple[Response, int] | HTTPException:
        if exc.code is None or exc.code < 400:
            return exc
        message = exc.description or TITLES.get(exc.code, "Error")
        if exc.code == 429:
            message = f"Too many attempts. Wait {_wait_for_limit()}, then try again."
        response, status = error_response(exc.code, message)
        if exc.code == 429 and exc.get_response().headers.get("Retry-After"):
            response.headers["Retry-After"] = exc.get_response().headers["Retry-After"]
        return response, status

    @app.errorhandler(StaleDataError)
    @app.errorhandler(IntegrityError)
    def concurrent_change(exc: Exception) -> tuple[Response, int]:
        # Version columns and unique constraints are how races surface; neither is a crash.
        log.info("Concurrent change on %s %s: %s", request.method, request.path, exc)
        _discard_failed_transaction()
        return error_response(409, CHANGED_MEANWHILE)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> tuple[Response, int]:
        # Logged in full for operators; users see a plain message and never a traceback.
        log.exception("Unhandled error on %s %s", request.method, request.path)
        _discard_failed_transaction()
        if isinstance(exc, InternalServerError) and exc.original_exception is not None:
            exc = exc.original_exception  # type: ignore[assignment]
        return error_response(500, "Something went wrong on our side. Please try again.")
