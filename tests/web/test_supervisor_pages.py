"""A supervisor's pages in a real browser: their staff list and one person's progress,
certification and shared evidence, reached by keyboard and axe-clean."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from sqlalchemy import select

from portfolio.extensions import db
from portfolio.models import Assignment, Role, SupervisorLink, UserRole
from portfolio.models.base import utcnow
from portfolio.services.reviewing import assignments
from portfolio.web import clock
from tests.helpers import make_user
from tests.review_fixtures import make_world, submit
from tests.web.conftest import assert_accessible

PASSWORD = "a supervisor's long passphrase"


def seed(live_app) -> str:
    """A supervisor following a certified candidate who shares their evidence."""
    with live_app.app_context():
        session = db.session
        world = make_world(session)
        assignments.assign_for_submission(session, world.submission, clock.today())
        for assignment in session.scalars(select(Assignment).order_by(Assignment.id)):
            submit(session, world, assignment, "met")
        boss = make_user(session, "boss@example.org", name="Bea Boss", password=PASSWORD)
        session.add(UserRole(user_id=boss.id, role=Role.SUPERVISOR))
        session.add(
            SupervisorLink(
                candidate_id=world.candidate.id,
                email=boss.email,
                supervisor_id=boss.id,
                accepted_at=utcnow(),
                shares_evidence=True,
            )
        )
        session.commit()
        return world.candidate.name


def test_a_supervisor_follows_a_certified_staff_member_by_keyboard(page: Page, live: str, live_app):
    name = seed(live_app)
    page.goto(f"{live}/sign-in?next=/supervise/")
    page.get_by_label("Email address").fill("boss@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name=name).first.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.get_by_text("Certified.", exact=True)).to_be_visible()
    expect(
        page.get_by_text(re.compile(r"Certificate [0-9A-Z]{5}(-[0-9A-Z]{5}){3}, valid"))
    ).to_be_visible()
    expect(page.get_by_text("shares their evidence with you")).to_be_visible()
    assert_accessible(page)
