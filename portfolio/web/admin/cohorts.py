"""Cohorts page: enrollments by the quarter they began in, optionally for one program.

Routes join the admin blueprint, whose before_request already requires an administrator.
"""

from __future__ import annotations

from flask import render_template, request
from flask_wtf import FlaskForm
from wtforms import SelectField

from portfolio.domain.errors import InvalidInput
from portfolio.extensions import db
from portfolio.services.programs import queries
from portfolio.services.reporting import cohorts
from portfolio.services.reporting.funnel import intake_funnels
from portfolio.web import clock
from portfolio.web.admin import bp
from portfolio.web.form_errors import show_error


class CohortFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    # The service checks the slug, so an unknown one gets its message rather than WTForms'.
    program = SelectField("Program", choices=[], default="", validate_choice=False)


@bp.get("/cohorts")
def cohorts_page() -> tuple[str, int]:
    form = CohortFilterForm(request.args)
    form.program.choices = [("", "All programs")] + [
        (slug, f"{name} ({slug})") for slug, name in queries.published_program_names(db.session)
    ]
    report, funnels, status = None, None, 200
    try:
        slug = form.program.data or None
        report = cohorts.cohort_report(db.session, framework_slug=slug, today=clock.today())
        funnels = intake_funnels(db.session, slug)
    except InvalidInput as exc:
        show_error(form, exc)
        status = exc.status
    return render_template(
        "admin/cohorts.html", form=form, report=report, funnels=funnels, shown_quarters=6
    ), status
