"""The public catalogue of approved courses: GET only, no sign-in. A filter value that cannot
be used is ignored and said so on the page, never a 500."""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for

from portfolio.domain.courses.catalogue import FORMATS, read_filters
from portfolio.extensions import db
from portfolio.services.courses import catalogue
from portfolio.web import clock

bp = Blueprint("catalogue", __name__)

KEPT = ("q", "set", "provider", "format", "synchronous", "approved_from", "approved_to")


@bp.get("/courses")
def index() -> str:
    filters, problems = read_filters(request.args)
    today = clock.today()
    page = catalogue.search(db.session, filters, today)
    sets, providers = catalogue.filter_choices(db.session, today)
    if filters.provider and all(p.slug != filters.provider for p in providers):
        problems.append("No provider with that name has approved courses now.")
    kept = {key: request.args[key][:100] for key in KEPT if request.args.get(key)}

    def page_link(number: int) -> str:
        return url_for("catalogue.index", **kept, page=number, per_page=filters.per_page)

    return render_template(
        "courses/catalogue.html",
        filters=filters,
        problems=problems,
        page=page,
        sets=sets,
        providers=providers,
        formats=FORMATS,
        page_link=page_link,
    )
