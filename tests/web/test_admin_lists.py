"""The admin lists made searchable in issue 16 (appeals, the committee's queue, renewals,
course approvals, providers, courses to verify, people, outbox, failed jobs) and the report
pages with downloads, in a real browser on a 390 px phone: nothing scrolls sideways and axe
finds nothing serious, with rows in every table; and a list is filtered from the keyboard."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from portfolio.extensions import db
from portfolio.models import JobFailure, Role
from portfolio.models.outbox import OutboxMessage, OutboxStatus
from portfolio.services.courses import applications
from portfolio.web import clock
from tests.course_fixtures import complete_draft, course_framework, make_provider
from tests.helpers import make_user
from tests.integration.test_appeal_lists import appeal
from tests.integration.test_certificate_admin import certify
from tests.integration.test_course_checks import course_candidate
from tests.web.conftest import assert_accessible
from tests.web.test_review_pages import PASSWORD, sign_in

FITS = "document.documentElement.scrollWidth <= window.innerWidth"
ADMIN_PAGES = (
    "/admin/appeals",
    "/admin/appeals?stage=with_committee&overdue=yes",
    "/admin/renewals?quarter=all",
    "/admin/course-approvals",
    "/admin/providers",
    "/admin/courses",
    "/admin/users",
    "/admin/outbox",
    "/admin/jobs",
    "/admin/scholarship-pools",
    "/admin/recognition-agreements",
)


def seed(live_app) -> None:
    with live_app.app_context():
        session = db.session
        framework = course_framework(session)
        admin = make_user(
            session, "admin@example.org", password=PASSWORD, roles=(Role.ADMINISTRATOR,)
        )
        make_user(session, "member@example.org", password=PASSWORD, roles=(Role.COMMITTEE,))
        for n, stage in enumerate(("notice_filed", "grounds_filed", "with_committee")):
            appeal(session, framework, f"Appellant Withaverylongname{n}", stage, days=40, n=n)
        certify(session, framework, admin, email="holder@example.org", name="Hana Holder")
        provider, member = make_provider(session)
        version = complete_draft(
            session, provider, member, framework, title="Cataloguing Essentials"
        )
        applications.submit_version(session, version, actor=member, today=clock.today())
        course_candidate(session, framework, email="typed@example.org", name="Tess Typed")
        session.add(
            OutboxMessage(
                idempotency_key="web:1",
                recipient="someone.with.a.long.address@example.org",
                subject="Reset your password",
                body="b",
                status=OutboxStatus.FAILED,
                attempts=5,
                last_error="SMTPRecipientsRefused: mailbox unavailable for a long while now",
            )
        )
        session.add(
            JobFailure(
                task_id="web-1",
                task_name="portfolio.jobs.uploads.verify_upload",
                arguments={"args": [1]},
                error="OSError: the object store did not answer in time",
            )
        )
        session.commit()


def test_the_lists_fit_a_phone_and_pass_axe(page: Page, live: str, live_app):
    seed(live_app)
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live, "admin@example.org", "/admin/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    for path in ADMIN_PAGES:
        response = page.goto(live + path)
        assert response is not None and response.status == 200, path
        page.wait_for_load_state()
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        if "/admin/scholarship" not in path and "/admin/recognition" not in path:
            expect(page.get_by_role("search")).to_be_visible()
        assert page.evaluate(FITS), f"{path} scrolls sideways at 390 px"
        assert_accessible(page)
    page.goto(live + "/admin/appeals")
    expect(page.get_by_role("table").get_by_role("row")).to_have_count(4)  # headers and 3
    page.context.clear_cookies()
    sign_in(page, live, "member@example.org", "/committee/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Appeals for the committee")
    expect(page.get_by_role("table").get_by_role("row")).to_have_count(2)
    assert page.evaluate(FITS)
    assert_accessible(page)


def test_an_appeals_filter_from_the_keyboard(page: Page, live: str, live_app):
    seed(live_app)
    sign_in(page, live, "admin@example.org", "/admin/appeals")
    expect(page.get_by_text("Showing 1 to 3 of 3 appeals.")).to_be_visible()
    stage = page.get_by_label("Stage", exact=True)
    stage.focus()
    stage.select_option("with_committee")
    page.get_by_role("button", name="Show").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/admin/appeals?*stage=with_committee*")
    expect(page.get_by_text("Showing 1 to 1 of 1 appeal.")).to_be_visible()
    expect(page.get_by_role("link", name="CSV")).to_have_attribute(
        "href", "/admin/appeals?stage=with_committee&sort=stage&order=asc&format=csv"
    )
    assert_accessible(page)
