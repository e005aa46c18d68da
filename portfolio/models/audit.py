"""The append-only audit trail. On PostgreSQL a trigger refuses UPDATE and DELETE."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DDL, ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, mapped_column

from portfolio.models.base import Base, utcnow

PG_APPEND_ONLY_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_event is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql
"""
PG_APPEND_ONLY_TRIGGER = """
CREATE TRIGGER audit_event_append_only
BEFORE UPDATE OR DELETE ON audit_event
FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()
"""
SQLITE_APPEND_ONLY_TRIGGERS = (
    "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only: UPDATE refused'); END",
    "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only: DELETE refused'); END",
)


class AuditEvent(Base):
    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="RESTRICT"), index=True
    )
    # An AuditAction's value (services.audit.record takes nothing else). Read back as a plain
    # string, so an event recorded by a newer release never breaks an older one's history page.
    action: Mapped[str] = mapped_column(String(100))
    object_type: Mapped[str] = mapped_column(String(50))
    object_id: Mapped[str] = mapped_column(String(100))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


def append_only_statements(dialect_name: str) -> tuple[str, ...]:
    """DDL that makes audit_event refuse UPDATE and DELETE (used by migrations and create_all)."""
    if dialect_name == "postgresql":
        return (PG_APPEND_ONLY_FUNCTION, PG_APPEND_ONLY_TRIGGER)
    if dialect_name == "sqlite":
        return SQLITE_APPEND_ONLY_TRIGGERS
    return ()


# create_all (tests) gets the same triggers as the migration.
for _dialect in ("postgresql", "sqlite"):
    for _statement in append_only_statements(_dialect):
        event.listen(
            AuditEvent.__table__,
            "after_create",
            DDL(_statement.replace("%", "%%")).execute_if(dialect=_dialect),
        )
