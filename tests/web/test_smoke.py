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


def test_the_start_page_loads_without_a_failed_request_or_a_console_error(page: Page, live: str):
    failed: list[str] = []
    errors: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(live + "/")
    page.wait_for_load_state("networkidle")
    # The icon is the site's own (a browser asks for /favicon.ico, a 404, when a page names none).
    icon = page.locator("link[rel=icon]")
    expect(icon).to_have_attribute("href", "/static/favicon.svg")
    assert page.request.get(live + "/static/favicon.svg").ok
    assert failed == [] and errors == []
