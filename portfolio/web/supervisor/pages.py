"""Supervisors: accepting a candidate's invitation, then following the staff who invited them.

Read-only pages. A supervisor only ever finds candidates who invited them (404 otherwise).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from portfolio.extensions import db
from portfolio.models import Role, User
from portfolio.models.base import utcnow
from portfolio.services.accounts.tokens import InvalidLink
from portfolio.services.applications import supervisors
from portfolio.services.certification.standing import certification_of_enrollments
from portfolio.services.portfolios import shared_evidence, submissions
from portfolio.web import access
from portfolio.web.supervisor import bp, invitation_settings


def _me() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


@bp.get("/invitations/<token>")
def invitation(token: str) -> str | tuple[str, int]:
    try:
        link = supervisors.read_invitation(db.session, invitation_settings(), token)
    except InvalidLink as exc:
        return render_template("supervisor/invitation.html", problem=exc.message), 400
    if current_user.is_authenticated and current_user.email.lower() != link.email:
        return render_template(
            "supervisor/invitation.html", problem=supervisors.OTHER_ADDRESS, link=link
        ), 403
    # Whoever holds the link learns whose invitation it is only once signed in as its address.
    candidate = None
    if current_user.is_authenticated:
        candidate = supervisors.candidate_of(db.session, link)
    return render_template(
        "supervisor/invitation.html", link=link, candidate=candidate, token=token
    )


@bp.post("/invitations/<token>")
@login_required
def accept_invitation(token: str) -> Response | tuple[str, int]:
    try:
        link = supervisors.read_invitation(db.session, invitation_settings(), token)
    except InvalidLink as exc:
        return render_template("supervisor/invitation.html", problem=exc.message), 400
    supervisors.accept_invitation(db.session, link, _me())
    candidate = supervisors.candidate_of(db.session, link)
    flash(f"You now follow the progress of {candidate.name}.", "success")
    return redirect(url_for("supervisor.candidate", candidate_id=candidate.id))


@bp.get("/")
@login_required
def staff() -> str:
    access.require_role(Role.SUPERVISOR)
    people = supervisors.supervised_candidates(db.session, _me(), utcnow().date())
    return render_template("supervisor/staff.html", people=people)


@bp.get("/staff/<int:candidate_id>")
@login_required
def candidate(candidate_id: int) -> str:
    access.require_role(Role.SUPERVISOR)
    today = utcnow().date()
    person = supervisors.supervised_candidate(db.session, _me(), candidate_id, today)
    shared = shared_evidence.shared_submissions(db.session, _me(), candidate_id)
    certification = certification_of_enrollments(
        db.session, [progress.enrollment for progress in person.enrollments], today
    )
    return render_template(
        "supervisor/candidate.html", person=person, shared=shared, certification=certification
    )


@bp.get("/staff/<int:candidate_id>/submissions/<int:submission_id>")
@login_required
def shared_submission(candidate_id: int, submission_id: int) -> str:
    access.require_role(Role.SUPERVISOR)
    submission = shared_evidence.shared_submission(db.session, _me(), candidate_id, submission_id)
    person = supervisors.supervised_candidate(db.session, _me(), candidate_id, utcnow().date())
    snapshot = shared_evidence.shared_snapshot(submission)
    return render_template(
        "supervisor/submission.html",
        person=person,
        submission=submission,
        snapshot=snapshot,
        texts=submissions.submitted_html(submission, snapshot),
        # The candidate's files it names, each downloaded as a reviewer gets it (the copy
        # without camera details where there is one); uploads.download checks again.
        own_files=submissions.own_files(db.session, person.candidate, snapshot),
    )
