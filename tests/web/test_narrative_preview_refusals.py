"""The live preview in a real browser says why it did not update: a text longer than a narrative
may be (422 with the server's message) and too many previews a minute (429)."""

from __future__ import annotations

from playwright.sync_api import Page, Route, expect

from portfolio.domain.portfolios.evidence import MAX_NARRATIVE
from tests.web.test_portfolio_pages import open_entry, seed, sign_in


def test_a_text_too_long_to_preview_says_so_and_keeps_the_last_preview(
    page: Page, live: str, live_app
):
    seed(live_app)
    sign_in(page, live, "/me/portfolio")
    open_entry(page)
    narrative = page.get_by_role("textbox", name="Narrative")
    preview = page.locator("#narrative-preview")
    narrative.fill("I ran **story time**")
    expect(preview.locator("strong")).to_have_text("story time")

    narrative.fill("[" * (MAX_NARRATIVE + 1))
    expect(page.locator("[data-preview-status]")).to_have_text(
        "The text is 50,001 characters long; the most is 50,000."
    )
    expect(preview.locator("strong")).to_have_text("story time")


def test_too_many_previews_says_the_preview_is_paused(page: Page, live: str, live_app):
    seed(live_app)
    sign_in(page, live, "/me/portfolio")
    open_entry(page)

    def too_many(route: Route) -> None:
        route.fulfill(status=429, content_type="text/html", body="<h1>Too many attempts</h1>")

    page.route("**/me/portfolio/preview", too_many)
    page.get_by_role("textbox", name="Narrative").fill("Some *more* text")
    expect(page.locator("[data-preview-status]")).to_contain_text(
        "The preview is paused: too many previews this minute."
    )
