"""Every page a person reaches from their own area fits a 390 px wide phone: nothing scrolls
sideways (the house rule), and no table header is broken inside a word, for each demo role on
the demo data."""

from __future__ import annotations

import re

from playwright.sync_api import Page

from portfolio.commands.demo import DEMO_ACCOUNTS
from tests.integration.test_demo_portfolio import publish_lsscp, run
from tests.web.conftest import assert_accessible

WIDTH = 390
PAGES_PER_ROLE = 25  # the role's area and the pages it links to first; enough to meet each layout
# Not pages: static files, downloads (files, zips, exports) and signing out.
HREF = re.compile(r'^/(?!static/|files/|sign-out)[^#?]*(?<!\.zip)(?<!\.json)(?<!\.pdf)$')
FITS = "document.documentElement.scrollWidth <= window.innerWidth"
# Table headers whose longest word is wider than the header's text box: the word was broken
# (a table squeezed into the screen instead of scrolling inside itself). A line may still break
# after a hyphen (a certificate's code).
BROKEN_HEADERS = """() => [...document.querySelectorAll('main th')].filter(th => {
  const words = th.textContent.trim().split(/[\\s-]+/);
  const longest = words.reduce((a, b) => (b.length > a.length ? b : a), '');
  if (!longest) return false;
  const probe = document.createElement('span');
  probe.textContent = longest;
  probe.style.whiteSpace = 'nowrap';
  probe.style.position = 'absolute';
  th.appendChild(probe);
  const wide = probe.getBoundingClientRect().width;
  probe.remove();
  const style = getComputedStyle(th);
  const room = th.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return wide > room + 0.5;
}).map(th => th.textContent.trim())"""


def _seed(live_app) -> None:
    publish_lsscp(live_app)
    result = run(live_app, "demo")
    assert result.exit_code == 0, result.output


def _sign_in(page: Page, live: str, email: str, password: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{live}/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def _pages_from(page: Page) -> list[str]:
    """The site's own links on the page now, in order, once each."""
    links = page.eval_on_selector_all("main a[href]", "els => els.map(e => e.getAttribute('href'))")
    found: list[str] = []
    for href in links:
        if href and HREF.match(href) and href not in found:
            found.append(href)
    return found


def test_no_page_scrolls_sideways_on_a_phone(page: Page, live: str, live_app):
    _seed(live_app)
    page.set_viewport_size({"width": WIDTH, "height": 844})
    too_wide: list[str] = []
    broken: list[str] = []
    for email, _name, _role, password in DEMO_ACCOUNTS:
        _sign_in(page, live, email, password)
        start = page.url.removeprefix(live)
        queue = [start, *_pages_from(page)]
        seen: list[str] = []
        for path in queue:
            if len(seen) >= PAGES_PER_ROLE:
                break
            if path in seen:
                continue
            seen.append(path)
            response = page.goto(live + path)
            if response is None or response.status >= 400:
                continue
            if not page.evaluate(FITS):
                width = page.evaluate("document.documentElement.scrollWidth")
                too_wide.append(f"{email} {path}: {width} px")
            broken.extend(f"{path}: {header}" for header in page.evaluate(BROKEN_HEADERS))
            if len(seen) <= 2:  # tables that scroll in themselves must stay accessible
                assert_accessible(page)
            queue.extend(p for p in _pages_from(page) if p not in queue)
        assert len(seen) >= 3, f"{email} reached too few pages: {seen}"
    assert not too_wide, "pages wider than a 390 px phone: " + "; ".join(too_wide)
    assert not broken, "table headers broken inside a word: " + "; ".join(broken)
