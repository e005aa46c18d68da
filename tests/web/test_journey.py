"""A new person's first visit, by keyboard and mouse in Chromium, with axe on every page:
register -> confirm the emailed link -> sign in -> browse the LSSCP framework -> sign out."""

from __future__ import annotations

from pathlib import Path

import yaml
from playwright.sync_api import Page, expect

from config import ROOT
from portfolio.extensions import db
from portfolio.services.programs.versions import import_framework, publish_framework
from tests.helpers import link_in
from tests.web.conftest import assert_accessible

PASSWORD = "a long walk through the stacks"


def publish_lsscp(live_app) -> None:
    document = yaml.safe_load(Path(ROOT / "data/frameworks/lsscp.yaml").read_text())
    with live_app.app_context():
        result = import_framework(db.session, document, actor=None)
        publish_framework(db.session, result.framework, actor=None)
        db.session.commit()


def test_register_confirm_sign_in_browse_and_sign_out(page: Page, live: str, live_app, mailbox):
    publish_lsscp(live_app)

    page.goto(live + "/")
    assert_accessible(page)
    page.get_by_role("link", name="Register").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Full name").fill("Robin Reader")
    page.get_by_label("Email address").fill("robin@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_label("Password again").press("Enter")  # submit from the keyboard
    expect(page.get_by_text("check your email", exact=False).first).to_be_visible()
    assert_accessible(page)

    messages = mailbox.to("robin@example.org")
    assert len(messages) == 1
    page.goto(live + link_in(messages[0]))
    expect(page.get_by_text("confirmed", exact=False).first).to_be_visible()
    assert_accessible(page)

    if page.get_by_label("Email address").count() == 0:
        page.get_by_role("link", name="Sign in").click()
    page.get_by_label("Email address").fill("robin@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Programs").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Library Support Staff Certification").first.click()
    expect(page.get_by_text("1,820 hours", exact=False).first).to_be_visible()
    expect(page.get_by_text("Foundations of Library Services").first).to_be_visible()
    expect(page.get_by_text("Youth Services").first).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    assert_accessible(page)
