"""The audit trail is append-only, enforced by the database itself."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from portfolio.domain.audit_actions import AuditAction
from portfolio.services import audit


def test_record_and_read_back_history(session):
    audit.record(
        session,
        actor=None,
        action=AuditAction.FRAMEWORK_PUBLISHED,
        object_type="framework",
        object_id=7,
    )
    audit.record(
        session,
        actor=None,
        action=AuditAction.FRAMEWORK_RETIRED,
        object_type="framework",
        object_id=7,
        details={"reason": "replaced"},
    )
    history = audit.events_for(session, "framework", 7)
    assert [e.action for e in history] == ["framework.published", "framework.retired"]
    assert history[1].details == {"reason": "replaced"}
    assert history[0].at.tzinfo is not None


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_event SET action = 'tampered'", "DELETE FROM audit_event"],
)
def test_database_refuses_update_and_delete(session, statement):
    audit.record(
        session, actor=None, action=AuditAction.UPLOAD_STARTED, object_type="upload", object_id=1
    )
    savepoint = session.begin_nested()
    with pytest.raises(DBAPIError, match="append-only"):
        session.execute(text(statement))
    savepoint.rollback()
    assert session.execute(text("SELECT count(*) FROM audit_event")).scalar_one() == 1


def test_record_refuses_a_free_string(session):
    """A typo'd action would silently drop out of every history; it is refused instead."""
    with pytest.raises(TypeError, match=r"framework\.publishd"):
        audit.record(
            session, actor=None, action="framework.publishd", object_type="framework", object_id=7
        )
    assert audit.events_for(session, "framework", 7) == []
