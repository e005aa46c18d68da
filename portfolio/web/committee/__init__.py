"""The appeals committee's pages: every route needs the committee role, checked before each
request; whether a member may hear a given appeal is checked by services.appeals.committee."""

from __future__ import annotations

from flask import Blueprint
from flask_login import current_user, login_required

from portfolio.models import Role, User
from portfolio.web import access

bp = Blueprint("committee", __name__, url_prefix="/committee")


@bp.before_request
@login_required
def require_committee_member() -> None:
    access.require_role(Role.COMMITTEE)


def current_member() -> User:
    user: User = current_user._get_current_object()  # type: ignore[attr-defined]
    return user


# The view modules register their routes on `bp` when imported.
from portfolio.web.committee import appeals  # noqa: E402, F401
