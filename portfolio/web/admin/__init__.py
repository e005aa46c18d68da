"""Administration: every route here requires the administrator role, checked before each request."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from portfolio.web import access

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def require_administrator() -> None:
    access.require_admin()


@bp.get("/")
def index() -> str:
    return render_template("admin/index.html", user=current_user)


# Each area is a module adding routes to `bp`; imported here so they register.
from portfolio.web.admin import (  # noqa: E402, F401
    appeals,
    applications,
    at_risk,
    certificates,
    cohorts,
    course_approvals,
    courses,
    decisions,
    framework_parts,
    frameworks,
    jobs,
    outbox,
    people,
    providers,
    recognition,
    renewals,
    review_quality,
    reviews,
    scholarship_pools,
    users,
)
