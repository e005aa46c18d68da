"""Applying in a real browser: live hours as one types, then approval, electives; axe-clean."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import Page, expect

from portfolio.extensions import db
from portfolio.models import Role
from portfolio.models.base import utcnow
from portfolio.services.programs.versions import import_framework, publish_framework
from tests.framework_documents import lsscp_document
from tests.helpers import make_user
from tests.web.conftest import assert_accessible

PASSWORD = "application pages passphrase"


def seed(live_app) -> None:
    with live_app.app_context():
        session = db.session
        framework = import_framework(session, lsscp_document(), actor=None).framework
        publish_framework(session, framework, actor=None)
        make_user(
            session,
            "cand@example.org",
            name="Casey Candidate",
            password=PASSWORD,
            roles=(Role.CANDIDATE,),
        )
        make_user(
            session,
            "office@example.org",
            name="Ada Admin",
            password=PASSWORD,
            roles=(Role.ADMINISTRATOR,),
        )
        session.commit()


def sign_in(page: Page, live: str, email: str) -> None:
    page.goto(live + "/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_apply_with_live_hours_then_approval_and_electives(page: Page, live: str, live_app):
    seed(live_app)
    sign_in(page, live, "cand@example.org")
    page.goto(live + "/me/")
    assert_accessible(page)
    page.get_by_role(
        "link", name="Apply to Library Support Staff Certification", exact=False
    ).click()
    page.get_by_role("button", name="Start my application").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Your application")
    status = page.get_by_role("status").filter(has_text="hours in the last 5 years")
    expect(status).to_contain_text("0 of 1,820 hours in the last 5 years")
    assert_accessible(page)

    # Typing an entry updates the message without saving (the server computes it).
    entry = page.get_by_role("group", name="Entry 1")
    entry.get_by_label("Library", exact=True).fill("Springfield Public Library")
    entry.get_by_label("Type of library").select_option("public")
    entry.get_by_label("Your role").fill("Circulation assistant")
    entry.get_by_label("Paid", exact=True).check()
    start = (utcnow().date() - timedelta(days=3 * 365)).isoformat()
    entry.get_by_label("Start date").fill(start)
    entry.get_by_label("Hours per week").fill("20")
    expect(status).to_contain_text("3,131 of 1,820 hours in the last 5 years")  # 1,096 days

    page.get_by_label("Phone").fill("555-0100")
    page.get_by_label("Street address").fill("12 Elm Street")
    page.get_by_label("City or town").fill("Springfield")
    page.get_by_label("ZIP or postal code").fill("62701")
    page.get_by_role("group", name="high-school diploma").get_by_label("Yes").check()
    page.get_by_role("button", name="Submit application").click()
    expect(page.get_by_text("Your application is submitted.")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live, "office@example.org")
    page.goto(live + "/admin/applications")
    assert_accessible(page)
    page.get_by_role("link", name="Casey Candidate", exact=True).click()
    expect(page.get_by_text("No periods overlap.")).to_be_visible()
    assert_accessible(page)
    # The fee came with the application (approval waits for it).
    page.get_by_label("Amount received", exact=False).fill("350.00")
    page.get_by_label("Method").select_option("check")
    page.get_by_label("Reference", exact=False).fill("Check 1042")
    page.get_by_role("button", name="Record payment").click()
    expect(page.get_by_text("Payment of $350.00 recorded.")).to_be_visible()
    page.get_by_label("Approve and enroll").check()
    page.get_by_label("Reason", exact=False).fill("All requirements met.")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("Approved: Casey Candidate is enrolled.")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live, "cand@example.org")
    page.goto(live + "/me/")
    expect(page.get_by_text("days left")).to_be_visible()
    page.get_by_role("link", name="Choose your 3 electives.").click()
    assert_accessible(page)
    for name in (
        "Access Services",
        "Adult Readers' Advisory Services",
        "Cataloging and Classification",
    ):
        page.get_by_role("checkbox", name=name).check()
    page.get_by_role("button", name="Save my electives").click()
    expect(page.get_by_text("Your electives are saved.")).to_be_visible()
    expect(page.get_by_role("heading", name="How you will complete each set")).to_be_visible()
    assert_accessible(page)
