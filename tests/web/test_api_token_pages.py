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


# Words (letters only, so a hyphen or a colon may still break a line) that a table on the page
# shows over more than one line: a cell squeezed to a letter or two a line.
SPLIT_WORDS = """() => {
  const split = [];
  document.querySelectorAll("main table").forEach((table) => {
    const walker = document.createTreeWalker(table, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.parentElement.closest(".visually-hidden")) continue;
      for (const match of node.data.matchAll(/\\p{L}+/gu)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const tops = new Set(
          [...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top))
        );
        if (tops.size > 1) split.push(match[0]);
      }
    }
  });
  return split;
}"""


def test_the_token_table_on_a_phone_keeps_words_whole_and_scrolls_in_itself(
    page: Page, live: str, live_app
):
    """A long token name makes the table wider than a phone: it scrolls inside itself, its
    words stay whole ("Revoke", not a column of letters), and the hidden text of its buttons
    does not widen the page."""
    create_admin(live_app)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live + "/sign-in")
    page.get_by_label("Email address").fill("browser.admin@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(live + "/account/tokens")
    name = "Spreadsheet" + "n" * 80
    page.get_by_label("Name").fill(name)
    page.get_by_label("Read reports (cohorts, at-risk list)").check()
    page.get_by_role("button", name="Make the token").click()
    page.goto(live + "/account/tokens")
    expect(page.get_by_role("button", name=f"Revoke {name}")).to_be_visible()
    _no_sideways_scroll(page)
    assert page.evaluate(SPLIT_WORDS) == []
    table = page.locator("main table")
    assert table.evaluate("t => t.scrollWidth > t.clientWidth")  # it scrolls in itself
    assert_accessible(page)
