"""The candidate's dashboard (/me/): applications, enrolled sets, countdown, next steps."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from portfolio.extensions import db
from portfolio.models.base import utcnow
from portfolio.services.enrollment.dashboard import candidate_overview
from portfolio.web.candidate import bp


@bp.get("/")
def dashboard() -> str:
    user = current_user._get_current_object()
    overview = candidate_overview(db.session, user, utcnow().date())
    return render_template("candidate/dashboard.html", overview=overview)
