"""Checking courses and certificates in a real browser: axe-clean, and a course verified from
the keyboard alone certifies its candidate."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlalchemy import select

from portfolio.extensions import db
from portfolio.models import Certificate, Role
from portfolio.services.courses import verification
from portfolio.web import clock
from tests.helpers import make_user
from tests.integration.test_course_checks import course_candidate
from tests.review_fixtures import make_framework
from tests.web.conftest import assert_accessible
from tests.web.test_review_pages import PASSWORD, sign_in


def seed(live_app) -> int:
    """Two candidates waiting for their course to be verified, and one certified already;
    the certificate's id."""
    with live_app.app_context():
        session = db.session
        framework = make_framework(session)
        admin = make_user(
            session, "admin@example.org", password=PASSWORD, roles=(Role.ADMINISTRATOR,)
        )
        course_candidate(session, framework)
        course_candidate(session, framework, email="bo@example.org", name="Bo Waiting")
        done = course_candidate(session, framework, email="di@example.org", name="Di Done")
        verification.verify_course(session, done, actor=admin, today=clock.today())
        certificate_id = session.scalars(select(Certificate.id)).one()
        session.commit()
        return certificate_id


def test_verifying_a_course_from_the_keyboard(page: Page, live: str, live_app):
    certificate_id = seed(live_app)
    sign_in(page, live, "admin@example.org", "/admin/")
    page.get_by_role("link", name="Courses to verify (2)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Courses to verify")
    assert_accessible(page)

    verify = page.get_by_role("button", name="Verify Cataloguing Basics for Casey Candidate")
    verify.focus()
    page.keyboard.press("Enter")
    flash = page.get_by_role("status").filter(has_text="is certified")  # not the list's count
    expect(flash).to_contain_text("Casey Candidate is certified")
    expect(
        page.get_by_role("button", name="Verify Cataloguing Basics for Casey Candidate")
    ).to_have_count(0)
    assert_accessible(page)

    # Returning without a reason: the error is tied to the field and the page stays clean.
    page.locator("summary").first.focus()
    page.keyboard.press("Enter")
    page.get_by_label("Reason for returning it").focus()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("Reason for returning it: Give a reason.")
    assert_accessible(page)

    page.goto(f"{live}/admin/certificates")
    expect(page.get_by_role("heading", level=1)).to_have_text("Certificates")
    expect(page.get_by_text("Showing 1 to 2 of 2 certificates.")).to_be_visible()
    assert_accessible(page)
    page.goto(f"{live}/admin/certificates/{certificate_id}")
    expect(page.get_by_text("Every requirement is met.")).to_be_visible()
    assert_accessible(page)
