"""Two reviewers submitting at the same instant: both reviews are kept, the outcome is made once.

Real concurrency needs committed data and two connections, so this runs on a database of its
own on PostgreSQL (SQLite allows one writer at a time; the sequential case is in
test_review_bad_input.py and runs on both).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, func, select, text

from portfolio import create_app
from portfolio.extensions import db
from portfolio.models import (
    Assignment,
    AssignmentStatus,
    AuditEvent,
    Base,
    OutcomeStatus,
    SetOutcomeRecord,
    SetReviewTally,
    User,
)
from portfolio.services.reviewing import assignments, scoring
from portfolio.web import clock
from tests.review_fixtures import make_world, ratings_for

TODAY = clock.today()


@pytest.fixture
def own_app(app_settings, database_url) -> Iterator[object]:
    if database_url.startswith("sqlite"):
        pytest.skip("needs PostgreSQL: SQLite serialises writers")
    server = database_url.rsplit("/", 1)[0]
    name = f"review_race_{uuid.uuid4().hex[:8]}"
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    application = create_app({**app_settings, "DATABASE_URL": f"{server}/{name}"})
    engine = db.engine_for(application)
    Base.metadata.create_all(engine)
    try:
        yield application
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def race(application, assignment_ids: list[int], levels: list[str]) -> list[BaseException]:
    barrier = threading.Barrier(len(assignment_ids))
    errors: list[BaseException] = []

    def review(assignment_id: int, level: str) -> None:
        try:
            with application.app_context():
                session = db.session
                assignment = session.get(Assignment, assignment_id)
                reviewer = session.get(User, assignment.reviewer_id)
                competencies = assignment.submission.enrollment_set.competency_set.competencies
                ratings = ratings_for(list(competencies), level)
                barrier.wait(timeout=10)
                scoring.submit_review(
                    session,
                    assignment,
                    reviewer=reviewer,
                    version=assignment.version,
                    ratings=ratings,
                    overall_comment="",
                    today=TODAY,
                )
                session.commit()
        except BaseException as exc:
            errors.append(exc)

    threads = [
        threading.Thread(target=review, args=(aid, level))
        for aid, level in zip(assignment_ids, levels, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return errors


@pytest.mark.parametrize("levels", [("met", "met"), ("met", "not_met")])
def test_two_reviewers_submitting_at_the_same_instant(own_app, levels):
    with own_app.app_context():
        session = db.session
        world = make_world(session, reviewers=3)
        assignments.assign_for_submission(session, world.submission, TODAY)
        session.commit()
        ids = sorted(session.scalars(select(Assignment.id)))
        submission_id = world.submission.id

    assert race(own_app, ids, list(levels)) == []

    with own_app.app_context():
        session = db.session
        reviews = session.scalars(select(Assignment).where(Assignment.id.in_(ids))).all()
        assert {a.status for a in reviews} == {AssignmentStatus.SUBMITTED}
        assert all(len(a.ratings) == 3 for a in reviews)  # no rating lost
        outcomes = session.scalars(select(SetOutcomeRecord)).all()
        assert len(outcomes) == 1 and outcomes[0].submission_id == submission_id
        decided = session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action.in_(["outcome.recorded", "outcome.needs_adjudication"]))
        )
        assert decided == 1
        expected = (
            OutcomeStatus.MET if levels == ("met", "met") else OutcomeStatus.NEEDS_ADJUDICATION
        )
        assert outcomes[0].status is expected
        # The quality page's tallies hold the pair once: 3 paired ratings, counted per set.
        (tally,) = session.scalars(select(SetReviewTally)).all()
        pair = "pair_met_met" if levels == ("met", "met") else "pair_met_not_met"
        assert tally.reviews == 2 and getattr(tally, pair) == 3
        if expected is OutcomeStatus.NEEDS_ADJUDICATION:
            third = session.scalars(select(Assignment).where(Assignment.id.not_in(ids))).all()
            assert len(third) == 1  # one third reviewer, not one per racing request
