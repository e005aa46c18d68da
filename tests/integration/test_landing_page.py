"""Signing in lands on the work waiting for the person (issue 13.3): a candidate who also
reviews goes to their review queue while a review is open, and to their dashboard otherwise."""

from __future__ import annotations

from sqlalchemy import select

from portfolio.models import Assignment, AssignmentStatus, Role
from portfolio.services.accounts.hashing import hash_password
from portfolio.services.reviewing import assignments
from portfolio.web import clock
from tests.helpers import DEFAULT_PASSWORD, sign_in
from tests.review_fixtures import make_reviewer, make_world


def test_a_candidate_who_reviews_lands_on_the_queue_only_while_a_review_waits(app, session):
    world = make_world(session, reviewers=0)
    both = make_reviewer(session, "both@example.org", roles=(Role.CANDIDATE, Role.REVIEWER))
    both.password_hash = hash_password(DEFAULT_PASSWORD)
    session.commit()
    first = sign_in(app.test_client(), "both@example.org", DEFAULT_PASSWORD)
    assert first.headers["Location"] == "/me/"  # nothing to review yet

    assignments.assign_for_submission(session, world.submission, clock.today())
    session.commit()
    assignment = session.scalar(select(Assignment).where(Assignment.reviewer_id == both.id))
    assert assignment.status is AssignmentStatus.ASSIGNED
    second = sign_in(app.test_client(), "both@example.org", DEFAULT_PASSWORD)
    assert second.headers["Location"] == "/review/"
