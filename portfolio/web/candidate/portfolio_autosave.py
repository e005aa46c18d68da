"""JSON endpoints for static/js: autosaving drafts and the live preview of a narrative.

They answer JSON for every outcome a candidate can cause (the error pages of web/errors.py are
HTML outside /api/), so the script can show the message and keep the text in the textarea.
"""

from __future__ import annotations

from flask import Response, current_app, jsonify, request
from flask_login import current_user

from portfolio.domain.errors import BadRequest, DomainError
from portfolio.domain.portfolios.evidence import MAX_NARRATIVE, clean_text
from portfolio.domain.portfolios.narrative import render_markdown
from portfolio.extensions import db, limiter
from portfolio.models.base import utcnow
from portfolio.services.portfolios import entries as portfolios
from portfolio.web.candidate import bp, loaders
from portfolio.web.rate_keys import account_key


def json_error(exc: DomainError) -> tuple[Response, int]:
    body: dict[str, object] = {"error": type(exc).__name__, "message": exc.message}
    if exc.field:
        body["field"] = exc.field
    return jsonify(body), exc.status


def _text_and_version() -> tuple[str, int]:
    text = request.form.get("text")
    version = request.form.get("version", type=int)
    if text is None or version is None:
        raise BadRequest("Send the text and the version it was loaded at.")
    return text, version


def _saved(version: int) -> Response:
    return jsonify(saved=True, version=version, saved_at=utcnow().isoformat(timespec="seconds"))


@bp.post("/portfolio/statement/autosave")
def autosave_statement() -> Response | tuple[Response, int]:
    portfolio = loaders.load_own_portfolio_to_edit()
    try:
        text, version = _text_and_version()
        portfolios.update_learning_statement(
            db.session, portfolio, text, version, actor=current_user._get_current_object()
        )
    except DomainError as exc:
        return json_error(exc)
    return _saved(portfolio.version)


@bp.post("/portfolio/entries/<int:entry_id>/autosave")
def autosave_entry(entry_id: int) -> Response | tuple[Response, int]:
    entry = loaders.load_own_entry(entry_id)
    try:
        text, version = _text_and_version()
        portfolios.update_narrative(
            db.session, entry, text, version, actor=current_user._get_current_object()
        )
    except DomainError as exc:
        return json_error(exc)
    return _saved(entry.version)


def _preview_limit() -> str:
    return str(current_app.config.get("PREVIEW_LIMIT", "60 per minute"))


@bp.post("/portfolio/preview")
@limiter.limit(_preview_limit, key_func=account_key, scope="preview")
def preview() -> Response | tuple[Response, int]:
    """The sanitized HTML of the Markdown in `text`, as the narrative will be shown: 422 when
    longer than a narrative may be (which also bounds the time the render takes), 429 past
    PREVIEW_LIMIT requests of the account."""
    try:
        text = clean_text(
            request.form.get("text", ""), field="text", label="The text", limit=MAX_NARRATIVE
        )
    except DomainError as exc:
        return json_error(exc)
    return jsonify(html=render_markdown(text))
