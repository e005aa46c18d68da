"""The API token page and the API docs page in a browser: usable by keyboard labels, axe-clean,
and no sideways scroll on a phone."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.web.conftest import assert_accessible
from tests.web.test_accounts_pages import PASSWORD, create_admin


def _no_sideways_scroll(page: Page) -> None:
    wide = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert not wide, page.url


def test_make_a_token_then_read_the_docs(page: Page, live: str, live_app):
    create_admin(live_app)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live + "/sign-in")
    page.get_by_label("Email address").fill("browser.admin@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(live + "/account/tokens")
    expect(page.get_by_role("heading", level=1)).to_have_text("API access tokens")
    assert_accessible(page)
    _no_sideways_scroll(page)
    page.get_by_label("Name").fill("Cohort spreadsheet")
    page.get_by_label("Read reports (cohorts, at-risk list)").check()
    page.get_by_role("button", name="Make the token").click()
    token = page.get_by_label("Token", exact=True).input_value()
    assert token.startswith("pat_")
    assert_accessible(page)
    _no_sideways_scroll(page)
    answer = page.request.get(
        live + "/api/v1/reports/cohorts", headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status == 200
    page.get_by_role("button", name="Revoke Cohort spreadsheet").click()
    expect(page.get_by_role("cell", name="Revoked")).to_be_visible()
    page.goto(live + "/api/v1/docs")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Portfolio API")
    assert_accessible(page)
    _no_sideways_scroll(page)
