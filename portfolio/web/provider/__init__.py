"""A course provider's pages: every route needs sign-in and the provider role; each view loads
the provider by its slug among the signed-in person's own (404 otherwise)."""

from __future__ import annotations

from flask import Blueprint
from flask_login import login_required

from portfolio.models import Role
from portfolio.web import access

bp = Blueprint("provider", __name__, url_prefix="/provider")


@bp.before_request
@login_required
def require_provider() -> None:
    access.require_role(Role.PROVIDER)


# Each area is a module adding routes to `bp`; imported here so they register.
from portfolio.web.provider import completions, rosters  # noqa: E402, F401
