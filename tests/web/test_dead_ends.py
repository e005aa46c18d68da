"""A portfolio closed as not met, in a real browser: the dashboard and the outcome say what is
still possible, and the candidate turns the set to an approved course (issue 13.1)."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlalchemy import select

from portfolio.extensions import db
from portfolio.models import Assignment
from portfolio.services.accounts.hashing import hash_password
from portfolio.services.reviewing import assignments
from portfolio.web import clock
from tests.completion_fixtures import enable_courses, make_course, make_provider
from tests.review_fixtures import make_world, submit
from tests.web.conftest import assert_accessible

PASSWORD = "a candidate's long passphrase"


def closed_set(live_app) -> dict[str, object]:
    with live_app.app_context():
        session = db.session
        world = make_world(session, reviewers=2)
        world.enrollment_set.resubmissions_used = 1
        world.candidate.password_hash = hash_password(PASSWORD)
        enable_courses(session, world.framework)
        provider, _ = make_provider(session)
        make_course(session, provider, world.framework, title="Cataloging 101")
        assignments.assign_for_submission(session, world.submission, clock.today())
        for assignment in session.scalars(select(Assignment)).all():
            submit(session, world, assignment, "not_met")
        session.commit()
        return {"email": world.candidate.email, "submission": world.submission.id}


def test_a_closed_portfolio_turns_to_a_course_in_the_browser(page: Page, live: str, live_app):
    ids = closed_set(live_app)
    page.goto(f"{live}/sign-in?next=/me/")
    page.get_by_label("Email address").fill(str(ids["email"]))
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("your portfolio was closed as not met")).to_be_visible()
    assert "with the reviewers" not in page.content()
    assert_accessible(page)

    page.goto(f"{live}/me/outcomes/{ids['submission']}")
    # The outcome suggests the approved courses for the set (issue 13.1), from the catalogue.
    expect(page.get_by_role("heading", name="Approved courses for Core skills")).to_be_visible()
    expect(page.get_by_role("heading", name="Cataloging 101")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="choose the course route for this set").click()
    expect(page.get_by_text("Your portfolio for this set was closed as not met")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("An approved course from the catalogue").check()
    page.get_by_role("button", name="Save the route for Core skills").click()
    expect(
        page.get_by_text("Core skills: your route is saved. Now choose your course")
    ).to_be_visible()
    page.get_by_label("Cataloging 101, by State Library Academy").check()
    page.get_by_role("button", name="Choose this course").click()
    expect(page.get_by_text("Core skills: you chose Cataloging 101.")).to_be_visible()

    page.goto(f"{live}/me/")
    expect(page.get_by_text("Complete Cataloging 101 for Core skills.")).to_be_visible()
