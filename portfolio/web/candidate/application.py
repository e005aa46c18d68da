"""The candidate's application: start it, fill it in (drafts), watch the hours, submit it."""

from __future__ import annotations

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portfolio.domain.applications.fees import awarding_bodies
from portfolio.domain.errors import Conflict
from portfolio.extensions import db
from portfolio.models import Application, ApplicationStatus, User
from portfolio.models.base import utcnow
from portfolio.services.applications import drafts as applications
from portfolio.services.applications.experience import hours_report, parse_entry
from portfolio.services.programs.queries import get_framework
from portfolio.web import access
from portfolio.web.candidate import bp
from portfolio.web.candidate.application_form import (
    MAX_ENTRIES,
    ApplicationForm,
    build_form,
)
from portfolio.web.params import is_small_int
from portfolio.web.supervisor import invitation_settings

CANNOT_SUBMIT_YET = (
    "Your draft is saved, but it cannot be submitted yet: correct the answers marked below."
)


def _me() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


@bp.get("/applications/new")
def new_application() -> Response | str:
    slug = request.args.get("program", "")[:60]
    framework = get_framework(db.session, slug, include_drafts=False) if slug else None
    access.require_found(framework)
    existing = applications.open_application(db.session, _me(), slug)
    if existing is not None:
        return redirect(url_for("candidate.application", application_id=existing.id))
    return render_template("candidate/application_new.html", framework=framework)


@bp.post("/applications")
def start_application() -> Response:
    program = request.form.get("program", "")[:60]
    starting_from = (
        applications.previous_application(db.session, _me(), program)
        if applications.open_application(db.session, _me(), program) is None
        else None
    )
    application = applications.start_application(db.session, _me(), program)
    if starting_from is not None:
        flash(
            "We filled in this application from your last one: check every answer, and your "
            "library experience since then, before you submit.",
            "info",
        )
    return redirect(url_for("candidate.application", application_id=application.id))


@bp.get("/applications/<int:application_id>")
def application(application_id: int) -> str:
    application = applications.get_own_application(db.session, _me(), application_id)
    if application.status != ApplicationStatus.DRAFT:
        return _read_only(application)
    form = build_form(application, applications.rules_for(application))
    form.check(utcnow().date())
    if request.args.get("check"):
        _add_submission_problems(application, form)
    return _form_page(application, form)


@bp.post("/applications/<int:application_id>")
def save_application(application_id: int) -> Response | tuple[str, int]:
    application = applications.get_own_application(db.session, _me(), application_id)
    today = utcnow().date()
    form = build_form(application, applications.rules_for(application), request.form)
    action = request.form.get("action", "save")
    if action == "add":
        if len(form.entries) < MAX_ENTRIES:
            form.entries.append_entry()
        else:
            flash(f"An application holds at most {MAX_ENTRIES} entries.", "error")
    elif action.startswith("remove-") and is_small_int(action[7:]):
        index = int(action[7:])
        if index < len(form.entries):
            form.entries.entries.pop(index)
    form.check(today)
    changes = applications.DraftChanges(
        values=form.valid_values(), entries=form.valid_entries(), typed=form.typed()
    )
    version = int(form.version.data) if is_small_int(form.version.data) else -1
    try:
        applications.save_draft(db.session, application, changes, expected_version=version)
    except Conflict as exc:
        return _conflict(application_id, form, exc)
    if action == "submit":
        return _submit(application, form)
    if form.has_errors():
        flash("Your draft is saved. Some answers need attention: they are marked below.", "warning")
    else:
        flash("Your draft is saved.", "success")
    anchor = "entries" if action != "save" else None
    return redirect(url_for("candidate.application", application_id=application.id, _anchor=anchor))


def _submit(application: Application, form: ApplicationForm) -> Response:
    today = utcnow().date()
    if form.has_errors() or applications.submission_problems(db.session, application, today):
        flash(CANNOT_SUBMIT_YET, "error")
        return redirect(url_for("candidate.application", application_id=application.id, check=1))
    applications.submit_application(
        db.session,
        application,
        expected_version=application.version,
        today=today,
        invitations=invitation_settings(),
    )
    flash(
        "Your application is submitted. We will email you the program office's decision.", "success"
    )
    return redirect(url_for("candidate.application", application_id=application.id))


def _conflict(application_id: int, form: ApplicationForm, exc: Conflict) -> tuple[str, int]:
    """Show what was typed with the reason it was not saved; the next save replaces the
    other tab's version, knowingly."""
    db.session.rollback()
    application = applications.get_own_application(db.session, _me(), application_id)
    form.version.data = str(application.version)
    return _form_page(application, form, conflict=exc.message), 409


def _add_submission_problems(application: Application, form: ApplicationForm) -> None:
    problems = applications.submission_problems(db.session, application, utcnow().date())
    for name, message in problems.items():
        field = form[name]
        if name == "entries":
            if any(entry.form.errors for entry in form.entries):
                continue  # an entry was typed but not kept: its own messages say why
            field = form.entries[0].form.library
        if message not in field.errors:
            field.errors = [*field.errors, message]


def _form_page(application: Application, form: ApplicationForm, conflict: str | None = None) -> str:
    rules = applications.rules_for(application)
    report = hours_report(form.entries_for_hours(), rules.eligibility, utcnow().date())
    return render_template(
        "candidate/application.html",
        application=application,
        form=form,
        report=report,
        rules=rules,
        conflict=conflict,
        awarding_bodies=awarding_bodies(rules.fees),
    )


def _read_only(application: Application) -> str:
    today = utcnow().date()
    rules = applications.rules_for(application)
    report = hours_report(applications.domain_entries(application), rules.eligibility, today)
    return render_template(
        "candidate/application_view.html",
        application=application,
        report=report,
        rules=rules,
        awarding_bodies=awarding_bodies(rules.fees),
    )


@bp.post("/applications/<int:application_id>/eligibility")
def application_eligibility(application_id: int) -> tuple[Response, int]:
    """The hours message for entries as typed (JSON in, JSON out): the live update's server.

    Body: {"entries": [{"library": ..., "start_date": "2021-09-01", ...}, ...]}.
    """
    application = applications.get_own_application(db.session, _me(), application_id)
    payload = request.get_json(silent=True)
    entries = payload.get("entries") if isinstance(payload, dict) else None
    if not isinstance(entries, list) or len(entries) > MAX_ENTRIES:
        message = f"Send the entries as a list of at most {MAX_ENTRIES}."
        return jsonify(error="Bad request", message=message), 400
    today = utcnow().date()
    parsed = [parse_entry(item if isinstance(item, dict) else {}, today) for item in entries]
    rules = applications.rules_for(application).eligibility
    report = hours_report([p.entry for p in parsed if not p.blank], rules, today)
    body = {
        "message": report.message,
        "total_hours": report.total_hours,
        "required_hours": report.required_hours,
        "enough": report.enough,
        "overlaps": list(report.overlaps),
        "notes": list(report.notes),
    }
    return jsonify(body), 200
