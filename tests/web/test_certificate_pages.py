"""The public certificate check and the dashboard's Certification section in a real browser:
usable from the keyboard and axe-clean."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlalchemy import select

from portfolio.extensions import db
from portfolio.models import Assignment, Certificate
from portfolio.services.accounts.hashing import hash_password
from portfolio.services.reviewing import assignments
from portfolio.web import clock
from tests.review_fixtures import make_world, submit
from tests.web.conftest import assert_accessible

PASSWORD = "a candidate's long passphrase"


def certified(live_app, level: str = "met") -> dict[str, str]:
    """A candidate whose two reviews rate every competency `level` (Met certifies); their
    email and certificate number (empty when not certified)."""
    with live_app.app_context():
        session = db.session
        world = make_world(session)
        assignments.assign_for_submission(session, world.submission, clock.today())
        a, b = session.scalars(select(Assignment).order_by(Assignment.id)).all()
        submit(session, world, a, level)
        submit(session, world, b, level)
        world.candidate.password_hash = hash_password(PASSWORD)
        number = session.scalars(select(Certificate.number)).one_or_none()
        session.commit()
        return {"candidate": world.candidate.email, "number": number or ""}


def sign_in(page: Page, live: str, email: str) -> None:
    page.goto(f"{live}/sign-in?next=/me/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_checking_a_certificate_from_the_keyboard(page: Page, live: str, live_app):
    seeded = certified(live_app)
    page.goto(f"{live}/")
    page.get_by_role("link", name="Check a certificate").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check a certificate")
    assert_accessible(page)

    page.get_by_label("Certificate number").focus()
    page.keyboard.type("not a number")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("Enter the 20 letters and digits")
    assert_accessible(page)

    field = page.get_by_label("Certificate number")
    field.focus()
    page.keyboard.press("Control+A")
    page.keyboard.type(seeded["number"].lower().replace("-", " "))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Certificate {seeded['number']}")
    expect(page.locator(".certificate-status strong")).to_have_text("Valid")
    expect(page.get_by_text("Casey Candidate")).to_be_visible()
    assert_accessible(page)


def test_an_unknown_number_page_is_accessible(page: Page, live: str, live_app):
    page.goto(f"{live}/certificates/1ABCD-EFGH2-3JKMN-4PQRS")
    expect(page.get_by_role("heading", level=1)).to_have_text("No certificate has this number")
    assert_accessible(page)


def test_the_certified_candidates_dashboard(page: Page, live: str, live_app):
    seeded = certified(live_app)
    sign_in(page, live, seeded["candidate"])
    expect(page.get_by_role("heading", name="Certification", exact=True)).to_be_visible()
    expect(page.get_by_text("You are certified.", exact=True)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Public page of your certificate").click()
    expect(page.locator(".certificate-status strong")).to_have_text("Valid")


def test_the_dashboard_of_a_candidate_not_yet_certified(page: Page, live: str, live_app):
    seeded = certified(live_app, "not_met")
    sign_in(page, live, seeded["candidate"])
    expect(page.get_by_text("Not yet certified.", exact=True)).to_be_visible()
    expect(page.get_by_text("Still to be met: required set Core skills (CORE).")).to_be_visible()
    assert_accessible(page)


def test_the_holder_prints_and_shares_the_certificate_from_the_keyboard(
    page: Page, live: str, live_app
):
    seeded = certified(live_app)
    sign_in(page, live, seeded["candidate"])
    page.get_by_role("link", name="Your certificate: print it").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your certificate")
    expect(page.get_by_text("CORE Core skills (required): Met by portfolio review")).to_be_visible()
    assert_accessible(page)
    linkedin = page.get_by_role("link", name="Add to LinkedIn profile")
    assert (linkedin.get_attribute("href") or "").startswith(
        "https://www.linkedin.com/profile/add?"
    )
    for label, paper in (("PDF, A4", "a4"), ("PDF, US Letter", "letter")):
        page.get_by_role("link", name=label).focus()
        with page.expect_download() as download:
            page.keyboard.press("Enter")
        assert download.value.suggested_filename == f"certificate-{seeded['number']}-{paper}.pdf"
        with open(download.value.path(), "rb") as pdf:
            assert pdf.read(5) == b"%PDF-"
