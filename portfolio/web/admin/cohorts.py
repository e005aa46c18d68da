"""Cohorts page: enrollments by the quarter they began in, optionally for one program.

Routes join the admin blueprint, whose before_request already requires an administrator.
"""

from __future__ import annotations

from flask import Response, render_template, request
from flask_wtf import FlaskForm
from wtforms import SelectField

from portfolio.domain.errors import InvalidInput
from portfolio.extensions import db
from portfolio.services.programs import queries
from portfolio.services.reporting import cohorts
from portfolio.services.reporting.funnel import IntakeFunnel, intake_funnels
from portfolio.web import clock
from portfolio.web.admin import bp
from portfolio.web.exports import Column, export, export_format, export_table
from portfolio.web.form_errors import show_error


class CohortFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    # The service checks the slug, so an unknown one gets its message rather than WTForms'.
    program = SelectField("Program", choices=[], default="", validate_choice=False)


COHORT_COLUMNS = (
    ("Cohort", lambda r: r.label),
    ("Enrolled", lambda r: r.enrolled),
    ("Active", lambda r: r.active),
    ("Certified", lambda r: r.certified),
    ("Closed", lambda r: r.closed),
    ("Sets met by portfolio", lambda r: r.sets_met),
    ("Sets in review", lambda r: r.sets_in_review),
    ("Median days to certification", lambda r: r.median_days_to_certify),
    ("Share certified", lambda r: r.share_certified),
)
DAYS_COLUMNS = (("Days", lambda b: b.label), ("Certified", lambda b: b.count))
TABLES = ("cohorts", "days", "funnel")


def _funnel_columns(everyone: IntakeFunnel) -> list[Column]:
    """Intake, then one column per stage (the stages are the report's, in order)."""
    columns: list[Column] = [("Intake", lambda f: f.label)]
    for n, stage in enumerate(everyone.stages):
        columns.append((stage.label, lambda f, n=n: f.stages[n].count))
    return columns


def _download(kind: str) -> Response:
    """One of the report's tables as CSV or XLSX, with the program filter applied."""
    table = export_table(TABLES)
    slug = request.args.get("program") or None
    if table == "funnel":
        quarters, everyone = intake_funnels(db.session, slug)
        return export(kind, "cohort-funnel", _funnel_columns(everyone), [everyone, *quarters])
    report = cohorts.cohort_report(db.session, framework_slug=slug, today=clock.today())
    if table == "days":
        return export(kind, "cohort-days-to-certify", DAYS_COLUMNS, report.days_histogram)
    return export(kind, "cohorts", COHORT_COLUMNS, [*report.cohorts, report.totals])


@bp.get("/cohorts")
def cohorts_page() -> tuple[str, int] | Response:
    if kind := export_format():
        return _download(kind)
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
