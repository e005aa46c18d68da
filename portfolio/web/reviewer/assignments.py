"""The reviewer's assignments: their queue, the scoring screen (with autosave), declining.

Every route needs the reviewer role; each view loads the assignment through
scoring.open_for_reviewer, which answers 404 for anyone else's.
"""

from __future__ import annotations

from datetime import date

from flask import (
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response
from wtforms import TextAreaField

from portfolio.domain.dates import format_time
from portfolio.domain.errors import BadRequest, Conflict, DomainError, InvalidInput
from portfolio.extensions import db
from portfolio.models import AssignmentStatus
from portfolio.services.reviewing import assignments, queues, scoring
from portfolio.services.reviewing.screen import scoring_screen
from portfolio.web import clock
from portfolio.web.params import is_small_int
from portfolio.web.reason_field import WrittenReason
from portfolio.web.reviewer import bp, current_reviewer


class DeclineForm(FlaskForm):
    reason = TextAreaField(
        "Why can you not take this review?",
        validators=[WrittenReason()],
    )


def _today() -> date:
    return clock.today()


@bp.get("/")
def queue() -> str:
    open_, done = queues.reviewer_queue(db.session, current_reviewer())
    return render_template("reviewer/queue.html", open_assignments=open_, done=done, today=_today())


def _ratings_from(form: MultiDict[str, str]) -> list[scoring.RatingInput]:
    """RatingInput for every competency the form names (rating-<id> / comment-<id>)."""
    ids: set[int] = set()
    for key in form:
        prefix, _, raw = key.partition("-")
        if prefix in ("rating", "comment"):
            if not is_small_int(raw):
                raise InvalidInput("The form names a competency that does not exist.", field=key)
            ids.add(int(raw))
    return [
        scoring.RatingInput(cid, form.get(f"rating-{cid}") or None, form.get(f"comment-{cid}", ""))
        for cid in sorted(ids)
    ]


def _version(form: MultiDict[str, str]) -> int:
    raw = form.get("version", "")
    if not is_small_int(raw):
        raise BadRequest("This form is missing its version. Reload the page and try again.")
    return int(raw)


def _render(
    assignment_id: int,
    *,
    posted: MultiDict[str, str] | None = None,
    error: DomainError | None = None,
    status: int = 200,
) -> tuple[str, int]:
    assignment = scoring.open_for_reviewer(
        db.session, assignment_id, current_reviewer(), with_rubric=False
    )
    closed_message = None
    try:
        scoring.check_open(assignment, _today())
    except Conflict as exc:
        if assignment.status in (AssignmentStatus.DECLINED, AssignmentStatus.REASSIGNED):
            raise  # given back: the evidence is no longer theirs to read
        closed_message = exc.message  # submitted, or past a firm due date: read-only
    screen = scoring_screen(db.session, assignment)
    html = render_template(
        "reviewer/assignment.html",
        screen=screen,
        assignment=assignment,
        posted=posted,
        error=error,
        closed_message=closed_message,
        conflict=status == 409,
    )
    return html, status


@bp.get("/assignments/<int:assignment_id>")
def assignment(assignment_id: int) -> tuple[str, int]:
    return _render(assignment_id)


@bp.post("/assignments/<int:assignment_id>")
def save(assignment_id: int) -> Response | tuple[str, int]:
    form = request.form
    me = current_reviewer()
    assignment = scoring.open_for_reviewer(db.session, assignment_id, me)
    submitting = form.get("action") == "submit"
    act = scoring.submit_review if submitting else scoring.save_draft
    try:
        act(
            db.session,
            assignment,
            reviewer=me,
            version=_version(form),
            ratings=_ratings_from(form),
            overall_comment=form.get("overall_comment", ""),
            today=_today(),
        )
    except InvalidInput as exc:
        db.session.rollback()
        return _render(assignment_id, posted=form, error=exc, status=422)
    except Conflict as exc:
        db.session.rollback()
        if assignment.status is not AssignmentStatus.ASSIGNED:
            raise
        # A stale tab: show what they typed, so they can compare and save it deliberately.
        return _render(assignment_id, posted=form, error=exc, status=409)
    if submitting:
        flash("Your review was submitted. Thank you.", "success")
        return redirect(url_for("reviewer.queue"))
    flash("Your draft was saved.", "success")
    return redirect(url_for("reviewer.assignment", assignment_id=assignment_id))


@bp.post("/assignments/<int:assignment_id>/draft")
def autosave(assignment_id: int) -> tuple[Response, int]:
    """Autosave from static/js/review.js: JSON in every case, errors included."""
    me = current_reviewer()
    try:
        assignment = scoring.open_for_reviewer(db.session, assignment_id, me)
        scoring.save_draft(
            db.session,
            assignment,
            reviewer=me,
            version=_version(request.form),
            ratings=_ratings_from(request.form),
            overall_comment=request.form.get("overall_comment", ""),
            today=_today(),
        )
    except DomainError as exc:
        body = {"error": exc.status, "message": exc.message, "field": exc.field}
        return jsonify(body), exc.status
    saved = assignment.last_saved_at
    return jsonify(
        {"version": assignment.version, "saved_at": f"{format_time(saved)}" if saved else ""}
    ), 200


@bp.route("/assignments/<int:assignment_id>/decline", methods=["GET", "POST"])
def decline(assignment_id: int) -> Response | tuple[str, int]:
    me = current_reviewer()
    assignment = scoring.open_for_reviewer(db.session, assignment_id, me)
    scoring.check_open(assignment, _today())
    form = DeclineForm()
    if form.validate_on_submit():
        assignments.decline(
            db.session, assignment, reviewer=me, reason=form.reason.data or "", today=_today()
        )
        flash("You declined the review; it has gone to another reviewer.", "success")
        return redirect(url_for("reviewer.queue"))
    status = 422 if form.errors else 200
    screen_name = assignment.submission.enrollment_set.competency_set.name
    return render_template(
        "reviewer/decline.html", form=form, assignment=assignment, set_name=screen_name
    ), status
