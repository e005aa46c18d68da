"""Account pages in a real browser: labelled fields, errors tied to fields, axe-clean."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from portfolio.extensions import db
from portfolio.models import Role
from tests.helpers import make_user
from tests.web.conftest import assert_accessible

PASSWORD = "correct horse library staple"


def create_admin(live_app) -> None:
    with live_app.app_context():
        make_user(
            db.session, "browser.admin@example.org", password=PASSWORD, roles=(Role.ADMINISTRATOR,)
        )
        db.session.commit()


def test_register_page_shows_errors_next_to_fields(page: Page, live: str):
    page.goto(live + "/register")
    expect(page).to_have_title("Create an account · Portfolio")
    assert_accessible(page)
    page.get_by_label("Full name").fill("Bo Browser")
    page.get_by_label("Email address").fill("not-an-email")
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_label("Password again").fill("short")
    page.get_by_role("button", name="Create account").click()
    email = page.get_by_label("Email address")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_accessible_description(re.compile("Enter an email address like"))
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    assert_accessible(page)


def test_sign_in_then_account_and_admin_pages(page: Page, live: str, live_app):
    create_admin(live_app)
    page.goto(live + "/admin/users")
    expect(page).to_have_title("Sign in · Portfolio")
    assert_accessible(page)
    page.get_by_label("Email address").fill("browser.admin@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("People and roles")
    assert_accessible(page)

    page.get_by_role("link", name="Account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    assert_accessible(page)

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()


def test_a_person_corrects_their_name_at_the_keyboard_and_the_office_sees_it(
    page: Page, live: str, live_app
):
    create_admin(live_app)
    page.goto(live + "/sign-in")
    page.get_by_label("Email address").fill("browser.admin@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(live + "/account")
    assert_accessible(page)
    page.get_by_role("textbox", name="Your name").fill("")
    page.get_by_role("textbox", name="Your name").press("Enter")
    expect(page.get_by_text("Enter your name.").first).to_be_visible()
    assert_accessible(page)
    page.get_by_role("textbox", name="Your name").fill("Bo Browser-Smith")
    page.get_by_role("textbox", name="Your name").press("Enter")
    expect(page.get_by_text("Your name is now Bo Browser-Smith.")).to_be_visible()
    page.goto(live + "/admin/users")
    page.get_by_role("link", name="Bo Browser-Smith").first.click()
    page.get_by_text("Change their name").click()
    assert_accessible(page)
