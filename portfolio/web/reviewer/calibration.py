"""A new reviewer's calibration exercise: score an anchor, then see how it compares.

Routes join the reviewer blueprint (reviewer role required before each request); each view
loads the calibration through calibration.own_calibration, which answers 404 for anyone else's.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from portfolio.domain.errors import InvalidInput
from portfolio.domain.portfolios.snapshots import read_snapshot
from portfolio.domain.reviewing.rubric import Rating
from portfolio.extensions import db
from portfolio.models import Assignment, AssignmentStatus
from portfolio.services.portfolios import submissions
from portfolio.services.reviewing import calibration
from portfolio.web import clock
from portfolio.web.params import is_small_int
from portfolio.web.reviewer import bp, current_reviewer


@bp.get("/calibration")
def calibration_start() -> Response | str:
    """The reviewer's exercise if they have one; else a "Start" button if they need one. Only
    reads: the exercise is made when their profile is saved, or by the button's POST."""
    me = current_reviewer()
    assignment = calibration.current_calibration(db.session, me)
    if assignment is not None:
        return redirect(url_for("reviewer.calibration_page", assignment_id=assignment.id))
    can_start = calibration.calibration_anchor_for(db.session, me) is not None
    return _nothing_yet(can_start)


@bp.post("/calibration")
def calibration_begin() -> Response | str:
    me = current_reviewer()
    if not FlaskForm().validate_on_submit():
        raise InvalidInput("This form could not be read. Reload the page and try again.")
    assignment = calibration.start_calibration(db.session, me, clock.today())
    if assignment is None:
        return _nothing_yet(can_start=False)
    return redirect(url_for("reviewer.calibration_page", assignment_id=assignment.id))


def _nothing_yet(can_start: bool) -> str:
    return render_template(
        "reviewer/calibration.html",
        assignment=None,
        can_start=can_start,
        due_days=calibration.CALIBRATION_DUE_DAYS,
        form=FlaskForm(),
    )


def _page(assignment: Assignment, error: InvalidInput | None = None) -> tuple[str, int]:
    submitted = assignment.status == AssignmentStatus.SUBMITTED
    html = render_template(
        "reviewer/calibration.html",
        assignment=assignment,
        competencies=calibration.competencies_of(assignment.submission),
        texts=submissions.submitted_html(
            assignment.submission,
            read_snapshot(assignment.submission.snapshot, assignment.submission.snapshot_sha256),
        ),
        comparison=calibration.comparison(db.session, assignment) if submitted else None,
        form=FlaskForm(),
        error=error,
        posted=request.form if request.method == "POST" else {},
        ratings=sorted(Rating, reverse=True),
    )
    return html, 422 if error else 200


@bp.get("/calibration/<int:assignment_id>")
def calibration_page(assignment_id: int) -> tuple[str, int]:
    return _page(calibration.own_calibration(db.session, assignment_id, current_reviewer()))


@bp.post("/calibration/<int:assignment_id>")
def calibration_submit(assignment_id: int) -> Response | tuple[str, int]:
    me = current_reviewer()
    assignment = calibration.own_calibration(db.session, assignment_id, me)
    if not FlaskForm().validate_on_submit():
        raise InvalidInput("This form could not be read. Reload the page and try again.")
    levels = {
        int(key.removeprefix("rating-")): value
        for key, value in request.form.items()
        if key.startswith("rating-") and is_small_int(key.removeprefix("rating-"))
    }
    try:
        calibration.submit_calibration(db.session, assignment, reviewer=me, levels=levels)
    except InvalidInput as exc:
        db.session.rollback()
        return _page(calibration.own_calibration(db.session, assignment_id, me), exc)
    flash("Your calibration was submitted. Here is how it compares.", "success")
    return redirect(url_for("reviewer.calibration_page", assignment_id=assignment_id))
