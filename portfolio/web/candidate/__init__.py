"""The candidate's pages: application, enrollment, electives and routes, the portfolio, and
the holder's own certificate."""

from __future__ import annotations

from flask import Blueprint
from flask_login import login_required

bp = Blueprint("candidate", __name__, url_prefix="/me")


@bp.before_request
@login_required
def require_sign_in() -> None:
    """Every candidate page needs a signed-in person; each view checks ownership itself."""


# Each area is a module adding routes to `bp`; imported here so they register.
from portfolio.web.candidate import (  # noqa: E402, F401
    appeals,
    application,
    certificates,
    courses,
    credentials,
    dashboard,
    electives,
    export,
    fees,
    outcomes,
    portfolio,
    portfolio_artifacts,
    portfolio_autosave,
    portfolio_import,
    renewal,
    submissions,
    supervisors,
)
