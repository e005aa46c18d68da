"""The candidate's outcomes: each submitted set's result, with anonymous reviewer feedback.

Routes join the candidate blueprint (sign-in required). Only the candidate's own submissions
are found; anyone else's answers 404, exactly like one that does not exist.
"""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from portfolio.domain.courses.catalogue import FORMATS
from portfolio.extensions import db
from portfolio.models import Enrollment, User
from portfolio.services.courses import catalogue
from portfolio.services.reviewing.outcome_views import candidate_outcome, candidate_sets
from portfolio.web import clock
from portfolio.web.candidate import bp


def _me() -> User:
    user: User = current_user._get_current_object()  # type: ignore[attr-defined]
    return user


@bp.get("/outcomes")
def outcomes() -> str:
    return render_template("candidate/outcomes.html", rows=candidate_sets(db.session, _me()))


@bp.get("/outcomes/<int:submission_id>")
def outcome(submission_id: int) -> str:
    view = candidate_outcome(db.session, submission_id, _me())
    suggestions: list[catalogue.CatalogueRow] = []
    if view.closed_reason and view.course_route_open:
        # The set closed as not met can still be met by a course: name some, as the program did.
        enrollment = db.session.get(Enrollment, view.enrollment_id)
        if enrollment is not None:
            suggestions = catalogue.for_set(
                db.session,
                enrollment.framework.slug,
                view.set_code,
                clock.today(),
                limit=catalogue.SUGGESTIONS,
            )
    return render_template(
        "candidate/outcome.html", outcome=view, suggestions=suggestions, formats=FORMATS
    )
