"""Course approval in a real browser, axe-clean at every step: a provider applies for approval
of a course (files through the upload widget, the competency map, submitting with the fee
owed), the office asks a course evaluator, who rates it against the rubric, and the office
approves it; the provider's public page then lists it. All on a 390 px wide phone."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from portfolio.domain.dates import add_years, format_date
from portfolio.extensions import db
from portfolio.models import Role
from portfolio.services.accounts.hashing import hash_password
from portfolio.services.courses import providers
from portfolio.web import clock
from tests.course_fixtures import course_framework
from tests.helpers import make_user
from tests.review_fixtures import make_reviewer
from tests.web.conftest import assert_accessible
from tests.web.test_review_pages import PASSWORD, sign_in

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def seed(live_app) -> None:
    with live_app.app_context():
        session = db.session
        course_framework(session)
        member = make_user(session, "pat@example.org", name="Pat Provider", password=PASSWORD)
        providers.register_provider(
            session, member, name="Prairie Library School", kind="library_school"
        )
        make_user(session, "admin@example.org", password=PASSWORD, roles=(Role.ADMINISTRATOR,))
        evaluator = make_reviewer(session, "eve@example.org", name="Eve Evaluator")
        evaluator.password_hash = hash_password(PASSWORD)
        make_reviewer(session, "cole@example.org", name="Cole", library="Prairie Library School")
        session.commit()


def check(page: Page) -> None:
    """axe-clean, and nothing scrolls sideways on a 390 px wide phone."""
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page.url


def switch_to(page: Page, live: str, email: str, path: str) -> None:
    page.context.clear_cookies()
    sign_in(page, live, email, path)


def upload(page: Page, which: str, tmp_path) -> None:
    pdf = tmp_path / f"{which}.pdf"
    pdf.write_bytes(PDF)
    page.locator(f"#{which}-widget input[type=file]").set_input_files(str(pdf))
    expect(page.locator(f"#{which}-widget [data-upload-status]")).to_contain_text(
        f"{which}.pdf", timeout=15_000
    )
    # Checked, but kept only with the draft: the widget says so rather than "saved".
    expect(page.locator(f"#{which}-widget [data-upload-status]")).to_have_text(
        f"{which}.pdf ({len(PDF)} bytes) was checked. Save the draft to attach it."
    )


def test_a_provider_applies_and_the_office_approves(page: Page, live: str, live_app, tmp_path):
    seed(live_app)
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live, "pat@example.org", "/provider/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your courses")
    check(page)
    page.get_by_role("link", name="Apply for approval of a new course").click()
    page.get_by_label("Competency set").select_option(label="Test Program: CORE Core skills")
    page.get_by_label("Course title").fill("Cataloguing Essentials")
    page.get_by_role("button", name="Start the application").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Cataloguing Essentials")
    check(page)

    # Submitting an incomplete application names what is missing, and nothing is lost.
    page.get_by_role("button", name="Submit for approval").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "The course must cover every competency of CORE: for C1, C2, C3"
    )
    check(page)

    page.get_by_label("Description").fill("Six weeks of cataloguing practice.")
    page.get_by_label("Hybrid").check()
    page.get_by_label("Instructional methods").fill("Readings, discussion and guided practice.")
    page.get_by_label("Assessment methods").fill("A quiz per competency and a final project.")
    upload(page, "syllabus", tmp_path)
    upload(page, "resumes", tmp_path)
    for code in ("C1", "C2", "C3"):
        page.get_by_label(f"Readings for {code}").fill(f"Chapter on {code}")
        page.get_by_label(f"Assessments for {code}").fill(f"Quiz on {code}")
    page.get_by_role("button", name="Save the draft").click()
    expect(page.get_by_role("status").first).to_contain_text("The draft is saved.")
    expect(page.get_by_text("syllabus.pdf").first).to_be_visible()
    check(page)
    page.get_by_role("button", name="Submit for approval").click()
    expect(page.locator("#course-status")).to_have_text("Submitted, waiting for evaluators")
    check(page)

    switch_to(page, live, "admin@example.org", "/admin/course-approvals")
    expect(page.get_by_role("heading", level=1)).to_have_text("Course approvals")
    check(page)
    page.get_by_role("link", name="Cataloguing Essentials").click()
    expect(page.get_by_text("Cole: They work at Prairie Library School")).to_be_visible()
    page.get_by_label(re.compile("Course evaluator")).select_option(
        label="Eve Evaluator (Shelbyville Library)"
    )
    page.get_by_role("button", name="Ask them to evaluate it").click()
    expect(page.locator("#course-status")).to_have_text("Being evaluated")
    check(page)

    switch_to(page, live, "eve@example.org", "/review/course-evaluations")
    page.get_by_role("link", name="Cataloguing Essentials").click()
    check(page)
    for fieldset in page.locator("fieldset").all():
        fieldset.get_by_label("Meets the standard", exact=True).check()
    page.get_by_label("Your comment for the program office").fill("Covers every competency.")
    page.get_by_role("button", name="Send the evaluation").click()
    expect(page.get_by_text("You sent this evaluation")).to_be_visible()
    check(page)

    switch_to(page, live, "admin@example.org", "/admin/course-approvals")
    page.get_by_role("link", name="Cataloguing Essentials").click()
    expect(page.get_by_text("Covers every competency.")).to_be_visible()
    page.get_by_role("button", name="Approve the course").click()
    today = clock.today()
    until = format_date(add_years(today, 4))
    expect(page.locator("#course-status")).to_have_text(
        f"Approved {format_date(today)} until {until}"
    )
    check(page)

    # The fee, paid, then partly given back with a reason typed at the keyboard.
    page.get_by_role("button", name="Record the $100 approval fee as paid").click()
    page.get_by_text("Give back some or all of the approval fee paid ($100)").click()
    page.get_by_label("Amount given back, in dollars").fill("25")
    page.get_by_label("Why it is given back").fill("Paid $25 too much.")
    page.get_by_label("Why it is given back").press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Approval fee $25 given back: Paid $25 too much.")).to_be_visible()
    page.get_by_text("Waive some or all of the approval fee ($25 owed)").click()
    check(page)

    page.context.clear_cookies()
    page.goto(f"{live}/providers/prairie-library-school")
    expect(page.get_by_role("heading", level=1)).to_have_text("Prairie Library School")
    expect(page.get_by_text("Cataloguing Essentials")).to_be_visible()
    check(page)


def test_an_organisation_registers_and_the_office_adds_a_member(page: Page, live: str, live_app):
    with live_app.app_context():
        make_user(db.session, "lee@example.org", name="Lee Registrar", password=PASSWORD)
        make_user(db.session, "kim@example.org", name="Kim Colleague")
        make_user(db.session, "admin@example.org", password=PASSWORD, roles=(Role.ADMINISTRATOR,))
        db.session.commit()
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live, "lee@example.org", "/provider/register")
    expect(page.get_by_role("heading", level=1)).to_have_text("Register as a course provider")
    page.get_by_role("button", name="Register the organisation").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter the organisation's name.")
    check(page)
    page.get_by_label("Organisation's name").fill("Valley Community College")
    page.get_by_label("Kind of organisation").select_option(label="Community college")
    page.get_by_role("button", name="Register the organisation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your courses")
    expect(page.get_by_role("link", name="My courses")).to_be_visible()
    check(page)

    switch_to(page, live, "admin@example.org", "/admin/providers")
    expect(page.get_by_role("heading", level=1)).to_have_text("Course providers")
    page.get_by_label("Email of a person to add").fill("nobody@example.org")
    page.get_by_role("button", name="Add them").click()
    expect(page.get_by_role("alert")).to_contain_text("Nobody has an account with that email")
    check(page)
    page.get_by_label("Email of a person to add").fill("kim@example.org")
    page.get_by_role("button", name="Add them").click()
    expect(page.get_by_text("Kim Colleague (kim@example.org)")).to_be_visible()
    check(page)
