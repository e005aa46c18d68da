"""Writing to the append-only audit trail; every feature records through `record`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from portfolio.domain.audit_actions import AuditAction
from portfolio.models import AuditEvent, User

# The table itself: a batch inserts plain rows (Core), without the ORM's work for each one.
_EVENTS = cast(Table, AuditEvent.__table__)


def record(
    session: Session,
    *,
    actor: User | None,
    action: AuditAction,
    object_type: str,
    object_id: int | str,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event (who did what to which object, with details). Flushes, never commits.

    `action` is an AuditAction, never a free string, so every history that filters on one finds
    what was recorded (mypy refuses anything else; a plain string is refused here too)."""
    if not isinstance(action, AuditAction):
        raise TypeError(f"audit action {action!r} is not an AuditAction")
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        details=details or {},
    )
    session.add(event)
    session.flush()
    return event


def record_many(
    session: Session,
    *,
    actor: User | None,
    action: AuditAction,
    object_type: str,
    entries: Iterable[tuple[int | str, dict[str, Any]]],
) -> None:
    """`record` for many objects at once, one (object id, details) pair each, in one insert: a
    batch records as much as one event per object would, in a number of statements that does
    not grow with the batch."""
    if not isinstance(action, AuditAction):
        raise TypeError(f"audit action {action!r} is not an AuditAction")
    actor_id = actor.id if actor is not None else None
    rows = [
        {
            "actor_id": actor_id,
            "action": action,
            "object_type": object_type,
            "object_id": str(object_id),
            "details": details,
        }
        for object_id, details in entries
    ]
    if rows:
        session.execute(insert(_EVENTS), rows)


def events_for(session: Session, object_type: str, object_id: int | str) -> list[AuditEvent]:
    """The history of one object, oldest first."""
    query = (
        select(AuditEvent)
        .where(AuditEvent.object_type == object_type, AuditEvent.object_id == str(object_id))
        .order_by(AuditEvent.at, AuditEvent.id)
    )
    return list(session.scalars(query))
