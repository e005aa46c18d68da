"""The reviewer's pages: every route needs the reviewer role, checked before each request.

The views live beside this module (assignments, calibration) and add their routes to `bp`.
"""

from __future__ import annotations

from flask import Blueprint
from flask_login import current_user, login_required

from portfolio.models import Role, User
from portfolio.web import access

bp = Blueprint("reviewer", __name__, url_prefix="/review")


@bp.before_request
@login_required
def require_reviewer() -> None:
    access.require_role(Role.REVIEWER)


def current_reviewer() -> User:
    """The signed-in reviewer (the role is checked before every request of this blueprint)."""
    user: User = current_user._get_current_object()  # type: ignore[attr-defined]
    return user


# The view modules register their routes on `bp` when imported.
from portfolio.web.reviewer import assignments, calibration, course_evaluations  # noqa: E402, F401
