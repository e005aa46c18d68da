"""What a candidate sees of the review: outcomes with feedback, reviewers anonymous."""

from __future__ import annotations

from sqlalchemy import select

from portfolio.models import Assignment
from portfolio.services.reviewing import assignments
from portfolio.web import clock
from tests.helpers import login_as
from tests.review_fixtures import make_world, submit

TODAY = clock.today()


def reviewed(session, levels_a, levels_b):
    world = make_world(session)
    assignments.assign_for_submission(session, world.submission, TODAY)
    a, b = session.scalars(select(Assignment).order_by(Assignment.id)).all()
    submit(session, world, a, levels_a, overall="Keep writing about your reasons.")
    submit(session, world, b, levels_b, overall="")
    session.commit()
    return world, a, b


def test_the_outcome_page_shows_each_competencys_result_and_the_comments(client, session):
    world, _a, _b = reviewed(
        session, "partially_met", {"C1": "met", "C2": "partially_met", "C3": "partially_met"}
    )
    login_as(client, world.candidate)
    page = client.get(f"/me/outcomes/{world.submission.id}").get_data(as_text=True)
    assert "Core skills: Not yet met" in page
    assert "Competency C1: Met" in page  # Met with Partially met counts as Met
    assert "Competency C2: Partially met" in page
    assert "Reviewer 1:</strong> Needs a concrete example." in page
    assert "Keep writing about your reasons." in page
    assert "at least 70% needed" in page  # the rule's reason, as recorded
    assert "resubmit this set" in page


def test_the_list_links_decided_sets_and_shows_waiting_ones(client, session):
    world = make_world(session)
    assignments.assign_for_submission(session, world.submission, TODAY)
    session.commit()
    login_as(client, world.candidate)
    page = client.get("/me/outcomes").get_data(as_text=True)
    assert "In review" in page and f"/me/outcomes/{world.submission.id}" not in page
    assert client.get(f"/me/outcomes/{world.submission.id}").status_code == 404


def test_a_met_set_says_so(client, session):
    world, _a, _b = reviewed(session, "met", "met")
    login_as(client, world.candidate)
    page = client.get("/me/outcomes").get_data(as_text=True)
    assert f'href="/me/outcomes/{world.submission.id}">Met' in page
