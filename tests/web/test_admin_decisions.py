"""Certification decisions in a real browser: axe-clean, and a not-certified decision overridden
from the keyboard alone issues the candidate's certificate."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import Page, expect
from sqlalchemy import select

from portfolio.extensions import db
from portfolio.models import Certificate, CourseStatus, Role
from portfolio.services.certification import evaluation
from tests.helpers import make_user
from tests.integration.test_course_checks import course_candidate
from tests.review_fixtures import make_framework
from tests.web.conftest import assert_accessible
from tests.web.test_review_pages import PASSWORD, sign_in


def seed(live_app) -> int:
    """A candidate whose window ended with their course only planned: not certified; the
    decision's id."""
    with live_app.app_context():
        session = db.session
        make_user(session, "admin@example.org", password=PASSWORD, roles=(Role.ADMINISTRATOR,))
        item = course_candidate(session, make_framework(session), status=CourseStatus.PLANNED)
        later = item.enrollment.window_ends_on + timedelta(days=1)
        decision = evaluation.evaluate_enrollment(session, item.enrollment, later)
        assert decision is not None
        decision_id = decision.id
        session.commit()
        return decision_id


def certificates(live_app) -> list[str]:
    with live_app.app_context():
        return list(db.session.scalars(select(Certificate.number)))


def test_overriding_a_decision_from_the_keyboard(page: Page, live: str, live_app):
    decision_id = seed(live_app)
    sign_in(page, live, "admin@example.org", "/admin/")
    page.get_by_role("link", name="Certification decisions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Certification decisions")
    expect(page.get_by_text("Showing 1 to 1 of 1 decision.")).to_be_visible()
    assert_accessible(page)

    page.locator(f'main a[href="/admin/decisions/{decision_id}"]').click()
    expect(page).to_have_url(f"{live}/admin/decisions/{decision_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Certification decision: Casey Candidate"
    )
    expect(page.get_by_role("radio", name="Certified")).to_be_checked()
    assert_accessible(page)

    # Without a reason: the error is tied to the field and the page stays clean.
    page.get_by_label("Reason for the override").focus()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("Reason for the override: Give a reason.")
    expect(page.get_by_label("Reason for the override")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)
    assert certificates(live_app) == []

    page.get_by_label("Reason for the override").focus()
    page.keyboard.type("The provider confirmed the course was completed in time.")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("The decision is now certified.")
    (number,) = certificates(live_app)
    expect(page.get_by_role("link", name=number)).to_be_visible()
    expect(page.get_by_role("radio", name="Not certified")).to_be_checked()
    expect(page.get_by_text("overridden by")).to_contain_text(
        "The provider confirmed the course was completed in time."
    )
    assert_accessible(page)
