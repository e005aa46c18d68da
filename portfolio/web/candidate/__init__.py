"""The candidate's pages: application, enrollment, electives and routes, the portfolio."""

from __future__ import annotations

import importlib

from flask import Blueprint
from flask_login import login_required

bp = Blueprint("candidate", __name__, url_prefix="/me")


@bp.before_request
@login_required
def require_sign_in() -> None:
    """Every candidate page needs a signed-in person; each view checks ownership itself."""


# Each area is a module adding routes to `bp`; imported here so they register.
for _area in (
    "dashboard",
    "application",
    "electives",
    "supervisors",
    "portfolio",
    "portfolio_autosave",
    "portfolio_artifacts",
    "submissions",
    "outcomes",
):
    try:
        importlib.import_module(f"portfolio.web.candidate.{_area}")
    except ModuleNotFoundError as exc:
        if exc.name != f"portfolio.web.candidate.{_area}":
            raise
