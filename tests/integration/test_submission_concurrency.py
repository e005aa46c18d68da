"""Two submits of the same set at the same moment, from two connections: one snapshot.

PostgreSQL only: it needs real concurrent transactions and row locks, so the data is committed
(outside the per-test rollback) and removed again afterwards.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from portfolio.domain.errors import Conflict
from portfolio.domain.portfolios.evidence import ALREADY_SUBMITTED
from portfolio.extensions import db
from portfolio.models import Base, EnrollmentSet, Submission, User
from portfolio.models.base import utcnow
from portfolio.services.portfolios import submissions
from tests.portfolio_fixtures import enroll, fill_set, make_framework

pytestmark = pytest.mark.postgres_only


@pytest.fixture
def engine(app, database_url) -> Iterator[Engine]:
    """The app's engine, with every row this test commits deleted again at the end."""
    if not database_url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL: concurrent transactions and SELECT ... FOR UPDATE")
    engine = db.engine_for(app)
    tables = [t for t in reversed(Base.metadata.sorted_tables) if "id" in t.c]
    with engine.connect() as conn:
        before = {t.name: conn.scalar(select(func.coalesce(func.max(t.c.id), 0))) for t in tables}
    try:
        yield engine
    finally:
        with engine.begin() as conn:
            # The audit trail refuses DELETE by design; only this clean-up may lift that.
            conn.execute(text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only"))
            for table in tables:
                conn.execute(table.delete().where(table.c.id > before[table.name]))
            conn.execute(text("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only"))


def test_two_submits_at_once_make_one_snapshot(app, engine):
    tag = uuid.uuid4().hex[:8]
    with Session(engine) as setup:
        framework = make_framework(setup, slug=f"race-{tag}")
        candidate = enroll(setup, framework, f"race-{tag}@example.org")
        fill_set(setup, candidate, candidate.sets[0])
        setup.commit()
        set_id, user_id = candidate.sets[0].id, candidate.user.id

    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def submit() -> None:
        with app.app_context(), Session(engine) as session:
            enrollment_set = session.get(EnrollmentSet, set_id)
            user = session.get(User, user_id)
            barrier.wait()
            try:
                submissions.submit_set(session, enrollment_set, user, utcnow().date())
                session.commit()
                outcomes.append("submitted")
            except Conflict as exc:
                session.rollback()
                outcomes.append(exc.message)

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == sorted(["submitted", ALREADY_SUBMITTED])
    with Session(engine) as check:
        query = select(Submission).where(Submission.enrollment_set_id == set_id)
        assert len(check.scalars(query).all()) == 1
        assert check.get(EnrollmentSet, set_id).status in {"submitted", "in_review"}
