"""Administering frameworks: the list of versions, the draft editor, publish and retire.

Routes join the admin blueprint, whose before_request already requires an administrator.
Published versions are shown read-only; every change goes through services.programs.drafts,
which refuses them with 409. Sets and competencies are edited in framework_parts.
"""

from __future__ import annotations

from typing import Any

from flask import flash, render_template, request
from werkzeug.wrappers import Response

from portfolio.domain.errors import Conflict, FrameworkFileError, InvalidInput
from portfolio.extensions import db
from portfolio.models import Framework, FrameworkStatus
from portfolio.services.programs import drafts
from portfolio.services.programs import versions as framework_service
from portfolio.services.programs.documents import export_document, ordered_rules
from portfolio.services.programs.files import dump_yaml, parse_rules_text, validate_document
from portfolio.services.programs.queries import list_versions
from portfolio.web.admin import bp
from portfolio.web.admin.framework_forms import (
    DetailsForm,
    EditorForm,
    RulesForm,
    rubric_form,
    show_service_error,
)
from portfolio.web.admin.framework_loading import actor, load_framework, to_editor
from portfolio.web.frameworks import program_page


@bp.get("/frameworks")
def frameworks() -> str:
    return render_template("admin/frameworks/index.html", versions=list_versions(db.session))


@bp.get("/frameworks/<int:framework_id>/")
def framework(framework_id: int) -> str:
    return editor_page(load_framework(framework_id))


def editor_page(
    framework: Framework,
    *,
    details: EditorForm | None = None,
    rules: EditorForm | None = None,
    rubric: EditorForm | None = None,
) -> str:
    """The editor of a draft (forms pre-filled unless given), or a published version read-only."""
    context: dict[str, Any] = program_page(framework)
    if framework.is_editable:
        rules_text = dump_yaml(ordered_rules(framework.rules))
        context.update(
            details=details or DetailsForm(prefix="details", obj=framework),
            rules_form=rules or RulesForm(prefix="rules", data={"rules": rules_text}),
            rubric=rubric or rubric_form(framework),
            publish_problem=publish_problem(framework),
        )
    return render_template("admin/frameworks/edit.html", admin=True, **context)


def publish_problem(framework: Framework) -> str | None:
    """Why this draft cannot be published yet, or None."""
    try:
        validate_document(export_document(framework))
    except FrameworkFileError as exc:
        return exc.message
    return None


@bp.post("/frameworks/<int:framework_id>/details")
def framework_details(framework_id: int) -> Response | tuple[str, int]:
    framework = load_framework(framework_id)
    drafts.require_draft(framework)
    form = DetailsForm(prefix="details")
    if form.validate_on_submit():
        try:
            drafts.update_details(
                db.session,
                framework,
                name=form.name.data or "",
                description=form.description.data or "",
                actor=actor(),
            )
        except InvalidInput as exc:
            show_service_error(form, exc)
        else:
            flash("Name and description saved.", "success")
            return to_editor(framework)
    return editor_page(framework, details=form), 422


@bp.post("/frameworks/<int:framework_id>/rules")
def framework_rules(framework_id: int) -> Response | tuple[str, int]:
    framework = load_framework(framework_id)
    drafts.require_draft(framework)
    form = RulesForm(prefix="rules")
    if form.validate_on_submit():
        try:
            document = parse_rules_text(form.rules.data or "")
            drafts.update_rules(db.session, framework, document, actor())
        except FrameworkFileError as exc:
            form.rules.errors = [*form.rules.errors, exc.message]
        else:
            flash("Program rules saved.", "success")
            return to_editor(framework, "rules-form")
    return editor_page(framework, rules=form), 422


@bp.post("/frameworks/<int:framework_id>/rubric")
def framework_rubric(framework_id: int) -> Response | tuple[str, int]:
    framework = load_framework(framework_id)
    drafts.require_draft(framework)
    form = rubric_form(framework)
    if form.validate_on_submit():
        levels = {
            level.key: (
                form[f"{level.key}_label"].data or "",
                form[f"{level.key}_descriptor"].data or "",
            )
            for level in framework.rubric_levels
        }
        try:
            drafts.update_rubric_levels(db.session, framework, levels, actor())
        except InvalidInput as exc:
            show_service_error(form, exc)
        else:
            flash("Rubric saved.", "success")
            return to_editor(framework, "rubric-form")
    return editor_page(framework, rubric=form), 422


@bp.route("/frameworks/<int:framework_id>/publish", methods=["GET", "POST"])
def framework_publish(framework_id: int) -> Response | str | tuple[str, int]:
    framework = load_framework(framework_id)
    drafts.require_draft(framework)
    problem = publish_problem(framework)
    if problem is None and _confirmed():
        framework_service.publish_framework(db.session, framework, actor())
        flash(f"Version {framework.version} is published.", "success")
        return to_editor(framework)
    page = render_template(
        "admin/frameworks/confirm.html", framework=framework, action="publish", problem=problem
    )
    return (page, 422) if problem and _confirmed() else page


@bp.route("/frameworks/<int:framework_id>/retire", methods=["GET", "POST"])
def framework_retire(framework_id: int) -> Response | str:
    framework = load_framework(framework_id)
    if framework.status != FrameworkStatus.PUBLISHED:
        raise Conflict("Only a published version can be retired.")
    if _confirmed():
        framework_service.retire_framework(db.session, framework, actor())
        flash(f"Version {framework.version} is retired.", "success")
        return to_editor(framework)
    return render_template(
        "admin/frameworks/confirm.html", framework=framework, action="retire", problem=None
    )


@bp.post("/frameworks/<int:framework_id>/new-draft")
def framework_new_draft(framework_id: int) -> Response:
    source = load_framework(framework_id)
    draft = framework_service.create_draft_from(db.session, source, actor())
    flash(f"Draft version {draft.version} created from version {source.version}.", "success")
    return to_editor(draft)


def _confirmed() -> bool:
    """Publish and retire show a confirmation page first; its button posts to the same URL."""
    return request.method == "POST"


# Set and competency routes live in their own module; importing it registers them.
from portfolio.web.admin import framework_parts  # noqa: E402, F401
