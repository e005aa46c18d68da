"""Every permission check of the web layer. Views load, then check here, then act."""

from __future__ import annotations

from flask_login import current_user

from portfolio.domain.errors import Forbidden, NotFound
from portfolio.models import Role


def require_role(role: Role) -> None:
    """403 unless the signed-in person holds `role` (sign-in itself is checked by login_required)."""
    if not current_user.is_authenticated or not current_user.has_role(role):
        raise Forbidden("You do not have access to this page.")


def require_admin() -> None:
    require_role(Role.ADMINISTRATOR)


def is_admin() -> bool:
    """Whether the signed-in person administers (sees drafts and provisional markers)."""
    return bool(current_user.is_authenticated and current_user.has_role(Role.ADMINISTRATOR))


def require_found(obj: object | None) -> None:
    """404 when the object is missing; also used when it exists but is not the caller's."""
    if obj is None:
        raise NotFound("We could not find that page.")
