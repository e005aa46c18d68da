"""The candidate takes their portfolio with them: a zip of an offline HTML index that reads
like the portfolio, portfolio.json (schemas/portfolio-export-1.schema.json, included) and every
file, streamed as it is written (web/zip_stream.py), for portfolios of several gigabytes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from flask import Response, render_template, stream_with_context
from flask_login import current_user
from markupsafe import Markup

from portfolio.domain.errors import NotFound
from portfolio.extensions import db
from portfolio.models.base import utcnow
from portfolio.services.portfolios.export import portfolio_export
from portfolio.services.uploads import staged_parts
from portfolio.storage_binding import get_store
from portfolio.web.candidate import bp, loaders
from portfolio.web.zip_stream import zip_stream

SCHEMA = Path(__file__).resolve().parents[3] / "schemas" / "portfolio-export-1.schema.json"


@bp.get("/portfolio/export.zip")
def export_portfolio() -> Response:
    enrollment = loaders.current_enrollment()
    if enrollment is None:
        raise NotFound("You have no portfolio to take with you yet.")
    now = utcnow()
    document, files, html = portfolio_export(db.session, current_user, enrollment, now)
    index = render_template(
        "candidate/portfolio_export_index.html",
        document=document,
        # Each text's HTML from html_to_show: the one stored when it was saved (nh3 cleaned it
        # then), or, for an older renderer's, rendered and cleaned now.
        statement=Markup(html.learning_statement),  # noqa: S704 - nh3-cleaned (html_to_show)
        narratives={
            key: Markup(value)  # noqa: S704 - nh3-cleaned (html_to_show)
            for key, value in html.narratives.items()
        },
        artifacts={a["id"]: a for a in document["artifacts"]},
    )
    store = get_store()
    read = staged_parts.reader_for(db.session, store, [item.key for item in files])

    def members() -> Iterator[tuple[str, object, Iterator[bytes]]]:
        yield "index.html", now, iter([index.encode("utf-8")])
        yield "portfolio.json", now, iter([json.dumps(document, indent=2).encode("utf-8")])
        yield SCHEMA.name, now, iter([SCHEMA.read_bytes()])
        for item in files:
            yield item.path, now, read(item.key)

    name = f"portfolio-{enrollment.framework.slug}-{now.date().isoformat()}.zip"
    return Response(
        stream_with_context(zip_stream(members())),  # type: ignore[arg-type]
        mimetype="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
