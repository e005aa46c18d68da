"""Reviews submitted at the same instant: both reviews are kept, the outcome is made once, and
one review sent twice at once (a double click, two tabs) counts once.

Real concurrency needs committed data and two connections, so this runs on PostgreSQL only
(SQLite allows one writer at a time; the sequential case is in test_review_bad_input.py and
runs on both): the service-level races on a database of their own, the races through the web
forms on committed data (tests/committed_data.py) with one test client per person.
"""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.orm import Session

from portfolio import create_app
from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.lifecycle import SetLifecycle
from portfolio.extensions import db
from portfolio.models import (
    Assignment,
    AssignmentStatus,
    AuditEvent,
    Base,
    EnrollmentSet,
    OutcomeStatus,
    SetOutcomeRecord,
    SetReviewTally,
    User,
)
from portfolio.services.reviewing import assignments, scoring
from portfolio.web import clock
from tests.committed_data import backends_waiting_on, table_locked
from tests.helpers import login_as
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


VERSION = re.compile(r'name="version" value="(\d+)"')
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def review_form(
    client: FlaskClient, assignment_id: int, competency_ids: list[int], level: str
) -> dict[str, str]:
    """The reviewer's filled-in scoring form, as their browser would post it to submit."""
    page = client.get(f"/review/assignments/{assignment_id}").get_data(as_text=True)
    form = {
        "csrf_token": CSRF.search(page).group(1),
        "version": VERSION.search(page).group(1),
        "overall_comment": "",
        "action": "submit",
    }
    for competency_id in competency_ids:
        form[f"rating-{competency_id}"] = level
        form[f"comment-{competency_id}"] = "" if level == "met" else "Needs a concrete example."
    return form


def post_at_once(
    engine: Engine, posts: list[tuple[FlaskClient, str, dict[str, str]]]
) -> list[tuple[int, str]]:
    """Send each (client, url, form) from a thread of its own, and make sure they overlap: each
    first reaches its audit row, or waits for the row another one holds, then all go on."""
    replies: list[tuple[int, str]] = []

    def send(client: FlaskClient, url: str, form: dict[str, str]) -> None:
        reply = client.post(url, data=form)
        replies.append((reply.status_code, reply.get_data(as_text=True)))

    threads = [threading.Thread(target=send, args=post) for post in posts]
    with table_locked(engine, AuditEvent.__tablename__):
        for thread in threads:
            thread.start()
        backends_waiting_on(engine, count=len(posts))
    for thread in threads:
        thread.join(timeout=30)
    return replies


@dataclass
class Assigned:
    assignments: list[int]  # the two reviews, in id order
    reviewers: dict[int, User]  # by assignment
    competencies: list[int]
    submission: int
    enrollment_set: int


@pytest.fixture
def assigned_world(app: Flask, committed_engine: Engine) -> Assigned:
    """A submission assigned to two of three qualified reviewers (committed)."""
    with app.app_context(), Session(committed_engine) as setup:
        world = make_world(setup, reviewers=3)
        assignments.assign_for_submission(setup, world.submission, TODAY)
        setup.commit()
        query = select(Assignment).where(Assignment.submission_id == world.submission.id)
        assigned = setup.scalars(query.order_by(Assignment.id)).all()
        reviewers = {a.id: setup.get(User, a.reviewer_id) for a in assigned}
        for user in reviewers.values():
            setup.expunge(user)
        return Assigned(
            [a.id for a in assigned],
            reviewers,
            [c.id for c in world.competencies],
            world.submission.id,
            world.enrollment_set.id,
        )


def audited(engine: Engine, action: AuditAction, object_type: str, object_id: int) -> int:
    with Session(engine) as check:
        return int(
            check.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(
                    AuditEvent.action == action,
                    AuditEvent.object_type == object_type,
                    AuditEvent.object_id == str(object_id),
                )
            )
        )


def test_one_review_submitted_twice_at_the_same_instant_counts_once(
    app, committed_engine, assigned_world
):
    assignment_id = assigned_world.assignments[0]
    reviewer = assigned_world.reviewers[assignment_id]
    url = f"/review/assignments/{assignment_id}"
    tabs = [app.test_client(), app.test_client()]
    forms = []
    for tab in tabs:
        login_as(tab, reviewer)
        forms.append(review_form(tab, assignment_id, assigned_world.competencies, "met"))

    replies = post_at_once(
        committed_engine, [(tab, url, form) for tab, form in zip(tabs, forms, strict=True)]
    )

    assert sorted(status for status, _page in replies) == [302, 409]
    refused = next(page for status, page in replies if status == 409)
    assert "You submitted this review" in refused
    with Session(committed_engine) as check:
        assignment = check.get(Assignment, assignment_id)
        assert assignment.status is AssignmentStatus.SUBMITTED
        assert len(assignment.ratings) == len(assigned_world.competencies)  # none twice
        tallies = check.scalars(select(SetReviewTally)).all()
        assert sum(t.reviews for t in tallies) == 1
    assert audited(committed_engine, AuditAction.REVIEW_SUBMITTED, "assignment", assignment_id) == 1


@pytest.mark.parametrize("levels", [("met", "met"), ("met", "not_met")])
def test_two_reviewers_submitting_the_form_at_the_same_instant(
    app, committed_engine, assigned_world, levels
):
    posts = []
    for assignment_id, level in zip(assigned_world.assignments, levels, strict=True):
        client = app.test_client()
        login_as(client, assigned_world.reviewers[assignment_id])
        form = review_form(client, assignment_id, assigned_world.competencies, level)
        posts.append((client, f"/review/assignments/{assignment_id}", form))

    replies = post_at_once(committed_engine, posts)

    assert [status for status, _page in replies] == [302, 302]  # both reviews are taken
    submission_id = assigned_world.submission
    with Session(committed_engine) as check:
        outcomes = check.scalars(
            select(SetOutcomeRecord).where(SetOutcomeRecord.submission_id == submission_id)
        ).all()
        assert len(outcomes) == 1
        status = check.get(EnrollmentSet, assigned_world.enrollment_set).status
        everyone = check.scalars(
            select(Assignment).where(Assignment.submission_id == submission_id)
        ).all()
    if levels == ("met", "met"):
        assert outcomes[0].status is OutcomeStatus.MET and status is SetLifecycle.MET
        assert len(everyone) == 2
        decided = AuditAction.OUTCOME_RECORDED
    else:
        assert outcomes[0].status is OutcomeStatus.NEEDS_ADJUDICATION
        assert status is SetLifecycle.NEEDS_ADJUDICATION
        assert len(everyone) == 3  # one third reviewer, not one per racing request
        decided = AuditAction.OUTCOME_NEEDS_ADJUDICATION
    assert audited(committed_engine, decided, "submission", submission_id) == 1
    for assignment_id in assigned_world.assignments:
        assert (
            audited(committed_engine, AuditAction.REVIEW_SUBMITTED, "assignment", assignment_id)
            == 1
        )
