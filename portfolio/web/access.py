"""Every permission check of the web layer. Views load, then check here, then act."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask_login import current_user

from portfolio.domain.errors import Forbidden, NotFound
from portfolio.extensions import db
from portfolio.models import Role, Upload
from portfolio.services.uploads.access import can_download


def require_role(role: Role) -> None:
    """403 unless the signed-in person holds `role` (login_required checks sign-in itself)."""
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


def require_own(owner_id: int | None) -> None:
    """404 unless the signed-in person owns the object: another person's things look missing."""
    if not current_user.is_authenticated or owner_id is None or owner_id != current_user.id:
        raise NotFound("We could not find that page.")


T = TypeVar("T")


def owned(obj: T | None, owner_id: Callable[[T], int | None]) -> T:
    """`obj` when it exists and the signed-in person owns it (`owner_id` reads its owner);
    404 alike for a missing object and for anyone else's (require_found, require_own)."""
    require_found(obj)
    assert obj is not None
    require_own(owner_id(obj))
    return obj


def require_can_download(upload: Upload | None) -> Upload:
    """The upload if the signed-in person may download it; 404 (never 403) otherwise."""
    user = current_user._get_current_object() if current_user.is_authenticated else None
    if upload is None or not can_download(db.session, user, upload):
        raise NotFound("We could not find that file.")
    return upload
