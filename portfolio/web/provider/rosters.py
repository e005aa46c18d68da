"""A provider imports a CSV roster of completions: every row is checked, and the file is
imported whole or not at all (services.courses.rosters). The file is read from the form post
(MAX_CONTENT_LENGTH bounds it), and the roster limits from the config bound the rest."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from portfolio.domain.errors import DomainError
from portfolio.extensions import db
from portfolio.models import Provider
from portfolio.services.courses import providers, rosters
from portfolio.web import clock
from portfolio.web.provider import bp
from portfolio.web.provider.completions import me, reportable_courses


def _limits() -> tuple[int, int]:
    config = current_app.config
    return (
        int(config.get("ROSTER_MAX_BYTES", rosters.DEFAULT_MAX_BYTES)),
        int(config.get("ROSTER_MAX_ROWS", rosters.DEFAULT_MAX_ROWS)),
    )


def _page(provider: Provider, result: rosters.RosterResult | None = None, error: str = "") -> str:
    max_bytes, max_rows = _limits()
    return render_template(
        "provider/rosters.html",
        provider=provider,
        courses=reportable_courses(provider),
        result=result,
        error=error,
        max_bytes=max_bytes,
        max_rows=max_rows,
    )


@bp.get("/provider/<slug>/rosters")
def rosters_page(slug: str) -> str:
    provider = providers.own_provider_by_slug(db.session, me(), slug)
    return _page(provider)


@bp.post("/provider/<slug>/rosters")
def import_roster(slug: str) -> Response | tuple[str, int]:
    provider = providers.own_provider_by_slug(db.session, me(), slug)
    upload = request.files.get("roster")
    if upload is None or not upload.filename:
        return _page(provider, error="Choose the CSV file of your roster."), 422
    max_bytes, max_rows = _limits()
    data = upload.stream.read(max_bytes + 1)
    try:
        result = rosters.import_roster(
            db.session,
            provider,
            data=data,
            name=upload.filename or "",
            actor=me(),
            today=clock.today(),
            max_bytes=max_bytes,
            max_rows=max_rows,
        )
    except DomainError as exc:
        db.session.rollback()
        provider = providers.own_provider_by_slug(db.session, me(), slug)
        return _page(provider, error=exc.message), exc.status
    if not result.ok:
        db.session.rollback()
        provider = providers.own_provider_by_slug(db.session, me(), slug)
        return _page(provider, result=result), 422
    if result.same_file:
        flash(
            "This file was imported already, so nothing changed "
            f"({result.roster.row_count if result.roster else 0} rows).",
            "info",
        )
    else:
        flash(
            f"The roster is imported: {result.recorded} completions recorded, "
            f"{result.on_record} already on record.",
            "success",
        )
    return redirect(url_for("provider.rosters_page", slug=provider.slug))
