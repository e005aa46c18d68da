"""Administering reviewers: profiles (qualifications, capacity, library, time away) and
declared conflicts of interest, each change audited by the services.

Routes join the admin blueprint, whose before_request already requires an administrator.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from portfolio.domain.errors import InvalidInput
from portfolio.extensions import db
from portfolio.models import ReviewerProfile, User
from portfolio.services import listing
from portfolio.services.accounts.users import find_by_email
from portfolio.services.reviewing import pool, setup
from portfolio.services.reviewing import profiles as reviewers
from portfolio.web import clock
from portfolio.web.admin import bp
from portfolio.web.admin.review_forms import (
    ConflictForm,
    ProfileForm,
    SetUpReviewerForm,
    UnavailableForm,
    current_admin,
    require_found,
    set_choices,
)
from portfolio.web.exports import export, export_format, export_rows
from portfolio.web.form_errors import show_error
from portfolio.web.listing import list_request

REVIEWER_COLUMNS = (
    ("Name", lambda row: row[0].name),
    ("Email", lambda row: row[0].email),
    ("Library", lambda row: row[1].library if row[1] else ""),
    ("Capacity", lambda row: row[1].capacity if row[1] else None),
    (
        "Status",
        lambda row: "No profile" if not row[1] else ("Active" if row[1].active else "Inactive"),
    ),
    (
        "Qualified for",
        lambda row: (
            ", ".join(f"{q.framework_slug.upper()} {q.set_code}" for q in row[1].qualifications)
            if row[1]
            else ""
        ),
    ),
)


@bp.get("/reviews/reviewers")
def reviewer_list() -> str | Response:
    spec = reviewers.reviewer_list(listing.set_codes(db.session))
    asked = list_request(spec)
    if kind := export_format():
        rows = export_rows(reviewers.reviewers_query(asked), asked)
        return export(kind, "reviewers", REVIEWER_COLUMNS, rows)
    found = reviewers.list_reviewers(db.session, asked)
    counts = pool.open_review_counts(db.session, (person.id for person, _ in found.rows))
    return render_template("admin/reviews/reviewers.html", found=found, spec=spec, counts=counts)


@bp.route("/reviews/reviewers/new", methods=["GET", "POST"])
def set_up_reviewer() -> Response | tuple[str, int]:
    form = SetUpReviewerForm(data={"capacity": 3, "active": True})
    form.qualifications.choices = set_choices()
    if form.validate_on_submit():
        try:
            person = find_by_email(db.session, form.email.data or "")
            if person is None:
                raise InvalidInput(
                    "Nobody has an account with that email address. Ask them to sign up first.",
                    field="email",
                )
            done = setup.set_up_reviewer(
                db.session,
                person,
                actor=current_admin(),
                capacity=form.capacity.data or 0,
                library=form.library.data or "",
                qualifications=form.qualifications.data or [],
                today=clock.today(),
            )
        except InvalidInput as exc:
            show_error(form, exc)
        else:
            flash(_set_up_message(person.name, done), "success")
            return redirect(url_for("admin.reviewer_profile", user_id=person.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("admin/reviews/setup.html", form=form), status


def _set_up_message(name: str, done: setup.SetUpResult) -> str:
    parts = [f"{name} is set up as a reviewer."]
    if done.calibrating:
        parts.append("Their calibration exercise is waiting for them.")
    parts.append(
        f"Tried again for the submissions waiting for reviewers: {done.now_assigned} now "
        f"{'has' if done.now_assigned == 1 else 'have'} all their reviewers."
    )
    return " ".join(parts)


@bp.route("/reviews/reviewers/<int:user_id>", methods=["GET", "POST"])
def reviewer_profile(user_id: int) -> Response | tuple[str, int]:
    person = db.session.get(User, user_id)
    require_found(person, "reviewer")
    assert person is not None
    # Shown with a new profile's defaults until the first save makes it (a GET never writes).
    if request.method == "GET":
        profile = reviewers.profile_to_show(db.session, person)
    else:
        profile = reviewers.profile_for(db.session, person)
    form = ProfileForm(obj=profile)
    form.qualifications.choices = set_choices()
    if not form.is_submitted():
        form.qualifications.data = [
            f"{q.framework_slug}:{q.set_code}" for q in profile.qualifications
        ]
    status = 200
    if form.validate_on_submit():
        try:
            reviewers.update_profile(
                db.session,
                profile,
                actor=current_admin(),
                capacity=form.capacity.data or 0,
                library=form.library.data or "",
                active=bool(form.active.data),
                qualifications=form.qualifications.data or [],
            )
        except InvalidInput as exc:
            show_error(form, exc)
        else:
            flash(f"Saved {person.name}'s reviewer profile.", "success")
            return redirect(url_for("admin.reviewer_profile", user_id=user_id))
    if form.errors or form.form_errors:
        status = 422
    return _profile_page(person, profile, form, UnavailableForm(formdata=None)), status


def _profile_page(
    person: User, profile: ReviewerProfile, form: ProfileForm, away: UnavailableForm
) -> str:
    return render_template(
        "admin/reviews/profile.html", person=person, profile=profile, form=form, away=away
    )


@bp.post("/reviews/reviewers/<int:user_id>/unavailable")
def add_unavailable(user_id: int) -> Response | tuple[str, int]:
    person = db.session.get(User, user_id)
    require_found(person, "reviewer")
    assert person is not None
    profile = reviewers.profile_for(db.session, person)
    away = UnavailableForm()
    if away.validate_on_submit():
        assert away.starts_on.data is not None and away.ends_on.data is not None
        try:
            reviewers.add_unavailability(
                db.session,
                profile,
                actor=current_admin(),
                starts_on=away.starts_on.data,
                ends_on=away.ends_on.data,
                note=away.note.data or "",
            )
        except InvalidInput as exc:
            show_error(away, exc)
        else:
            flash("Added the period away.", "success")
            return redirect(url_for("admin.reviewer_profile", user_id=user_id))
    form = ProfileForm(formdata=None, obj=profile)
    form.qualifications.choices = set_choices()
    form.qualifications.data = [f"{q.framework_slug}:{q.set_code}" for q in profile.qualifications]
    return _profile_page(person, profile, form, away), 422


@bp.post("/reviews/reviewers/<int:user_id>/unavailable/<int:period_id>/remove")
def remove_unavailable(user_id: int, period_id: int) -> Response:
    person = db.session.get(User, user_id)
    require_found(person, "reviewer")
    assert person is not None
    if not FlaskForm().validate_on_submit():
        raise InvalidInput("This form could not be read. Reload the page and try again.")
    reviewers.remove_unavailability(
        db.session, reviewers.profile_for(db.session, person), period_id, actor=current_admin()
    )
    flash("Removed the period away.", "success")
    return redirect(url_for("admin.reviewer_profile", user_id=user_id))


@bp.route("/reviews/conflicts", methods=["GET", "POST"])
def review_conflicts() -> Response | tuple[str, int]:
    form = ConflictForm()
    if form.validate_on_submit():
        candidate = find_by_email(db.session, form.candidate_email.data or "")
        reviewer = find_by_email(db.session, form.reviewer_email.data or "")
        try:
            if candidate is None:
                raise InvalidInput("Nobody has that email address.", field="candidate_email")
            if reviewer is None:
                raise InvalidInput("Nobody has that email address.", field="reviewer_email")
            reviewers.declare_conflict(
                db.session,
                actor=current_admin(),
                candidate=candidate,
                reviewer=reviewer,
                reason=form.reason.data or "",
            )
        except InvalidInput as exc:
            show_error(form, exc)
        else:
            flash(
                "The conflict is recorded; that reviewer will not be assigned to this candidate.",
                "success",
            )
            return redirect(url_for("admin.review_conflicts"))
    status = 422 if (form.errors or form.form_errors) else 200
    rows = reviewers.conflicts(db.session)
    return render_template("admin/reviews/conflicts.html", form=form, rows=rows), status
