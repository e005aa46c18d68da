"""Program pages and the framework editor in a real browser: readable, labelled, axe-clean."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from portfolio.extensions import db
from portfolio.models import Role
from portfolio.services.programs.versions import (
    create_draft_from,
    import_framework,
    publish_framework,
)
from tests.framework_documents import lsscp_document
from tests.helpers import make_user
from tests.web.conftest import assert_accessible

PASSWORD = "framework editor passphrase"


def seed(live_app) -> int:
    """LSSCP published, a draft version 2, and an administrator; returns the draft's id."""
    with live_app.app_context():
        session = db.session
        framework = import_framework(session, lsscp_document(), actor=None).framework
        publish_framework(session, framework, actor=None)
        draft = create_draft_from(session, framework, actor=None)
        make_user(session, "editor@example.org", password=PASSWORD, roles=(Role.ADMINISTRATOR,))
        session.commit()
        return draft.id


def test_public_program_pages(page: Page, live: str, live_app):
    seed(live_app)
    page.goto(live + "/programs/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Programs")
    assert_accessible(page)
    page.get_by_role("link", name="Library Support Staff Certification (LSSC)").click()
    expect(page.get_by_role("heading", name="Required sets (3)")).to_be_visible()
    expect(
        page.get_by_text(
            "The fee is $350, or $325 for members of ALA (the American Library Association)."
        )
    ).to_be_visible()
    expect(page.get_by_text("provisional", exact=True)).to_have_count(0)
    assert_accessible(page)


def test_editing_a_draft(page: Page, live: str, live_app):
    draft_id = seed(live_app)
    page.goto(f"{live}/admin/frameworks/{draft_id}/")
    page.get_by_label("Email address").fill("editor@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("version 2")
    assert_accessible(page)

    rules = page.get_by_label("Program rules (YAML)")
    rules.fill("review: [\n")
    page.get_by_role("button", name="Save rules").click()
    expect(page.get_by_label("Program rules (YAML)")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("The rules text is not valid YAML", exact=False).first).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Add a competency set").click()
    page.get_by_label("Code").fill("FOUND")
    page.get_by_label("Name").fill("Again")
    page.get_by_role("button", name="Add set").click()
    expect(page.get_by_role("alert")).to_contain_text("Another set already has the code FOUND.")
    assert_accessible(page)

    page.get_by_role("link", name="Back to").click()
    page.get_by_role("link", name="Publish this version…").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Publish")
    assert_accessible(page)
    page.get_by_role("button", name="Publish version 2").click()
    expect(page.get_by_text("Version 2 is published.")).to_be_visible()
    expect(page.get_by_role("button", name="New draft from this version")).to_be_visible()
    assert_accessible(page)
