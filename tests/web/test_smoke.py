"""The start page in a real browser: landmarks, keyboard, accessibility."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.web.conftest import assert_accessible


def test_home_page_has_landmarks_and_passes_axe(page: Page, live: str):
    page.goto(live + "/")
    expect(page).to_have_title("Welcome · Portfolio")
    expect(page.get_by_role("main")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_be_attached()
    assert_accessible(page)


def test_skip_link_is_the_first_tab_stop(page: Page, live: str):
    page.goto(live + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused.strip() == "Skip to main content"
