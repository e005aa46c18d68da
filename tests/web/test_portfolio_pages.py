"""The portfolio in a real browser: autosave, the live preview, a conflict from a second tab
that keeps the typed text, submitting, and axe-clean pages."""

from __future__ import annotations

import re

from playwright.sync_api import BrowserContext, Page, expect

from portfolio.domain.portfolios.evidence import STALE_MESSAGE
from portfolio.extensions import db
from portfolio.services.accounts.hashing import hash_password
from tests.portfolio_fixtures import enroll, fill_set, make_framework
from tests.web.conftest import assert_accessible

PASSWORD = "portfolio browser passphrase"
EMAIL = "browser.candidate@example.org"


def seed(live_app, *, filled: bool = False) -> None:
    with live_app.app_context():
        session = db.session
        candidate = enroll(session, make_framework(session), EMAIL, name="Bea Browser")
        candidate.user.password_hash = hash_password(PASSWORD)
        candidate.portfolio(session)
        if filled:
            fill_set(session, candidate, candidate.sets[0])
        session.commit()


def sign_in(page: Page, live: str, path: str) -> None:
    page.goto(live + path)
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def open_entry(page: Page) -> None:
    page.get_by_role("link", name="S1-1: Competency 1.1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("S1-1: Competency 1.1")
    # The editor's scripts are deferred (they run before DOMContentLoaded): text typed before
    # they listen would never be saved nor previewed.
    page.wait_for_load_state("domcontentloaded")


def test_a_narrative_autosaves_and_previews(page: Page, live: str, live_app):
    seed(live_app)
    sign_in(page, live, "/me/portfolio")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your portfolio")
    assert_accessible(page)
    open_entry(page)
    assert_accessible(page)

    page.get_by_role("textbox", name="Narrative").fill(
        "I ran **story time** <script>alert(1)</script>"
    )
    expect(page.get_by_role("status").filter(has_text="Draft saved at")).to_be_visible()
    preview = page.locator("#narrative-preview")
    expect(preview.locator("strong")).to_have_text("story time")
    expect(preview).to_contain_text("<script>alert(1)</script>")  # shown as text
    expect(preview.locator("script")).to_have_count(0)

    page.reload()
    expect(page.get_by_role("textbox", name="Narrative")).to_have_value(
        "I ran **story time** <script>alert(1)</script>"
    )


def test_a_second_tab_gets_the_conflict_message_and_keeps_its_text(
    context: BrowserContext, page: Page, live: str, live_app
):
    seed(live_app)
    sign_in(page, live, "/me/portfolio")
    open_entry(page)
    other = context.new_page()
    other.goto(page.url)

    page.get_by_role("textbox", name="Narrative").fill("Written in the first tab.")
    expect(page.get_by_role("status").filter(has_text="Draft saved at")).to_be_visible()

    other.get_by_role("textbox", name="Narrative").fill(
        "Written in the second tab, never to be lost."
    )
    expect(other.locator("[data-autosave-status]")).to_have_text(STALE_MESSAGE)
    expect(other.get_by_role("textbox", name="Narrative")).to_have_value(
        "Written in the second tab, never to be lost."
    )
    # The Save button without script help gives the same answer, with the text still there.
    other.get_by_role("button", name="Save narrative").click()
    expect(other.get_by_role("alert")).to_contain_text("changed in another tab or window")
    expect(other.get_by_role("textbox", name="Narrative")).to_have_value(
        "Written in the second tab, never to be lost."
    )
    expect(other.get_by_text("Written in the first tab.")).to_be_visible()
    assert_accessible(other)


def test_submitting_a_set_after_the_summary(page: Page, live: str, live_app):
    seed(live_app, filled=True)
    sign_in(page, live, "/me/portfolio")
    page.get_by_role("link", name="Review and submit S1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Submit S1: Set 1")
    assert_accessible(page)
    page.get_by_role("button", name="Submit S1 for review").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("S1: Set 1, submission 1")
    expect(page.get_by_text(re.compile("S1 is submitted"))).to_be_visible()
    assert_accessible(page)


def test_an_uploaded_file_is_attached_to_the_competency(page: Page, live: str, live_app, tmp_path):
    seed(live_app)
    sign_in(page, live, "/me/portfolio")
    open_entry(page)
    pdf = tmp_path / "minutes.pdf"
    pdf.write_bytes(b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
    page.locator("#upload-widget input[type=file]").set_input_files(str(pdf))
    expect(page.locator("#upload-widget [data-upload-status]")).to_contain_text(
        "minutes.pdf was checked and added as evidence", timeout=15_000
    )
    page.reload()
    expect(page.locator("ul.artifacts")).to_contain_text("minutes.pdf")
    assert_accessible(page)


def test_a_session_that_ends_while_typing_loses_nothing(page: Page, live: str, live_app):
    seed(live_app)
    sign_in(page, live, "/me/portfolio")
    open_entry(page)
    narrative = page.get_by_role("textbox", name="Narrative")
    narrative.fill("I shelved returns.")
    expect(page.get_by_role("status").filter(has_text="Draft saved at")).to_be_visible()

    page.context.clear_cookies()  # the session ends (expired, or signed out elsewhere)
    narrative.fill("I shelved returns, then trained two volunteers.")
    status = page.get_by_role("status").filter(has_text="You were signed out")
    expect(status).to_be_visible()
    status.get_by_role("link", name="Sign in again").click()
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    # Back on the same page, with the text put back, and then saved.
    expect(page.get_by_role("heading", level=1)).to_have_text("S1-1: Competency 1.1")
    expect(narrative).to_have_value("I shelved returns, then trained two volunteers.")
    expect(page.get_by_role("status").filter(has_text="Draft saved at")).to_be_visible()
    page.reload()
    expect(narrative).to_have_value("I shelved returns, then trained two volunteers.")
    assert_accessible(page)


def test_a_form_feed_pasted_from_a_pdf_becomes_a_line_break_and_saves(
    page: Page, live: str, live_app
):
    """Invisible control characters pasted with text (a form feed where a PDF's page broke)
    are refused by the server; the editor turns them into line breaks, or drops them, as they
    arrive, so the draft saves instead of failing on every retry with nothing to see."""
    seed(live_app)
    sign_in(page, live, "/me/portfolio")
    open_entry(page)
    narrative = page.get_by_role("textbox", name="Narrative")
    narrative.click()
    page.keyboard.insert_text("End of page one.\x0cPage two\x01 of my evidence.")
    expect(narrative).to_have_value("End of page one.\nPage two of my evidence.")
    expect(page.get_by_role("status").filter(has_text="Draft saved at")).to_be_visible()
    page.get_by_role("button", name="Save narrative").click()
    expect(page.get_by_text("Your narrative is saved.")).to_be_visible()
    page.reload()
    expect(narrative).to_have_value("End of page one.\nPage two of my evidence.")


def test_text_typed_in_a_tab_closed_before_its_autosave_comes_back_without_blaming_a_sign_out(
    context: BrowserContext, page: Page, live: str, live_app
):
    seed(live_app)
    sign_in(page, live, "/me/portfolio")
    open_entry(page)
    page.get_by_role("textbox", name="Narrative").fill("Typed, then the tab was closed at once.")
    url = page.url
    page.close(run_before_unload=False)  # before the autosave's delay: only this browser has it

    again = context.new_page()
    again.goto(url)
    narrative = again.get_by_role("textbox", name="Narrative")
    expect(narrative).to_have_value("Typed, then the tab was closed at once.")
    status = again.locator("[data-autosave-status]")
    expect(status).to_contain_text("We put back text you typed here earlier that was not saved.")
    expect(status).not_to_contain_text("signed out")
    expect(again.get_by_role("status").filter(has_text="Draft saved at")).to_be_visible()
