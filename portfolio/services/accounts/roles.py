"""Granting and revoking roles; every change is audited."""

from __future__ import annotations

from sqlalchemy.orm import Session

from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.errors import Conflict
from portfolio.models import Role, User, UserRole
from portfolio.services import audit

OWN_ADMIN_ROLE = (
    "You cannot remove your own administrator role. Ask another administrator, so the program "
    "always keeps one."
)


def grant_role(session: Session, *, actor: User, user: User, role: Role) -> bool:
    """Give `user` the `role`. False (and nothing recorded) when they hold it already."""
    if user.has_role(role):
        return False
    user.roles.append(UserRole(role=role, granted_by_id=actor.id))
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=AuditAction.ACCOUNT_ROLE_GRANTED,
        object_type="user",
        object_id=user.id,
        details={"role": role.value},
    )
    return True


def revoke_role(session: Session, *, actor: User, user: User, role: Role) -> bool:
    """Take `role` from `user`. False when they do not hold it.

    Raises Conflict when administrators try to drop their own administrator role: only another
    administrator may do that, so the last one can never lock everybody out.
    """
    if role is Role.ADMINISTRATOR and actor.id == user.id:
        raise Conflict(OWN_ADMIN_ROLE)
    grants = [grant for grant in user.roles if grant.role == role]
    if not grants:
        return False
    for grant in grants:
        user.roles.remove(grant)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=AuditAction.ACCOUNT_ROLE_REVOKED,
        object_type="user",
        object_id=user.id,
        details={"role": role.value},
    )
    return True
