"""The candidate's editor shows what reviewers look for (the competency's rubric descriptors)
and, once an outcome is decided, the reviewers' feedback on that competency beside the
narrative (issue 13.3)."""

from __future__ import annotations

from sqlalchemy import select

from portfolio.models import Assignment
from portfolio.services.portfolios.entries import ensure_portfolio, entries_by_competency
from portfolio.services.reviewing import assignments
from portfolio.web import clock
from tests.helpers import login_as
from tests.review_fixtures import make_world, submit


def entry_page(client, session, world, code):
    portfolio = ensure_portfolio(session, world.enrollment_set.enrollment)
    session.commit()
    competency = next(c for c in world.competencies if c.code == code)
    entry = entries_by_competency(portfolio)[competency.id]
    login_as(client, world.candidate)
    return client.get(f"/me/portfolio/entries/{entry.id}").get_data(as_text=True)


def test_the_editor_shows_what_each_level_looks_like_for_this_competency(client, session):
    world = make_world(session, reviewers=2)
    page = entry_page(client, session, world, "C1")
    assert "What reviewers look for in C1" in page
    assert "<dt>Met</dt><dd>Catalogues independently, with examples.</dd>" in page  # its own
    assert "Reviewers' feedback" not in page  # nothing decided yet
    # Blind review: the file upload says what reaches reviewers as sent.
    assert "Reviewers are not told who you are." in page
    assert "without their author and" in page and "Other files (audio, video" in page


def test_after_an_outcome_the_editor_shows_the_reviewers_feedback_anonymously(client, session):
    world = make_world(session, reviewers=2)
    assignments.assign_for_submission(session, world.submission, clock.today())
    pair = session.scalars(
        select(Assignment).where(Assignment.submission_id == world.submission.id)
    ).all()
    submit(session, world, pair[0], "met")
    submit(session, world, pair[1], {"C1": "met", "C2": "partially_met", "C3": "met"})
    session.commit()
    page = entry_page(client, session, world, "C2")
    assert "Reviewers' feedback on C2" in page
    assert "Needs a concrete example." in page and "Reviewer 2" in page
    for reviewer in (a.reviewer for a in pair):
        assert reviewer.name not in page and reviewer.email not in page
    assert f"/me/outcomes/{world.submission.id}" in page
