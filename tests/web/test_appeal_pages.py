"""An appeal in a real browser: the candidate files the notice, a file and the grounds, the office
states it will not respond, the committee sends the outcome back; every page axe-clean."""

from __future__ import annotations

import os

from playwright.sync_api import Page, expect

from portfolio.extensions import db
from portfolio.services.accounts.hashing import hash_password
from tests.appeal_fixtures import GROUNDS, decided_not_met
from tests.web.conftest import assert_accessible

PASSWORD = "an appellant's long passphrase"
FITS = "document.documentElement.scrollWidth <= window.innerWidth"


def seed(live_app) -> dict[str, object]:
    with live_app.app_context():
        aw = decided_not_met(db.session)
        for person in (aw.candidate, aw.admin, aw.member):
            person.password_hash = hash_password(PASSWORD)
        db.session.commit()
        return {
            "candidate": aw.candidate.email,
            "admin": aw.admin.email,
            "member": aw.member.email,
            "submission": aw.submission_id,
        }


def sign_in(page: Page, live: str, email: str, next_path: str) -> None:
    page.goto(f"{live}/sign-in?next={next_path}")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in").first).to_be_visible()


def checked(page: Page) -> None:
    """axe finds nothing serious, and the page does not scroll sideways on a 390 px phone."""
    assert_accessible(page)
    assert page.evaluate(FITS), page.url


def test_notice_grounds_and_a_ruling_that_sends_the_outcome_back(page: Page, live: str, live_app):
    page.set_viewport_size({"width": 390, "height": 844})
    ids = seed(live_app)
    sign_in(page, live, ids["candidate"], f"/me/outcomes/{ids['submission']}")
    page.get_by_role("link", name="appeal this outcome").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Appeal a decision")
    expect(page.get_by_text("Full grounds due by")).to_be_visible()
    checked(page)
    page.get_by_role("button", name="File a notice of intent to appeal").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your appeal")
    expect(page.get_by_text("Notice of intent filed: waiting for the grounds")).to_be_visible()
    checked(page)

    page.get_by_label("File to send with the grounds").set_input_files(
        files=[
            {
                "name": "review dates.pdf",
                "mimeType": "application/pdf",
                "buffer": b"%PDF-1.7\n" + os.urandom(4000),
            }
        ]
    )
    expect(page.get_by_role("status").filter(has_text="review dates.pdf")).to_contain_text(
        "was checked and added"
    )
    page.get_by_label("Grounds of the appeal").fill(GROUNDS)
    page.get_by_role("button", name="File the grounds").click()
    expect(page.get_by_text("Grounds filed: waiting for the program office")).to_be_visible()
    expect(page.get_by_role("link", name="review dates.pdf")).to_be_visible()
    checked(page)
    sign_out(page)

    sign_in(page, live, ids["admin"], "/admin/appeals")
    expect(
        page.get_by_role("link", name="Grounds filed: waiting for the program office (1)")
    ).to_be_visible()
    checked(page)
    page.get_by_role("link", name="Casey Candidate").first.click()
    page.get_by_label("The office will not respond").check()
    page.get_by_role("button", name="Record the answer").click()
    expect(page.get_by_text("With the appeals committee").first).to_be_visible()
    checked(page)
    sign_out(page)

    sign_in(page, live, ids["member"], "/")
    page.get_by_role("link", name="Appeals committee").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Appeals for the committee")
    checked(page)
    page.get_by_role("table").get_by_role("link").first.click()
    page.get_by_label("Send it back with comments").check()
    page.get_by_role("textbox", name="Comments").fill("The second review came after its due date.")
    page.get_by_role("button", name="Record the ruling").click()
    expect(page.get_by_text("Sent back with comments").first).to_be_visible()
    checked(page)
    sign_out(page)

    sign_in(page, live, ids["candidate"], "/me/appeals")
    page.get_by_role("link", name="Sent back with comments").click()
    expect(page.get_by_text("The second review came after its due date.")).to_be_visible()
    expect(page.get_by_text("The program office stated it will not respond")).to_be_visible()
    checked(page)
