"""Notifications in a real browser: the header's unread count on every page, the list with
links, marking read, and the email-preferences form; axe-clean and no sideways scroll at 390 px."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from portfolio.domain.notifications import Kind
from portfolio.extensions import db
from portfolio.models import Role
from portfolio.services.notifications import notify
from tests.helpers import make_user
from tests.web.conftest import assert_accessible

PASSWORD = "correct horse library staple"
EMAIL = "browser.reviewer@example.org"
FITS = "document.documentElement.scrollWidth <= window.innerWidth"


def seed(live_app) -> None:
    with live_app.app_context():
        reviewer = make_user(
            db.session, EMAIL, name="Rey Viewer", password=PASSWORD, roles=(Role.REVIEWER,)
        )
        for number, set_name in ((41, "Core skills"), (42, "A set with a rather long name")):
            notify(
                db.session,
                user=reviewer,
                kind=Kind.REVIEW_ASSIGNED,
                link=f"/review/assignments/{number}",
                subject=f"New review: {set_name}",
                body="You have a new review.",
            )
        db.session.commit()


def sign_in(page: Page, live: str) -> None:
    page.goto(f"{live}/sign-in")
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def test_header_count_list_mark_read_and_preferences(page: Page, live: str, live_app):
    seed(live_app)
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live)

    # On whatever page the person lands, the header says how many are unread.
    header_link = page.get_by_role("link", name="Notifications 2 unread")
    expect(header_link).to_be_visible()
    header_link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Notifications")
    expect(page.locator("#unread-summary")).to_contain_text("2 unread.")
    link = page.get_by_role("link", name="New review: Core skills")
    expect(link).to_have_attribute("href", "/review/assignments/41")
    assert page.evaluate(FITS), "the list scrolls sideways at 390 px"
    assert_accessible(page)

    core = page.locator("li.notification", has_text="New review: Core skills")
    core.get_by_role("button", name="Mark as read").click()
    expect(page.get_by_role("link", name="Notifications 1 unread")).to_be_visible()
    expect(core.get_by_role("button", name="Mark as read")).to_have_count(0)
    expect(core).not_to_contain_text("Unread")
    page.get_by_role("button", name="Mark all as read").click()
    expect(page.get_by_role("status")).to_contain_text("Marked 1 notification as read.")
    expect(page.get_by_role("link", name="Notifications", exact=True)).to_be_visible()
    expect(page.locator("#unread-summary")).to_contain_text("Nothing unread.")

    page.get_by_role("link", name="Choose which emails you get").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Email notifications")
    assert page.evaluate(FITS), "the preferences page scrolls sideways at 390 px"
    assert_accessible(page)
    assigned = page.get_by_role("group", name="Reviews assigned to you")
    expect(assigned.get_by_label("Email each one")).to_be_checked()
    assigned.get_by_label("One email a day").check()
    page.get_by_role("group", name="Review due dates").get_by_label(
        "No email (in the app only)"
    ).check()
    page.get_by_role("button", name="Save my choices").click()
    expect(page.get_by_role("status")).to_contain_text("Your email choices are saved.")
    expect(
        page.get_by_role("group", name="Reviews assigned to you").get_by_label("One email a day")
    ).to_be_checked()
    expect(
        page.get_by_role("group", name="Review due dates").get_by_label(
            "No email (in the app only)"
        )
    ).to_be_checked()
    expect(page.get_by_text("Account security")).to_be_visible()  # listed as always sent
    assert_accessible(page)
