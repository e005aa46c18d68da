"""Courses in Chromium: the public catalogue filtered from the keyboard, and a candidate picking
an approved course and uploading the signed completion form as proof. Each page passes axe and
fits a 390 px wide phone."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portfolio.extensions import db
from portfolio.models import (
    CompletionSource,
    CompletionStatus,
    CourseCompletion,
    CourseFormat,
    CourseStatus,
    EnrollmentSet,
    Role,
    Route,
    User,
)
from portfolio.web import clock
from tests.completion_fixtures import course_world, make_course, make_provider, verified_upload
from tests.helpers import make_user
from tests.web.conftest import assert_accessible

PASSWORD = "courses are chosen from the catalogue"
FITS = "document.documentElement.scrollWidth <= window.innerWidth"


def fits_a_phone(page: Page) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate(FITS), f"{page.url} scrolls sideways at 390 px"
    page.set_viewport_size({"width": 1280, "height": 900})


@pytest.fixture
def seeded(live: str, live_app: Flask) -> Iterator[dict[str, int]]:
    with live_app.app_context():
        session = db.session
        world = course_world(session)
        college, _ = make_provider(
            session, "Lakeside College", "lakeside-college", member_email="lc@example.org"
        )
        make_course(
            session,
            college,
            world.framework,
            set_code="OTHER",
            title="Serving Teens Together",
            format=CourseFormat.HYBRID,
            synchronous=True,
        )
        world.candidate.password_hash = make_user(
            session, "scratch@example.org", password=PASSWORD
        ).password_hash
        session.commit()
        yield {
            "set_id": world.item.id,
            "version_id": world.version.id,
            "course_id": world.version.course_id,
        }


def test_the_catalogue_is_filtered_from_the_keyboard(page: Page, live: str, seeded) -> None:
    page.goto(live + "/courses")
    expect(page.get_by_role("heading", name="2 approved courses")).to_be_visible()
    assert_accessible(page)
    fits_a_phone(page)

    page.get_by_label("Format").focus()
    page.keyboard.type("Hybrid")
    expect(page.get_by_label("Format")).to_have_value("hybrid")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Meeting times")).to_be_focused()
    page.get_by_role("button", name="Show courses").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/courses?*format=hybrid*")
    expect(page.get_by_role("heading", name="1 approved course")).to_be_visible()
    expect(page.get_by_role("heading", name="Serving Teens Together")).to_be_visible()
    expect(page.get_by_text("Library Technology Basics")).to_have_count(0)
    expect(page.get_by_role("link", name="Lakeside College")).to_have_attribute(
        "href", "/providers/lakeside-college"
    )
    assert_accessible(page)
    fits_a_phone(page)


def test_a_candidate_picks_a_course_and_uploads_proof(
    page: Page, live: str, live_app: Flask, seeded
) -> None:
    page.goto(live + "/sign-in")
    page.get_by_label("Email address").fill("casey.candidate@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    page.goto(live + f"/me/enrollment-sets/{seeded['set_id']}/course")
    expect(page.get_by_role("heading", name="Choose your course")).to_be_visible()
    assert_accessible(page)
    fits_a_phone(page)
    page.get_by_label("Library Technology Basics, by State Library Academy").check()
    # The upload script arrives only after the file is chosen (a slow connection): the widget
    # takes the file it finds chosen when it starts.
    held: list = []  # the requests for it, held back
    page.route("**/static/js/upload.js", lambda request: held.append(request))
    page.get_by_role("button", name="Choose this course").click()
    expect(page.get_by_text("Core skills: you chose Library Technology Basics.")).to_be_visible()

    completed = (clock.today() - timedelta(days=7)).isoformat()
    page.get_by_label("Date you completed the course").fill(completed)
    page.get_by_label("Signed completion form or certificate").set_input_files(
        files=[
            {
                "name": "signed-form.pdf",
                "mimeType": "application/pdf",
                "buffer": b"%PDF-1.7\nSigned by the instructor\n" + b"0" * 2000,
            }
        ]
    )
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "the page asked for the upload script"
    for request in held:
        request.continue_()
    page.unroute("**/static/js/upload.js")
    expect(page.get_by_role("status").filter(has_text="signed-form.pdf")).to_contain_text(
        "was checked and saved"
    )
    assert_accessible(page)
    fits_a_phone(page)
    page.get_by_role("button", name="Report my completion").click()
    expect(page.get_by_text("Your completion is reported.")).to_be_visible()
    expect(page.get_by_text("waiting for the program office to check your proof")).to_be_visible()
    assert_accessible(page)
    with live_app.app_context():
        (completion,) = db.session.scalars(select(CourseCompletion)).all()
        assert completion.status is CompletionStatus.REPORTED
        assert completion.completed_on.isoformat() == completed
        assert completion.proof.original_name == "signed-form.pdf"


def test_a_provider_imports_a_roster_and_reads_each_rows_problem(
    page: Page, live: str, live_app: Flask, seeded
) -> None:
    with live_app.app_context():
        member = db.session.scalar(select(User).where(User.email == "pat.provider@example.org"))
        member.password_hash = make_user(
            db.session, "scratch2@example.org", password=PASSWORD
        ).password_hash
        db.session.commit()
    page.goto(live + "/sign-in")
    page.get_by_label("Email address").fill("pat.provider@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Course completions").click()
    expect(page.get_by_role("heading", name="Report a course completion")).to_be_visible()
    assert_accessible(page)
    fits_a_phone(page)
    page.get_by_role("link", name="CSV roster").click()
    roster = (
        "candidate,course,completed_on\n"
        f"casey.candidate@example.org,{seeded['course_id']},{clock.today().isoformat()}\n"
        "nobody@example.org,=HYPERLINK(1),2026-01-01\n"
    )
    page.get_by_label("Roster file (CSV)").set_input_files(
        files=[{"name": "roster.csv", "mimeType": "text/csv", "buffer": roster.encode()}]
    )
    page.get_by_role("button", name="Import the roster").click()
    expect(
        page.get_by_role("heading", name="The roster was not imported: 1 problem")
    ).to_be_visible()
    expect(page.get_by_text("Row 3: The course cell starts with")).to_be_visible()
    assert_accessible(page)
    fits_a_phone(page)
    with live_app.app_context():
        assert db.session.scalars(select(CourseCompletion)).all() == []


def test_the_office_sees_the_proof_and_the_transcript_page_passes_axe(
    page: Page, live: str, live_app: Flask, seeded
) -> None:
    with live_app.app_context():
        session = db.session
        item = session.get(EnrollmentSet, seeded["set_id"])
        candidate = item.enrollment.user
        item.route = Route.COURSE
        item.course_version_id = seeded["version_id"]
        item.course_status = CourseStatus.COMPLETED
        session.add(
            CourseCompletion(
                enrollment_set_id=item.id,
                course_version_id=seeded["version_id"],
                completed_on=clock.today(),
                source=CompletionSource.CANDIDATE_UPLOAD,
                proof_upload_id=verified_upload(session, candidate, "signed-form.pdf").id,
                reported_by_id=candidate.id,
            )
        )
        make_user(session, "ada@example.org", password=PASSWORD, roles=(Role.ADMINISTRATOR,))
        session.commit()
    page.goto(live + "/sign-in")
    page.get_by_label("Email address").fill("ada@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(live + "/admin/courses")
    expect(page.get_by_role("link", name="signed-form.pdf")).to_be_visible()
    assert_accessible(page)
    fits_a_phone(page)
    page.goto(live + "/admin/recognition-agreements")
    expect(page.get_by_role("heading", name="Record an agreement")).to_be_visible()
    assert_accessible(page)
    fits_a_phone(page)

    page.context.clear_cookies()
    page.goto(live + "/sign-in")
    page.get_by_label("Email address").fill("casey.candidate@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(live + f"/me/enrollment-sets/{seeded['set_id']}/transcript")
    expect(page.get_by_text("No recognised program covers this set.")).to_be_visible()
    assert_accessible(page)
    fits_a_phone(page)
