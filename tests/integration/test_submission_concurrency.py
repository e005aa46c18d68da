"""Two submits of the same set at the same moment, from two connections: one snapshot.

PostgreSQL only: it needs real concurrent transactions and row locks, so the data is committed
(outside the per-test rollback) and removed again afterwards.
"""

from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from portfolio.domain.errors import Conflict
from portfolio.domain.portfolios.evidence import ALREADY_SUBMITTED
from portfolio.models import EnrollmentSet, Submission, User
from portfolio.models.base import utcnow
from portfolio.services.portfolios import submissions
from tests.portfolio_fixtures import enroll, fill_set, make_framework

pytestmark = pytest.mark.postgres_only


@pytest.fixture
def engine(committed_engine: Engine) -> Engine:
    """Data committed for real (tests/committed_data.py), removed again afterwards."""
    return committed_engine


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
