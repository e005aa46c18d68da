"""Artifacts from the candidate's pages: add a link or a verified file, attach, detach, edit,
remove. Every id in a URL or a form is loaded as the candidate's own or answers 404."""

from __future__ import annotations

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portfolio.domain.errors import Conflict, DomainError, InvalidInput
from portfolio.extensions import db
from portfolio.models import Artifact, PortfolioEntry, User
from portfolio.services.portfolios import artifacts
from portfolio.services.portfolios import entries as portfolios
from portfolio.web.candidate import bp, loaders
from portfolio.web.candidate.entry_page import render_entry_page
from portfolio.web.candidate.portfolio_autosave import json_error
from portfolio.web.candidate.portfolio_forms import (
    ArtifactForm,
    AttachForm,
    FileArtifactForm,
    LinkArtifactForm,
)
from portfolio.web.form_errors import show_error
from portfolio.web.params import is_small_int


def _actor() -> User:
    user: User = current_user._get_current_object()
    return user


def _back_to(entry: PortfolioEntry) -> Response:
    return redirect(url_for("candidate.entry", entry_id=entry.id) + "#artifacts")


@bp.post("/portfolio/entries/<int:entry_id>/links")
def add_link(entry_id: int) -> Response | tuple[str, int]:
    entry = loaders.load_own_entry(entry_id)
    form = LinkArtifactForm()
    if form.validate():
        try:
            artifacts.add_link_artifact(
                db.session,
                entry.portfolio,
                url=form.url.data,
                caption=form.caption.data,
                description=form.description.data or "",
                competency_ids=[entry.competency_id],
                actor=_actor(),
            )
        except InvalidInput as exc:
            show_error(form, exc)
        except Conflict as exc:
            return render_entry_page(entry, link_form=form, alert=exc.message, status_code=409)
        else:
            flash("The link is added.", "success")
            return _back_to(entry)
    return render_entry_page(entry, link_form=form, status_code=422)


@bp.post("/portfolio/entries/<int:entry_id>/files")
def add_file(entry_id: int) -> Response | tuple[Response | str, int]:
    """Attach a verified upload (the upload widget posts here, as a form or as JSON)."""
    entry = loaders.load_own_entry(entry_id)
    if request.is_json:
        body = request.get_json(silent=True)
        data = body if isinstance(body, dict) else {}
        upload_id = data.get("upload_id")
        if isinstance(upload_id, str) and is_small_int(upload_id):
            upload_id = int(upload_id)
        try:
            artifact = artifacts.add_file_artifact(
                db.session,
                entry.portfolio,
                upload_id=upload_id,
                caption=data.get("caption", ""),
                description=data.get("description", ""),
                competency_ids=[entry.competency_id],
                actor=_actor(),
            )
        except DomainError as exc:
            return json_error(exc)
        return jsonify(artifact_id=artifact.id, caption=artifact.caption), 201
    form = FileArtifactForm()
    if form.validate():
        already = artifacts.file_artifact(db.session, entry.portfolio, form.upload_id.data)
        here = already is not None and already in entry.artifacts
        try:
            artifact = artifacts.add_file_artifact(
                db.session,
                entry.portfolio,
                upload_id=form.upload_id.data,
                caption=form.caption.data or "",
                description=form.description.data or "",
                competency_ids=[entry.competency_id],
                actor=_actor(),
            )
        except InvalidInput as exc:
            return render_entry_page(entry, alert=exc.message, status_code=422)
        except Conflict as exc:  # in another portfolio of theirs, or a set that is closed
            return render_entry_page(entry, alert=exc.message, status_code=409)
        if already is None:
            flash("The file is added.", "success")
        elif here:
            caption = artifact.caption
            flash(f"“{caption}” already supports this competency; nothing changed.", "info")
        else:
            # One artifact per file: the caption and description typed here were not used.
            flash(
                f"This file was already in your portfolio as “{artifact.caption}”: it now "
                "supports this competency too, with the caption and description it had. "
                "Edit the artifact to change them.",
                "success",
            )
        return _back_to(entry)
    message = " ".join(error for errors in form.errors.values() for error in errors)
    return render_entry_page(entry, alert=message, status_code=422)


@bp.post("/portfolio/entries/<int:entry_id>/attach")
def attach(entry_id: int) -> Response | tuple[str, int]:
    entry = loaders.load_own_entry(entry_id)
    form = AttachForm()
    if not form.validate():
        return render_entry_page(entry, attach_form=form, status_code=422)
    artifact = loaders.load_own_artifact(form.artifact_id.data)
    artifacts.link_artifact(db.session, artifact, [entry.competency_id], actor=_actor())
    flash(f"“{artifact.caption}” now supports this competency.", "success")
    return _back_to(entry)


@bp.post("/portfolio/entries/<int:entry_id>/artifacts/<int:artifact_id>/detach")
def detach(entry_id: int, artifact_id: int) -> Response:
    entry = loaders.load_own_entry(entry_id)
    artifact = loaders.load_own_artifact(artifact_id)
    artifacts.unlink_artifact(db.session, artifact, [entry.competency_id], actor=_actor())
    flash(f"“{artifact.caption}” no longer supports this competency.", "success")
    return _back_to(entry)


@bp.route("/portfolio/artifacts/<int:artifact_id>", methods=["GET", "POST"])
def edit_artifact(artifact_id: int) -> Response | tuple[str, int]:
    artifact = loaders.load_own_artifact(artifact_id)
    if request.method == "GET":
        form = ArtifactForm(
            formdata=None,
            data={
                "caption": artifact.caption,
                "description": artifact.description,
                "competencies": [entry.competency_id for entry in artifact.entries],
            },
        )
        return _artifact_page(artifact, form)
    form = ArtifactForm()
    if not form.validate():
        return _artifact_page(artifact, form, status=422)
    try:
        artifacts.update_artifact(
            db.session,
            artifact,
            caption=form.caption.data,
            description=form.description.data or "",
            actor=_actor(),
        )
        artifacts.set_artifact_competencies(
            db.session, artifact, form.competencies.data or [], actor=_actor()
        )
    except InvalidInput as exc:
        show_error(form, exc)
        return _artifact_page(artifact, form, status=422)
    except Conflict as exc:
        db.session.rollback()
        artifact = loaders.load_own_artifact(artifact_id)
        return _artifact_page(artifact, form, conflict=exc.message, status=409)
    flash("The artifact is saved.", "success")
    return redirect(url_for("candidate.edit_artifact", artifact_id=artifact.id))


@bp.post("/portfolio/artifacts/<int:artifact_id>/remove")
def remove_artifact(artifact_id: int) -> Response:
    artifact = loaders.load_own_artifact(artifact_id)
    caption = artifact.caption
    artifacts.remove_artifact(db.session, artifact, actor=_actor())
    flash(f"“{caption}” is removed from your portfolio.", "success")
    return redirect(url_for("candidate.portfolio"))


def _artifact_page(
    artifact: Artifact, form: ArtifactForm, *, conflict: str | None = None, status: int = 200
) -> tuple[str, int]:
    enrollment = artifact.portfolio.enrollment
    choices = [
        (competency.id, f"{competency.code}: {competency.title}")
        for enrollment_set in portfolios.portfolio_sets(enrollment)
        for competency in enrollment_set.competency_set.competencies
    ]
    form.competencies.choices = choices
    html = render_template(
        "candidate/portfolio_artifact.html", artifact=artifact, form=form, conflict=conflict
    )
    return html, status
