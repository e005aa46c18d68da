"""Electives and routes: which elective sets a candidate takes, and how they complete each set."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import Form, RadioField

from portfolio.domain.errors import Conflict, InvalidInput
from portfolio.extensions import db
from portfolio.models import Enrollment, Route, SetKind, User
from portfolio.models.base import utcnow
from portfolio.services.enrollment import enroll
from portfolio.services.enrollment.progress import enrollment_progress
from portfolio.services.programs.versions import load_rules
from portfolio.web.candidate import bp
from portfolio.web.candidate.application_form import options
from portfolio.web.form_errors import show_error

MAX_CODES = 50  # far above any program's sets: a longer list is not a choice, it is noise
# The course itself is picked from the catalogue on the set's course page, never typed in.
ROUTES = (
    ("course", "An approved course from the catalogue"),
    ("portfolio", "A portfolio of evidence"),
)


class RouteForm(Form):
    route = RadioField(
        "How will you complete this set?", choices=options(ROUTES), validate_choice=False
    )


def _me() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _route_form(
    item_id: int, formdata: Mapping[str, str] | None = None, **data: object
) -> RouteForm:
    return RouteForm(formdata=formdata, prefix=f"set-{item_id}", data=data)


def _page(
    enrollment: Enrollment,
    *,
    chosen: Collection[str] | None = None,
    electives_error: str | None = None,
    failed_route: tuple[int, RouteForm] | None = None,
) -> str:
    progress = enrollment_progress(enrollment, utcnow().date())
    framework = enroll.framework_of(db.session, enrollment)
    rules = load_rules(framework)
    electives = [
        s
        for s in framework.sets
        if s.kind == SetKind.ELECTIVE and s.code not in rules.required_sets
    ]
    current = {p.code: p for p in progress.sets if not p.required}
    forms = {}
    for item in progress.sets:
        es = item.enrollment_set
        forms[es.id] = _route_form(es.id, route=es.route.value)
    if failed_route is not None:
        forms[failed_route[0]] = failed_route[1]
    for item in progress.sets:
        if item.course_only:  # its portfolio was closed as not met
            route = forms[item.enrollment_set.id].route
            route.choices = options([pair for pair in ROUTES if pair[0] == Route.COURSE.value])
    return render_template(
        "candidate/electives.html",
        progress=progress,
        electives=electives,
        current=current,
        chosen=set(current) if chosen is None else set(chosen),
        electives_error=electives_error,
        route_forms=forms,
    )


@bp.get("/enrollments/<int:enrollment_id>/electives")
def electives(enrollment_id: int) -> str:
    enrollment = enroll.get_own_enrollment(db.session, _me(), enrollment_id)
    return _page(enrollment)


@bp.post("/enrollments/<int:enrollment_id>/electives")
def choose_electives(enrollment_id: int) -> Response | tuple[str, int]:
    enrollment = enroll.get_own_enrollment(db.session, _me(), enrollment_id)
    codes = [code[:30] for code in request.form.getlist("electives")[:MAX_CODES]]
    try:
        enroll.choose_electives(db.session, enrollment, codes, actor=_me())
    except (InvalidInput, Conflict) as exc:
        return _page(enrollment, chosen=codes, electives_error=exc.message), exc.status
    flash("Your electives are saved. Now choose how you will complete each set.", "success")
    return redirect(url_for("candidate.electives", enrollment_id=enrollment.id, _anchor="routes"))


@bp.post("/enrollment-sets/<int:set_id>/route")
def choose_route(set_id: int) -> Response | tuple[str, int]:
    item = enroll.get_own_enrollment_set(db.session, _me(), set_id)
    form = _route_form(set_id, request.form)
    try:
        enroll.choose_route(
            db.session,
            item,
            route=form.route.data or "",
            actor=_me(),
        )
    except (InvalidInput, Conflict) as exc:
        show_error(form, exc)  # type: ignore[arg-type]
        db.session.rollback()  # the page below shows the stored choice, not a half-made one
        enrollment = enroll.get_own_enrollment(db.session, _me(), item.enrollment_id)
        return _page(enrollment, failed_route=(set_id, form)), exc.status
    name = item.competency_set.name
    if item.route is Route.COURSE and item.course_version_id is None:
        flash(f"{name}: your route is saved. Now choose your course from the catalogue.", "success")
        return redirect(url_for("candidate.course", set_id=set_id, _anchor="choose"))
    flash(f"{name}: your route is saved.", "success")
    return redirect(
        url_for("candidate.electives", enrollment_id=item.enrollment_id, _anchor=f"set-{set_id}")
    )
