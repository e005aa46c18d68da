"""Course providers' pages: registering an organisation, its courses and their approval, and
each provider's public page. Routes need the provider role, except registering (any signed-in
person) and the public page (anyone, GET only).
"""

from __future__ import annotations

from flask import Blueprint, request
from flask_login import current_user, login_required

from portfolio.models import CourseVersion, CourseVersionStatus, Role, User
from portfolio.services.courses.approval_list import standing
from portfolio.web import access, clock

bp = Blueprint("provider", __name__)

# Open to any signed-in person (registering) or to everyone (the public page).
SIGNED_IN_ONLY = {"provider.register", "provider.register_form"}
PUBLIC = {"provider.public_page"}


@bp.before_request
def require_provider() -> None:
    if request.endpoint in PUBLIC:
        return None
    return _signed_in_provider()


@login_required
def _signed_in_provider() -> None:
    if request.endpoint not in SIGNED_IN_ONLY:
        access.require_role(Role.PROVIDER)


@bp.app_template_global()
def course_approval_ended(version: CourseVersion) -> bool:
    """For the status macro (provider/_status.html), which the office's pages use too."""
    return standing(version, clock.today()) is CourseVersionStatus.EXPIRED


def current_member() -> User:
    """The signed-in person acting for providers (the role is checked before each request)."""
    user: User = current_user._get_current_object()  # type: ignore[attr-defined]
    return user


# The view modules register their routes on `bp` when imported.
from portfolio.web.provider import (  # noqa: E402, F401
    completions,
    courses,
    public_page,
    registration,
    rosters,
)
