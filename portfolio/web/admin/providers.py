"""Course providers for the office: the list (searched, filtered by kind, paged and downloadable
like every admin list), creating one, and adding the people who act for
it. Routes join the admin blueprint (administrator required before each request)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from portfolio.domain.errors import Conflict, InvalidInput
from portfolio.extensions import db
from portfolio.models import Provider
from portfolio.services.courses import providers
from portfolio.web.admin import bp
from portfolio.web.admin.review_forms import current_admin, require_found
from portfolio.web.exports import export, export_format, export_rows
from portfolio.web.listing import list_request

PROVIDER_COLUMNS = (
    ("Provider", lambda p: p.name),
    ("Kind", lambda p: providers.KIND_LABELS[p.kind]),
    ("Website", lambda p: p.website),
    ("Created at", lambda p: p.created_at),
    ("Acting for it", lambda p: "; ".join(f"{m.user.name} <{m.user.email}>" for m in p.members)),
)


def _page(
    problems: dict[str, str] | None = None, member_error: tuple[int, str] | None = None
) -> str:
    spec = providers.PROVIDER_LIST
    return render_template(
        "admin/providers.html",
        found=providers.list_providers(db.session, list_request(spec)),
        spec=spec,
        kinds=providers.KIND_LABELS,
        problems=problems or {},
        member_error=member_error,
        values=request.form,
    )


@bp.get("/providers")
def course_providers() -> str | Response:
    if kind := export_format():
        asked = list_request(providers.PROVIDER_LIST)
        rows = export_rows(providers.providers_query(asked), asked)
        return export(kind, "course-providers", PROVIDER_COLUMNS, rows)
    return _page()


def _shown(provider: Provider) -> str:
    """The list with `provider` on it (found by its name), at its section."""
    return url_for("admin.course_providers", q=provider.name) + f"#provider-{provider.id}"


@bp.post("/providers")
def create_course_provider() -> Response | tuple[str, int]:
    form = request.form
    try:
        provider = providers.create_provider(
            db.session,
            actor=current_admin(),
            name=form.get("name", ""),
            kind=form.get("kind", ""),
            website=form.get("website", ""),
            description=form.get("description", ""),
        )
    except (InvalidInput, Conflict) as exc:
        return _page(problems=exc.problems or {"name": exc.message}), exc.status
    flash(f"{provider.name} is created. Add the people who act for it.", "success")
    return redirect(_shown(provider))


@bp.post("/providers/<int:provider_id>/members")
def add_provider_member(provider_id: int) -> Response | tuple[str, int]:
    provider = db.session.get(Provider, provider_id)
    require_found(provider, "provider")
    assert provider is not None
    try:
        member = providers.add_member_by_email(
            db.session, provider, request.form.get("email", ""), actor=current_admin()
        )
    except (InvalidInput, Conflict) as exc:
        return _page(member_error=(provider.id, exc.message)), exc.status
    flash(f"{member.user.name} now acts for {provider.name}.", "success")
    return redirect(_shown(provider))
