"""Administering reviews: the unassigned and overdue queues, reassignment, due dates, and
overriding or reopening outcomes (each with a reason, all audited). Reviewer profiles and
conflicts are in reviewer_profiles.py.

Routes join the admin blueprint, whose before_request already requires an administrator.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from portfolio.domain.dates import format_date
from portfolio.domain.errors import BadRequest, Conflict, InvalidInput, NotFound
from portfolio.domain.portfolios.snapshots import read_snapshot
from portfolio.extensions import db
from portfolio.models import Assignment, OutcomeStatus, SetOutcomeRecord, User
from portfolio.services import listing
from portfolio.services.portfolios import submissions
from portfolio.services.reviewing import assignments, outcome_changes
from portfolio.services.reviewing import profiles as reviewers
from portfolio.services.reviewing import queues as review_queues
from portfolio.services.reviewing import unassigned as unassigned_queue
from portfolio.services.reviewing.outcome_views import submission_file
from portfolio.web import clock
from portfolio.web.admin import bp
from portfolio.web.admin import reviewer_profiles as reviewer_profiles  # registers its routes
from portfolio.web.admin.review_forms import (
    DueDateForm,
    OverrideForm,
    ReassignForm,
    ReopenForm,
    current_admin,
    require_found,
)
from portfolio.web.exports import export, export_format, export_rows
from portfolio.web.form_errors import show_error
from portfolio.web.listing import list_request
from portfolio.web.params import is_small_int


@bp.get("/reviews")
def reviews() -> str:
    return render_template(
        "admin/reviews/index.html",
        unassigned=unassigned_queue.count_unassigned(db.session),
        overdue=review_queues.count_overdue(db.session, clock.today()),
    )


UNASSIGNED_COLUMNS = (
    ("Candidate", lambda r: r.candidate_name),
    ("Set", lambda r: r.set_code),
    ("Set name", lambda r: r.set_name),
    ("Attempt", lambda r: r.attempt),
    ("Missing", lambda r: r.missing),
    ("Kind", lambda r: r.kind.value),
    ("Why nobody fits", lambda r: "; ".join(r.reasons.get("reasons", []))),
    ("Waiting since", lambda r: r.since),
)
OVERDUE_COLUMNS = (
    ("Candidate", lambda a: a.candidate_name),
    ("Set", lambda a: a.set_code),
    ("Set name", lambda a: a.set_name),
    ("Reviewer", lambda a: a.reviewer_name),
    ("Due on", lambda a: a.due_on),
)


@bp.get("/reviews/unassigned")
def unassigned() -> str | Response:
    spec = unassigned_queue.unassigned_list(listing.set_codes(db.session))
    asked = list_request(spec)
    if kind := export_format():
        rows = export_rows(unassigned_queue.unassigned_query(asked), asked)
        return export(kind, "unassigned", UNASSIGNED_COLUMNS, rows)
    found = unassigned_queue.unassigned(db.session, asked)
    return render_template("admin/reviews/unassigned.html", found=found, spec=spec)


@bp.post("/reviews/unassigned/retry")
def retry_unassigned() -> Response:
    if not FlaskForm().validate_on_submit():
        raise InvalidInput("This form could not be read. Reload the page and try again.")
    done = assignments.retry_unassigned(db.session, clock.today())
    flash(f"Tried again: {done} now fully assigned.", "success")
    return redirect(url_for("admin.unassigned"))


@bp.get("/reviews/overdue")
def overdue() -> str | Response:
    today = clock.today()
    spec = review_queues.overdue_list(listing.set_codes(db.session))
    asked = list_request(spec)
    if kind := export_format():
        rows = export_rows(review_queues.overdue_query(asked, today), asked)
        return export(kind, "overdue-reviews", OVERDUE_COLUMNS, rows)
    found = review_queues.overdue(db.session, asked, today)
    return render_template("admin/reviews/overdue.html", found=found, spec=spec, today=today)


def _load_assignment(assignment_id: int) -> Assignment:
    assignment = db.session.get(Assignment, assignment_id)
    require_found(assignment, "assignment")
    assert assignment is not None
    return assignment


def _reassign_form(assignment: Assignment, *, posted: bool) -> ReassignForm:
    form = ReassignForm() if posted else ReassignForm(formdata=None)
    people = reviewers.reviewers_with_profiles(db.session)
    form.reviewer.choices = [SelectChoice("", "The best available reviewer")] + [
        SelectChoice(str(p.id), p.name)
        for p, profile in people
        if profile is not None and p.id != assignment.reviewer_id
    ]
    return form


@bp.route("/reviews/assignments/<int:assignment_id>", methods=["GET"])
def review_assignment(assignment_id: int) -> str:
    assignment = _load_assignment(assignment_id)
    return _assignment_page(
        assignment, _reassign_form(assignment, posted=False), DueDateForm(formdata=None)
    )


def _assignment_page(assignment: Assignment, reassign: ReassignForm, due: DueDateForm) -> str:
    return render_template(
        "admin/reviews/assignment.html", assignment=assignment, reassign=reassign, due=due
    )


@bp.post("/reviews/assignments/<int:assignment_id>/reassign")
def reassign(assignment_id: int) -> Response | tuple[str, int]:
    assignment = _load_assignment(assignment_id)
    form = _reassign_form(assignment, posted=True)
    if form.validate_on_submit():
        to = None
        if form.reviewer.data:
            to = (
                db.session.get(User, int(form.reviewer.data))
                if is_small_int(form.reviewer.data)
                else None
            )
            require_found(to, "reviewer")
        try:
            assignments.reassign(
                db.session,
                assignment,
                actor=current_admin(),
                reason=form.reason.data or "",
                today=clock.today(),
                to_reviewer=to,
            )
        except InvalidInput as exc:
            show_error(form, exc)
        else:
            flash("The review was reassigned.", "success")
            return redirect(
                url_for("admin.submission_outcome", submission_id=assignment.submission_id)
            )
    return _assignment_page(assignment, form, DueDateForm(formdata=None)), 422


@bp.post("/reviews/assignments/<int:assignment_id>/due-date")
def move_due_date(assignment_id: int) -> Response | tuple[str, int]:
    assignment = _load_assignment(assignment_id)
    form = DueDateForm()
    if form.validate_on_submit():
        assert form.due_on.data is not None
        try:
            assignments.move_due_date(
                db.session,
                assignment,
                actor=current_admin(),
                due_on=form.due_on.data,
                reason=form.reason.data or "",
                today=clock.today(),
            )
        except InvalidInput as exc:
            show_error(form, exc)
        else:
            flash(f"The review is now due on {format_date(form.due_on.data)}.", "success")
            return redirect(url_for("admin.review_assignment", assignment_id=assignment_id))
    return _assignment_page(assignment, _reassign_form(assignment, posted=False), form), 422


@bp.get("/reviews/submissions/<int:submission_id>")
def submission_outcome(submission_id: int) -> str:
    return _outcome_page(submission_id, OverrideForm(formdata=None), ReopenForm(formdata=None))


def _outcome_page(submission_id: int, override: OverrideForm, reopen: ReopenForm) -> str:
    file = submission_file(db.session, submission_id)
    if file.outcome is not None:  # a refused form is sent again with what the page now shows
        override.revision.data = reopen.revision.data = str(file.outcome.revision)
    # The evidence and every rating beside the outcome, so an override is decided on them.
    snapshot = read_snapshot(file.submission.snapshot, file.submission.snapshot_sha256)
    return render_template(
        "admin/reviews/outcome.html",
        file=file,
        override=override,
        reopen=reopen,
        snapshot=snapshot,
        texts=submissions.submitted_html(file.submission, snapshot),
    )


def _outcome(submission_id: int) -> SetOutcomeRecord:
    file = submission_file(db.session, submission_id)
    if file.outcome is None:
        raise NotFound("This submission has no outcome yet.")
    return file.outcome


@bp.post("/reviews/submissions/<int:submission_id>/override")
def override_outcome(submission_id: int) -> Response | tuple[str, int]:
    outcome = _outcome(submission_id)
    form = OverrideForm()
    if form.validate_on_submit():
        try:
            outcome_changes.override_outcome(
                db.session,
                outcome,
                actor=current_admin(),
                status=OutcomeStatus(form.status.data),
                reason=form.reason.data or "",
                today=clock.today(),
                expected_revision=_seen_revision(form),
            )
        except (InvalidInput, Conflict) as exc:
            show_error(form, exc)
            return _outcome_page(submission_id, form, ReopenForm(formdata=None)), exc.status
        flash("The outcome was overridden.", "success")
        return redirect(url_for("admin.submission_outcome", submission_id=submission_id))
    return _outcome_page(submission_id, form, ReopenForm(formdata=None)), 422


@bp.post("/reviews/submissions/<int:submission_id>/reopen")
def reopen_outcome(submission_id: int) -> Response | tuple[str, int]:
    outcome = _outcome(submission_id)
    form = ReopenForm()
    if form.validate_on_submit():
        try:
            outcome_changes.reopen_outcome(
                db.session,
                outcome,
                actor=current_admin(),
                reason=form.reason.data or "",
                today=clock.today(),
                expected_revision=_seen_revision(form),
            )
        except (InvalidInput, Conflict) as exc:
            show_error(form, exc)
            return _outcome_page(submission_id, OverrideForm(formdata=None), form), exc.status
        flash("The outcome was reopened.", "success")
        return redirect(url_for("admin.submission_outcome", submission_id=submission_id))
    return _outcome_page(submission_id, OverrideForm(formdata=None), form), 422


def _seen_revision(form: OverrideForm | ReopenForm) -> int:
    raw = form.revision.data or ""
    if not is_small_int(raw):
        raise BadRequest("This form is missing the outcome it was read with. Reload the page.")
    return int(raw)
