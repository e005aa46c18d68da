"""Administering a draft's competency sets and competencies: add, edit, remove, move.

Each view loads the framework and the part named in the URL (404 unless the part belongs to
that framework), refuses published versions (409, via the draft service) and acts.
"""

from __future__ import annotations

from flask import flash, render_template, request
from werkzeug.wrappers import Response

from portfolio.domain.errors import BadRequest, InvalidInput, NotFound
from portfolio.extensions import db
from portfolio.models import Competency, CompetencySet, Framework
from portfolio.services.programs import drafts, versions
from portfolio.web.admin import bp
from portfolio.web.admin.framework_forms import (
    SetForm,
    competency_fields,
    competency_form,
    show_service_error,
)
from portfolio.web.admin.framework_loading import actor, load_framework, to_editor

PREFIX = "/frameworks/<int:framework_id>"
OFFSETS = {"up": -1, "down": 1}


def load_set(framework: Framework, set_id: int) -> CompetencySet:
    found = next((s for s in framework.sets if s.id == set_id), None)
    if found is None:
        raise NotFound("We could not find that competency set.")
    return found


def load_competency(framework: Framework, competency_id: int) -> Competency:
    for competency_set in framework.sets:
        for competency in competency_set.competencies:
            if competency.id == competency_id:
                return competency
    raise NotFound("We could not find that competency.")


def _offset() -> int:
    direction = request.form.get("direction", "")
    if direction not in OFFSETS:
        raise BadRequest("Choose to move up or down.")
    return OFFSETS[direction]


@bp.route(f"{PREFIX}/sets/new", methods=["GET", "POST"])
def framework_set_new(framework_id: int) -> Response | str | tuple[str, int]:
    framework = load_framework(framework_id)
    drafts.require_draft(framework)
    form = SetForm()
    if form.validate_on_submit():
        try:
            added = drafts.add_set(
                db.session,
                framework,
                code=form.code.data or "",
                name=form.name.data or "",
                kind=form.kind.data or "",
                scope=form.scope.data or "",
                actor=actor(),
            )
        except InvalidInput as exc:
            show_service_error(form, exc)
        else:
            flash(f"Set {added.code} added.", "success")
            return to_editor(framework, f"set-{added.code}")
    return _page("admin/frameworks/set_form.html", form, framework=framework, competency_set=None)


@bp.route(f"{PREFIX}/sets/<int:set_id>/", methods=["GET", "POST"])
def framework_set_edit(framework_id: int, set_id: int) -> Response | str | tuple[str, int]:
    framework = load_framework(framework_id)
    competency_set = load_set(framework, set_id)
    drafts.require_draft(framework)
    form = SetForm(obj=competency_set)
    if form.validate_on_submit():
        try:
            drafts.update_set(
                db.session,
                competency_set,
                code=form.code.data or "",
                name=form.name.data or "",
                kind=form.kind.data or "",
                scope=form.scope.data or "",
                actor=actor(),
            )
        except InvalidInput as exc:
            show_service_error(form, exc)
        else:
            flash(f"Set {competency_set.code} saved.", "success")
            return to_editor(framework, f"set-{competency_set.code}")
    return _page(
        "admin/frameworks/set_form.html", form, framework=framework, competency_set=competency_set
    )


@bp.post(f"{PREFIX}/sets/<int:set_id>/remove")
def framework_set_remove(framework_id: int, set_id: int) -> Response:
    framework = load_framework(framework_id)
    competency_set = load_set(framework, set_id)
    drafts.remove_set(db.session, competency_set, actor())
    flash(f"Set {competency_set.code} and its competencies removed.", "success")
    return to_editor(framework, "sets")


@bp.post(f"{PREFIX}/sets/<int:set_id>/move")
def framework_set_move(framework_id: int, set_id: int) -> Response:
    framework = load_framework(framework_id)
    competency_set = load_set(framework, set_id)
    drafts.move_set(db.session, competency_set, _offset(), actor())
    return to_editor(framework, f"set-{competency_set.code}")


@bp.route(f"{PREFIX}/sets/<int:set_id>/competencies/new", methods=["GET", "POST"])
def framework_competency_new(framework_id: int, set_id: int) -> Response | str | tuple[str, int]:
    framework = load_framework(framework_id)
    competency_set = load_set(framework, set_id)
    drafts.require_draft(framework)
    form = competency_form(framework)
    if form.validate_on_submit():
        fields = competency_fields(form, framework)
        try:
            added = drafts.add_competency(db.session, competency_set, fields, actor())
        except InvalidInput as exc:
            show_service_error(form, exc)
        else:
            flash(f"Competency {added.code} added.", "success")
            return to_editor(framework, f"competency-{added.code}")
    return _page(
        "admin/frameworks/competency_form.html",
        form,
        framework=framework,
        competency_set=competency_set,
        competency=None,
    )


@bp.route(f"{PREFIX}/competencies/<int:competency_id>/", methods=["GET", "POST"])
def framework_competency_edit(
    framework_id: int, competency_id: int
) -> Response | str | tuple[str, int]:
    framework = load_framework(framework_id)
    competency = load_competency(framework, competency_id)
    drafts.require_draft(framework)
    form = competency_form(framework, competency)
    if form.validate_on_submit():
        fields = competency_fields(form, framework)
        try:
            drafts.update_competency(db.session, competency, fields, actor())
        except InvalidInput as exc:
            show_service_error(form, exc)
        else:
            flash(f"Competency {competency.code} saved.", "success")
            return to_editor(framework, f"competency-{competency.code}")
    return _page(
        "admin/frameworks/competency_form.html",
        form,
        framework=framework,
        competency_set=competency.competency_set,
        competency=competency,
    )


@bp.post(f"{PREFIX}/competencies/<int:competency_id>/remove")
def framework_competency_remove(framework_id: int, competency_id: int) -> Response:
    framework = load_framework(framework_id)
    competency = load_competency(framework, competency_id)
    code, set_code = competency.code, competency.competency_set.code
    drafts.remove_competency(db.session, competency, actor())
    flash(f"Competency {code} removed.", "success")
    return to_editor(framework, f"set-{set_code}")


@bp.post(f"{PREFIX}/competencies/<int:competency_id>/move")
def framework_competency_move(framework_id: int, competency_id: int) -> Response:
    framework = load_framework(framework_id)
    competency = load_competency(framework, competency_id)
    drafts.move_competency(db.session, competency, _offset(), actor())
    return to_editor(framework, f"competency-{competency.code}")


def _page(template: str, form: object, **context: object) -> str | tuple[str, int]:
    """The form page; 422 when it comes back from a rejected post."""
    page = render_template(template, form=form, **context)
    return (page, 422) if request.method == "POST" else page


@bp.post(f"{PREFIX}/competencies/<int:competency_id>/confirm")
def framework_competency_confirm(framework_id: int, competency_id: int) -> Response:
    """Confirm a provisional competency of a published version (see confirm_competency)."""
    framework = load_framework(framework_id)
    competency = load_competency(framework, competency_id)
    versions.confirm_competency(db.session, framework, competency, actor())
    flash(
        f"{competency.code} is confirmed: it is now required and counts toward its set.", "success"
    )
    return to_editor(framework, f"set-{competency.competency_set.code}")
