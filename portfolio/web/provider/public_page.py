"""A provider's public page: who they are and their approved courses (GET only, anyone)."""

from __future__ import annotations

from flask import render_template

from portfolio.extensions import db
from portfolio.services.courses import provider_page, providers
from portfolio.web import clock
from portfolio.web.provider import bp


@bp.get("/providers/<slug>")
def public_page(slug: str) -> str:
    provider = providers.provider_by_slug(db.session, slug[:80])
    courses = provider_page.approved_courses(db.session, provider, clock.today())
    return render_template(
        "provider/public.html",
        provider=provider,
        courses=courses,
        kind_label=providers.KIND_LABELS[provider.kind],
    )
