"""The candidate's outcomes: each submitted set's result, with anonymous reviewer feedback.

Routes join the candidate blueprint (sign-in required). Only the candidate's own submissions
are found; anyone else's answers 404, exactly like one that does not exist.
"""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from portfolio.extensions import db
from portfolio.models import User
from portfolio.services.reviewing.outcome_views import candidate_outcome, candidate_sets
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
    return render_template("candidate/outcome.html", outcome=view)
