"""Scholarship pools: the gifts that awards are drawn from, what is left of each, adding one."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import Form, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from portfolio.domain.applications.fees import format_money
from portfolio.domain.errors import InvalidInput
from portfolio.domain.money import parse_amount
from portfolio.extensions import db
from portfolio.models import ScholarshipPool
from portfolio.services.applications import scholarships
from portfolio.web.admin import bp
from portfolio.web.exports import Column, export, export_format
from portfolio.web.form_errors import show_error


class PoolForm(Form):
    scholarship = SelectField("Scholarship")
    name = StringField(
        "Name of the gift (for example: 2026 gift from the Friends of the Library)",
        [DataRequired("Name the gift."), Length(max=scholarships.POOL_NAME_LIMIT)],
    )
    amount = StringField(
        "Amount given, in dollars (for example 1000.00)",
        [DataRequired("Enter the amount given.")],
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )


def _form(formdata: object = None) -> PoolForm:
    form = PoolForm(formdata, prefix="pool")  # type: ignore[arg-type]
    form.scholarship.choices = [
        SelectChoice(f"{slug}:{s.key}", f"{name}: {s.name}")
        for slug, name, s in scholarships.pooled_scholarships(db.session)
    ]
    return form


def _page(form: PoolForm) -> str:
    offered = {(slug, s.key): s for slug, _name, s in scholarships.pooled_scholarships(db.session)}
    return render_template(
        "admin/scholarship_pools.html",
        pools=scholarships.all_pools(db.session),
        offered=offered,
        form=form,
        money=lambda cents: format_money(cents, "USD"),
    )


def dollars(cents: int) -> float:
    return cents / 100


def _pool_columns() -> list[Column]:
    offered = {(slug, s.key): s for slug, _name, s in scholarships.pooled_scholarships(db.session)}

    def scholarship(pool: ScholarshipPool) -> str:
        found = offered.get((pool.program_slug, pool.scholarship_key))
        return found.name if found else pool.scholarship_key

    def awards_left(pool: ScholarshipPool) -> int | None:
        found = offered.get((pool.program_slug, pool.scholarship_key))
        return pool.remaining_cents // found.amount_cents if found and found.amount_cents else None

    return [
        ("Gift", lambda p: p.name),
        ("Program", lambda p: p.program_slug),
        ("Scholarship", scholarship),
        ("Given (USD)", lambda p: dollars(p.total_cents)),
        ("Awarded (USD)", lambda p: dollars(p.awarded_cents)),
        ("Left (USD)", lambda p: dollars(p.remaining_cents)),
        ("Awards left", awards_left),
        ("Recorded at", lambda p: p.created_at),
    ]


@bp.get("/scholarship-pools")
def scholarship_pools() -> str | Response:
    if kind := export_format():
        pools = scholarships.all_pools(db.session)
        return export(kind, "scholarship-pools", _pool_columns(), pools)
    return _page(_form())


@bp.post("/scholarship-pools")
def create_scholarship_pool() -> Response | tuple[str, int]:
    form = _form(request.form)
    if form.validate():
        slug, _, key = (form.scholarship.data or "").partition(":")
        try:
            scholarships.create_pool(
                db.session,
                actor=current_user._get_current_object(),
                program_slug=slug,
                scholarship_key=key,
                name=form.name.data or "",
                total_cents=parse_amount(form.amount.data or ""),
            )
        except InvalidInput as exc:
            show_error(form, exc)  # type: ignore[arg-type]
        else:
            flash(f"Pool recorded: {form.name.data}.", "success")
            return redirect(url_for("admin.scholarship_pools"))
    return _page(form), 422
