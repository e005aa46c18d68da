"""A candidate takes a set by an approved course picked from the catalogue and reports its
completion with proof; the office sees the proof beside the course, its approval period and the
dates, and verifies or returns it. Bad input is a 4xx with its message, never a 500."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from portfolio.domain.dates import add_years, format_date
from portfolio.models import (
    Certificate,
    CertificationDecision,
    CompletionSource,
    CompletionStatus,
    CourseCompletion,
    CourseStatus,
    CourseVersionStatus,
    Role,
    Route,
    UploadStatus,
)
from portfolio.services.audit import events_for
from portfolio.storage_binding import get_store
from portfolio.web import clock
from tests.completion_fixtures import course_world, make_course, verified_upload
from tests.helpers import csrf_token, login_as, make_user
from tests.integration.test_review_queries import counting

TODAY = clock.today()


def text_of(response) -> str:
    page = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return re.sub(r"\s+", " ", html.unescape(page))


@pytest.fixture
def world(session):
    found = course_world(session)
    session.commit()
    return found


def course_url(world) -> str:
    return f"/me/enrollment-sets/{world.item.id}/course"


def post(client, url, data, page):
    return client.post(url, data={"csrf_token": csrf_token(client, page), **data})


def choose(client, world, version_id):
    return post(client, course_url(world), {"course_version_id": version_id}, course_url(world))


def report(client, world, completed_on, upload_id):
    return post(
        client,
        f"/me/enrollment-sets/{world.item.id}/completion",
        {"completed_on": completed_on.isoformat(), "upload_id": upload_id},
        course_url(world),
    )


def test_candidate_picks_a_course_reports_it_and_the_office_verifies_it(
    app, client, session, world, mailbox
):
    login_as(client, world.candidate)
    electives = f"/me/enrollments/{world.enrollment.id}/electives"
    response = post(
        client,
        f"/me/enrollment-sets/{world.item.id}/route",
        {f"set-{world.item.id}-route": "course"},
        electives,
    )
    assert response.status_code == 302 and response.location.endswith(f"{course_url(world)}#choose")
    page = text_of(client.get(course_url(world)))
    assert "Library Technology Basics, by State Library Academy" in page

    assert choose(client, world, world.version.id).status_code == 302
    session.refresh(world.item)
    assert world.item.course_version_id == world.version.id
    assert world.item.course_name == "Library Technology Basics"

    proof = verified_upload(session, world.candidate, "signed-form.pdf")
    session.commit()
    with app.app_context():
        get_store().put(proof.key, b"%PDF-1.4 signed form", "application/pdf")
    completed = TODAY - timedelta(days=5)
    assert report(client, world, completed, proof.id).status_code == 302
    completion = session.scalar(select(CourseCompletion))
    assert completion.status is CompletionStatus.REPORTED
    assert completion.proof_upload_id == proof.id
    session.refresh(world.item)
    assert world.item.course_status is CourseStatus.COMPLETED

    admin = make_user(session, "admin@example.org", name="Ada Admin", roles=(Role.ADMINISTRATOR,))
    session.commit()
    login_as(client, admin)
    listing = client.get("/admin/courses")
    page = text_of(listing)
    approved_on = world.version.approved_on
    assert (
        f"Library Technology Basics by State Library Academy {format_date(approved_on)} to "
        f"{format_date(add_years(approved_on, 4))} {format_date(completed)}"
    ) in page
    assert f'href="/files/{proof.id}"' in listing.get_data(as_text=True)
    assert client.get(f"/files/{proof.id}").status_code == 303  # the office may open the proof

    response = post(
        client,
        f"/admin/course-completions/{completion.id}/verify",
        {"version": completion.version},
        "/admin/courses",
    )
    assert response.status_code == 302
    assert "Casey Candidate is certified." in text_of(client.get(response.location))
    session.refresh(completion)
    assert completion.status is CompletionStatus.VERIFIED
    decision = session.scalar(select(CertificationDecision))
    assert (
        f"CORE Core skills (required): met by Library Technology Basics (State Library "
        f"Academy), completed {format_date(completed)}, verified "
    ) in decision.reasons["reasons"][0]
    (event,) = events_for(session, "course_completion", completion.id)[-1:]
    assert (event.action, event.actor_id) == ("course.verified", admin.id)
    assert session.scalar(select(Certificate)) is not None
    subjects = [m["Subject"] for m in mailbox.to(world.candidate.email)]
    assert "Your course is verified: Core skills" in subjects


def test_a_completion_outside_the_approval_period_and_two_years_is_refused(client, session, world):
    login_as(client, world.candidate)
    choose(client, world, world.version.id)
    proof = verified_upload(session, world.candidate)
    session.commit()
    too_early = world.version.approved_on - timedelta(days=2 * 366 + 1)
    response = report(client, world, too_early, proof.id)
    assert response.status_code == 422
    assert "more than the program's retroactive credit allows" in text_of(response)
    assert session.scalar(select(CourseCompletion)) is None
    session.refresh(world.item)
    assert world.item.course_status is CourseStatus.PLANNED


def test_a_completion_two_years_before_approval_counts(client, session, world):
    login_as(client, world.candidate)
    choose(client, world, world.version.id)
    proof = verified_upload(session, world.candidate)
    session.commit()
    early = add_years(world.version.approved_on, -2)
    assert report(client, world, early, proof.id).status_code == 302
    assert session.scalar(select(CourseCompletion)).completed_on == early


@pytest.mark.parametrize("value", ["", "abc", "999999", "-1", "1.5"])
def test_a_course_not_from_the_catalogue_is_refused(client, session, world, value):
    login_as(client, world.candidate)
    response = choose(client, world, value)
    assert response.status_code == 422
    assert "Choose one of the approved courses for Core skills listed here." in text_of(response)
    session.refresh(world.item)
    assert world.item.course_version_id is None


def test_a_course_for_another_set_or_not_approved_is_refused(client, session, world):
    other_set = make_course(
        session, world.provider, world.framework, set_code="OTHER", title="Other Course"
    )
    draft = make_course(
        session, world.provider, world.framework, title="Draft", status=CourseVersionStatus.DRAFT
    )
    session.commit()
    login_as(client, world.candidate)
    assert choose(client, world, other_set.id).status_code == 422
    assert choose(client, world, draft.id).status_code == 422


def test_someone_elses_set_is_not_found(client, session, world):
    other = course_world(
        session,
        email="olive.other@example.org",
        framework=world.framework,
        provider=world.provider,
        member=world.member,
        version=world.version,
    )
    session.commit()
    login_as(client, world.candidate)
    assert client.get(f"/me/enrollment-sets/{other.item.id}/course").status_code == 404
    token = csrf_token(client, course_url(world))
    for path in ("course", "completion", "transcript"):
        response = client.post(
            f"/me/enrollment-sets/{other.item.id}/{path}",
            data={"csrf_token": token, "course_version_id": world.version.id},
        )
        assert response.status_code == 404
    session.refresh(other.item)
    assert other.item.route is Route.UNDECIDED


def test_someone_elses_upload_is_not_proof(client, session, world):
    stranger = make_user(session, "stranger@example.org")
    upload = verified_upload(session, stranger)
    session.commit()
    login_as(client, world.candidate)
    choose(client, world, world.version.id)
    response = report(client, world, TODAY, upload.id)
    assert response.status_code == 422
    assert "Upload your signed completion form or certificate first." in text_of(response)
    assert session.scalar(select(CourseCompletion)) is None
    # ...and the candidate cannot fetch it either
    assert client.get(f"/files/{upload.id}").status_code == 404


def test_the_office_returns_a_completion_with_a_reason(client, session, world, mailbox):
    login_as(client, world.candidate)
    choose(client, world, world.version.id)
    proof = verified_upload(session, world.candidate)
    session.commit()
    report(client, world, TODAY, proof.id)
    completion = session.scalar(select(CourseCompletion))
    admin = make_user(session, "admin@example.org", roles=(Role.ADMINISTRATOR,))
    session.commit()
    login_as(client, admin)
    url = f"/admin/course-completions/{completion.id}/return"
    empty = post(client, url, {"version": completion.version, "reason": ""}, "/admin/courses")
    assert empty.status_code == 422
    response = post(
        client,
        url,
        {"version": completion.version, "reason": "The form is not signed by the instructor."},
        "/admin/courses",
    )
    assert response.status_code == 302
    session.refresh(completion)
    session.refresh(world.item)
    assert completion.status is CompletionStatus.RETURNED
    assert world.item.course_status is CourseStatus.IN_PROGRESS
    (email,) = [
        m for m in mailbox.to(world.candidate.email) if "could not be verified" in m["Subject"]
    ]
    assert "The form is not signed by the instructor." in mailbox.body(email)
    (event,) = events_for(session, "course_completion", completion.id)[-1:]
    assert event.action == "course.returned"

    # The candidate may report it again, with better proof.
    login_as(client, world.candidate)
    again = verified_upload(session, world.candidate, "signed-properly.pdf")
    session.commit()
    assert report(client, world, TODAY, again.id).status_code == 302


def test_verifying_twice_or_a_stale_version_is_a_conflict(client, session, world):
    login_as(client, world.candidate)
    choose(client, world, world.version.id)
    proof = verified_upload(session, world.candidate)
    session.commit()
    report(client, world, TODAY, proof.id)
    completion = session.scalar(select(CourseCompletion))
    admin = make_user(session, "admin@example.org", roles=(Role.ADMINISTRATOR,))
    session.commit()
    login_as(client, admin)
    url = f"/admin/course-completions/{completion.id}/verify"
    stale = post(client, url, {"version": completion.version + 5}, "/admin/courses")
    assert stale.status_code == 409
    assert post(client, url, {"version": completion.version}, "/admin/courses").status_code == 302
    again = post(client, url, {"version": completion.version}, "/admin/courses")
    assert again.status_code == 409
    token = csrf_token(client, "/admin/courses")
    assert client.post(url, data={"csrf_token": token}).status_code == 400
    missing = "/admin/course-completions/999999/verify"
    assert post(client, missing, {"version": 1}, "/admin/courses").status_code == 404


def test_a_file_still_being_checked_is_not_proof_yet(client, session, world):
    login_as(client, world.candidate)
    choose(client, world, world.version.id)
    upload = verified_upload(session, world.candidate)
    upload.status = UploadStatus.PENDING
    session.commit()
    response = report(client, world, TODAY, upload.id)
    assert response.status_code == 422
    assert "This file is still being checked. Try again in a moment." in text_of(response)
    assert session.scalar(select(CourseCompletion)) is None


def test_the_office_page_runs_the_same_queries_whatever_the_number_waiting(
    app, client, session, world
):
    def reported(target):
        target.item.route = Route.COURSE
        target.item.course_version_id = world.version.id
        target.item.course_status = CourseStatus.COMPLETED
        session.add(
            CourseCompletion(
                enrollment_set_id=target.item.id,
                course_version_id=world.version.id,
                completed_on=TODAY,
                source=CompletionSource.CANDIDATE_UPLOAD,
                proof_upload_id=verified_upload(session, target.candidate).id,
                reported_by_id=target.candidate.id,
            )
        )

    reported(world)
    admin = make_user(session, "admin@example.org", roles=(Role.ADMINISTRATOR,))
    session.commit()
    login_as(client, admin)
    with counting(app) as few:
        assert client.get("/admin/courses").status_code == 200
    for n in range(5):
        reported(
            course_world(
                session,
                email=f"c{n}@example.org",
                framework=world.framework,
                provider=world.provider,
                member=world.member,
                version=world.version,
            )
        )
    session.commit()
    with counting(app) as many:
        page = text_of(client.get("/admin/courses"))
    assert page.count("Library Technology Basics by State Library Academy") == 6
    assert len(many) == len(few)
