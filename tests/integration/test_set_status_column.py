"""EnrollmentSet.status is a SetLifecycle: rows stored as plain strings read as members."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import StatementError

from portfolio.domain.lifecycle import SetLifecycle
from portfolio.models import EnrollmentSet
from tests.review_fixtures import make_world


def test_a_stored_status_reads_back_as_its_member(session):
    world = make_world(session, reviewers=0, status=SetLifecycle.NOT_YET_MET)
    set_id = world.enrollment_set.id
    session.expire_all()
    stored = session.execute(
        text("SELECT status FROM enrollment_set WHERE id = :id"), {"id": set_id}
    ).scalar_one()
    assert stored == "not_yet_met"  # the same string as before the column was typed
    assert session.get(EnrollmentSet, set_id).status is SetLifecycle.NOT_YET_MET


def test_a_row_written_as_a_plain_string_reads_as_a_member(session):
    """Rows written before the column was typed (plain strings) read unchanged."""
    world = make_world(session, reviewers=0)
    set_id = world.enrollment_set.id
    session.execute(
        text("UPDATE enrollment_set SET status = 'met', version = version + 1 WHERE id = :id"),
        {"id": set_id},
    )
    session.expire_all()
    assert session.get(EnrollmentSet, set_id).status is SetLifecycle.MET
    found = session.scalars(
        select(EnrollmentSet.id).where(EnrollmentSet.status == SetLifecycle.MET)
    ).all()
    assert set_id in found


def test_an_unknown_status_is_refused_before_it_is_stored(session):
    world = make_world(session, reviewers=0)
    enrollment_set = session.get(EnrollmentSet, world.enrollment_set.id)
    enrollment_set.status = "archived"  # type: ignore[assignment]
    with pytest.raises(StatementError, match="archived"):
        session.flush()
