"""The quality of judgement page (agreement per set and reviewer) and calibration anchors.

Routes join the admin blueprint, whose before_request already requires an administrator.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import MonthField
from wtforms.validators import Optional

from portfolio.domain.errors import BadRequest, InvalidInput
from portfolio.domain.portfolios.snapshots import read_snapshot
from portfolio.domain.reviewing.rubric import Rating
from portfolio.extensions import db
from portfolio.models import CalibrationAnchor, Submission
from portfolio.services.portfolios import submissions
from portfolio.services.reviewing import calibration
from portfolio.services.reviewing import quality as review_quality
from portfolio.services.reviewing.outcome_views import submission_file
from portfolio.web import clock
from portfolio.web.admin import bp
from portfolio.web.admin.review_forms import current_admin, require_found
from portfolio.web.exports import Column, export, export_format, export_table
from portfolio.web.form_errors import show_error


class PeriodForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    starts_on = MonthField("From month", validators=[Optional()])
    ends_on = MonthField("To month", validators=[Optional()])


TABLES = ("sets", "reviewers", "months")
NAMES = {"sets": "Set", "reviewers": "Reviewer", "months": "Month"}


def _quality_columns(table: str) -> list[Column]:
    """The columns of the page's tables, each rating's count in a column of its own."""
    columns: list[Column] = [
        (NAMES[table], lambda r: r.name),
        ("Reviews", lambda r: r.reviews),
        (
            "Average days to complete",
            lambda r: round(r.average_time.total_seconds() / 86400, 2) if r.average_time else None,
        ),
    ]
    for rating in sorted(Rating, reverse=True):
        columns.append((rating.label, lambda r, rating=rating: r.stats.distribution.get(rating, 0)))
    columns += [
        ("Pairs", lambda r: r.stats.pairs),
        ("Disagreement rate", _disagreement),
        ("Weighted kappa", lambda r: r.stats.kappa.value),
        ("Krippendorff's alpha", lambda r: r.stats.alpha.value),
        ("Flags", lambda r: "; ".join(r.flags)),
    ]
    return columns


def _disagreement(row: review_quality.QualityRow) -> float | None:
    rate = row.stats.disagreement_rate
    return None if rate is None else round(float(rate), 4)


@bp.get("/reviews/quality")
def review_quality_page() -> tuple[str, int] | Response:
    form = PeriodForm(request.args)
    if kind := export_format():
        table = export_table(TABLES)
        if not form.validate():
            raise BadRequest("Give the months as year and month, for example 2026-01.")
        chosen = review_quality.period(form.starts_on.data, form.ends_on.data, clock.today())
        rows = getattr(review_quality.quality_report(db.session, chosen), table)
        return export(kind, f"review-quality-{table}", _quality_columns(table), rows)
    report, status = None, 200
    if form.validate():
        try:
            chosen = review_quality.period(form.starts_on.data, form.ends_on.data, clock.today())
        except InvalidInput as exc:
            show_error(form, exc)
            status = 422
        else:
            report = review_quality.quality_report(db.session, chosen)
    else:
        status = 422
    html = render_template(
        "admin/reviews/quality.html", form=form, report=report, ratings=sorted(Rating, reverse=True)
    )
    return html, status


def _submission(submission_id: int) -> Submission:
    submission = db.session.get(Submission, submission_id)
    require_found(submission, "submission")
    assert submission is not None
    return submission


@bp.route("/reviews/submissions/<int:submission_id>/anchor", methods=["GET", "POST"])
def calibration_anchor(submission_id: int) -> Response | tuple[str, int]:
    submission = _submission(submission_id)
    anchor = db.session.query(CalibrationAnchor).filter_by(submission_id=submission_id).first()
    form = FlaskForm()
    error: InvalidInput | None = None
    if request.method == "POST":  # a second anchor for the same submission is a 409
        if not form.validate_on_submit():
            raise InvalidInput("This form could not be read. Reload the page and try again.")
        agreed = {
            key.removeprefix("rating-"): value
            for key, value in request.form.items()
            if key.startswith("rating-")
        }
        try:
            calibration.mark_anchor(db.session, submission, actor=current_admin(), agreed=agreed)
        except InvalidInput as exc:
            db.session.rollback()
            error = exc
        else:
            flash("The submission is now a calibration anchor.", "success")
            return redirect(url_for("admin.calibration_anchor", submission_id=submission_id))
    snapshot = read_snapshot(submission.snapshot, submission.snapshot_sha256)
    html = render_template(
        "admin/reviews/anchor.html",
        submission=submission,
        # The evidence and the reviewers' ratings, to agree the anchor's ratings on.
        file=submission_file(db.session, submission_id),
        snapshot=snapshot,
        texts=submissions.submitted_html(submission, snapshot),
        competencies=calibration.competencies_of(submission),
        anchor=anchor,
        form=form,
        error=error,
        posted=request.form if request.method == "POST" else {},
        ratings=sorted(Rating, reverse=True),
    )
    return html, 422 if error else 200
