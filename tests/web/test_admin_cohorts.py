"""The cohorts page in a real browser: axe-clean, and the program filter works from the keyboard."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from portfolio.extensions import db
from portfolio.models import Role
from tests.helpers import make_user
from tests.integration.test_cohorts import two_programs
from tests.web.conftest import assert_accessible
from tests.web.test_review_pages import PASSWORD, sign_in


def seed(live_app) -> None:
    with live_app.app_context():
        session = db.session
        two_programs(session)
        make_user(session, "admin@example.org", password=PASSWORD, roles=(Role.ADMINISTRATOR,))
        session.commit()


def test_filtering_cohorts_by_program_from_the_keyboard(page: Page, live: str, live_app):
    seed(live_app)
    sign_in(page, live, "admin@example.org", "/admin/")
    page.get_by_role("link", name="Cohorts").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cohorts")
    table = page.get_by_role("table", name="Cohorts of all programs, the newest first")
    expect(table.get_by_role("row")).to_have_count(4)  # headers, two cohorts, totals
    # The first figure after the label is the number enrolled.
    expect(table.get_by_role("row", name="All cohorts")).to_have_text(
        re.compile(r"^\s*All cohorts\s+6\s"), use_inner_text=True
    )
    assert_accessible(page)

    program = page.get_by_label("Program")
    program.focus()
    page.keyboard.press("ArrowDown")  # a closed select changes its choice with the arrow keys
    page.keyboard.press("ArrowDown")
    expect(program).to_have_value("tstp")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Show")).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url("**/admin/cohorts?program=tstp")
    table = page.get_by_role("table", name="Cohorts of tstp, the newest first")
    expect(table.get_by_role("row", name="2026 Q1")).to_have_text(
        "2026 Q1 2 2 0 0 1 2 None certified 0%", use_inner_text=True
    )
    expect(page.get_by_label("Program")).to_have_value("tstp")
    assert_accessible(page)

    page.goto(f"{live}/admin/cohorts?program=nope")
    expect(page.get_by_role("alert")).to_contain_text("Program: Choose a program from the list.")
    expect(page.get_by_role("table")).to_have_count(0)
    assert_accessible(page)
