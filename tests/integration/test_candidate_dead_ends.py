"""A portfolio set closed as not met is not a dead end: the candidate can still meet it with an
approved course, and every page says so (issue 13, section 1)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from portfolio.domain.lifecycle import SetLifecycle
from portfolio.models import (
    Assignment,
    AuditEvent,
    EnrollmentSet,
    OutcomeStatus,
    Route,
    SetOutcomeRecord,
    Submission,
)
from portfolio.services.reviewing import assignments
from portfolio.web import clock
from tests.helpers import login_as, post_form
from tests.review_fixtures import make_world, submit


def closed_world(session):
    """A candidate whose CORE portfolio failed its last allowed attempt."""
    world = make_world(session, reviewers=2)
    world.enrollment_set.resubmissions_used = 1
    assignments.assign_for_submission(session, world.submission, clock.today())
    pair = session.scalars(
        select(Assignment).where(Assignment.submission_id == world.submission.id)
    ).all()
    for assignment in pair:
        submit(session, world, assignment, "not_met")
    session.commit()
    outcome = session.scalar(
        select(SetOutcomeRecord).where(SetOutcomeRecord.submission_id == world.submission.id)
    )
    assert outcome.status is OutcomeStatus.CLOSED_NOT_MET
    return world


def choose(client, world, **values):
    item = world.enrollment_set
    data = {f"set-{item.id}-{key}": value for key, value in values.items()}
    page = f"/me/enrollments/{item.enrollment_id}/electives"
    return post_form(client, f"/me/enrollment-sets/{item.id}/route", data, page=page)


def test_the_dashboard_and_the_outcome_say_what_is_still_possible(client, session):
    world = closed_world(session)
    login_as(client, world.candidate)
    dashboard = client.get("/me/").get_data(as_text=True)
    assert "with the reviewers" not in dashboard
    assert "your portfolio was closed as not met. You can still meet this set with an" in (
        dashboard
    )
    outcome = client.get(f"/me/outcomes/{world.submission.id}").get_data(as_text=True)
    assert "choose the course route for this set" in outcome
    routes = client.get(f"/me/enrollments/{world.enrollment_set.enrollment_id}/electives")
    page = routes.get_data(as_text=True)
    assert "Your portfolio for this set was closed as not met" in page
    assert 'value="portfolio"' not in page  # only the course route is offered


def test_a_closed_portfolio_set_turns_to_a_course_and_keeps_its_submissions(client, session):
    world = closed_world(session)
    login_as(client, world.candidate)
    response = choose(client, world, route="course")
    assert response.status_code == 302
    course_page = f"/me/enrollment-sets/{world.enrollment_set.id}/course#choose"
    assert response.location.endswith(course_page)
    session.expire_all()
    item = session.get(EnrollmentSet, world.enrollment_set.id)
    assert item.route is Route.COURSE and item.course_name == ""  # picked from the catalogue next
    assert item.status == "closed_not_met"  # the portfolio's outcome stays on record
    count = (
        select(func.count()).select_from(Submission).where(Submission.enrollment_set_id == item.id)
    )
    assert session.scalar(count) == 1
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "enrollment.route_chosen"))
    assert event.details["before"]["route"] == "portfolio" and event.details["route"] == "course"
    dashboard = client.get("/me/").get_data(as_text=True)
    assert "Choose an approved course for" in dashboard


def test_a_closed_portfolio_cannot_be_reopened_by_choosing_the_portfolio_again(client, session):
    world = closed_world(session)
    login_as(client, world.candidate)
    assert (
        choose(client, world, route="course").status_code
        == 302
    )
    response = choose(client, world, route="portfolio")
    assert response.status_code == 409
    assert "can now be met only by an approved course" in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(EnrollmentSet, world.enrollment_set.id).route is Route.COURSE


def test_a_met_set_or_an_ended_window_keeps_its_route(client, session):
    world = make_world(session, reviewers=0)
    world.enrollment_set.status = SetLifecycle.MET
    session.commit()
    login_as(client, world.candidate)
    response = choose(client, world, route="course")
    assert response.status_code == 409
    assert "its route can no longer change" in response.get_data(as_text=True)

    world.enrollment_set.status = SetLifecycle.CLOSED_NOT_MET
    world.enrollment_set.enrollment.window_ends_on = clock.today() - timedelta(days=1)
    session.commit()
    response = choose(client, world, route="course")
    assert response.status_code == 409
    assert "completion window ended" in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(EnrollmentSet, world.enrollment_set.id).route is Route.PORTFOLIO
