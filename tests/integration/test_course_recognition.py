"""Recognition agreements (a college program's graduates prove the sets it covers, once the
office verifies their transcript), and the outcome page of a set closed as not met suggesting
approved courses for it."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from sqlalchemy import select

from portfolio.models import (
    CompletionStatus,
    CourseStatus,
    EnrollmentStatus,
    RecognitionAgreement,
    Role,
    Route,
    TranscriptProof,
)
from portfolio.services.audit import events_for
from portfolio.web import clock
from tests.completion_fixtures import (
    course_world,
    enable_courses,
    make_course,
    make_provider,
    verified_upload,
)
from tests.helpers import csrf_token, login_as, make_user
from tests.integration.test_candidate_dead_ends import closed_world

TODAY = clock.today()


def text_of(response) -> str:
    page = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return re.sub(r"\s+", " ", html.unescape(page))


def post(client, url, data, page):
    return client.post(url, data={"csrf_token": csrf_token(client, page), **data})


def record(client, **values):
    data = {
        "program": "tstp",
        "college": "Lakeside College",
        "program_name": "Library Technical Assistant",
        "sets": ["CORE"],
        "valid_from": (TODAY - timedelta(days=3650)).isoformat(),
        "valid_until": "",
        **values,
    }
    return post(client, "/admin/recognition-agreements", data, "/admin/recognition-agreements")


def test_the_office_records_an_agreement_and_a_graduates_transcript_meets_the_set(
    client, session, mailbox
):
    world = course_world(session)
    admin = make_user(session, "admin@example.org", name="Ada Admin", roles=(Role.ADMINISTRATOR,))
    session.commit()
    login_as(client, admin)
    response = record(client)
    assert response.status_code == 302
    agreement = session.scalar(select(RecognitionAgreement))
    assert [s.code for s in agreement.sets] == ["CORE"]
    (event,) = events_for(session, "recognition_agreement", agreement.id)
    assert event.action == "recognition.agreement_recorded"
    assert "Lakeside College Library Technical Assistant CORE" in text_of(
        client.get("/admin/recognition-agreements")
    )

    transcript = verified_upload(session, world.candidate, "transcript.pdf")
    session.commit()
    login_as(client, world.candidate)
    url = f"/me/enrollment-sets/{world.item.id}/transcript"
    response = post(
        client,
        url,
        {
            "agreement_id": agreement.id,
            "graduated_on": (TODAY - timedelta(days=60)).isoformat(),
            "upload_id": transcript.id,
        },
        url,
    )
    assert response.status_code == 302
    session.refresh(world.item)
    assert world.item.route is Route.RECOGNISED_PROGRAM
    assert world.item.course_status is CourseStatus.COMPLETED
    proof = session.scalar(select(TranscriptProof))
    dashboard = text_of(client.get("/me/"))
    assert "Recognised program: Library Technical Assistant (Lakeside College; transcript" in (
        dashboard
    )
    assert "your transcript is waiting for verification" in dashboard

    login_as(client, admin)
    page = text_of(client.get("/admin/courses"))
    assert "Library Technical Assistant (Lakeside College)" in page
    response = post(
        client,
        f"/admin/transcripts/{proof.id}/verify",
        {"version": proof.version},
        "/admin/courses",
    )
    assert response.status_code == 302
    session.refresh(proof)
    session.refresh(world.enrollment)
    assert proof.status is CompletionStatus.VERIFIED
    assert world.enrollment.status is EnrollmentStatus.CERTIFIED
    (event,) = events_for(session, "transcript_proof", proof.id)[-1:]
    assert event.action == "recognition.transcript_verified"


def test_bad_agreements_are_refused_with_their_message(client, session):
    course_world(session)
    admin = make_user(session, "admin@example.org", roles=(Role.ADMINISTRATOR,))
    session.commit()
    login_as(client, admin)
    for values, message in (
        ({"college": ""}, "Enter the college's name."),
        ({"sets": []}, "Choose at least one set the program covers."),
        ({"sets": ["NOPE"]}, "Choose sets of this program only."),
        ({"program": "nope"}, "Choose a published program."),
        ({"valid_from": "soon"}, "Enter the date the agreement starts."),
        ({"valid_until": "1999-01-01"}, "The agreement must end after it starts."),
    ):
        response = record(client, **values)
        assert response.status_code == 422, values
        assert message in text_of(response)
    assert session.scalar(select(RecognitionAgreement)) is None


def test_a_transcript_for_an_uncovered_set_or_outside_the_agreement_is_refused(client, session):
    world = course_world(session)
    agreement = RecognitionAgreement(
        college="Lakeside College",
        program_name="LTA",
        valid_from=TODAY - timedelta(days=100),
        valid_until=TODAY - timedelta(days=10),
    )
    agreement.sets = [s for s in world.framework.sets if s.code == "OTHER"]
    session.add(agreement)
    transcript = verified_upload(session, world.candidate, "transcript.pdf")
    session.commit()
    login_as(client, world.candidate)
    url = f"/me/enrollment-sets/{world.item.id}/transcript"
    data = {"agreement_id": agreement.id, "graduated_on": TODAY.isoformat()}
    response = post(client, url, {**data, "upload_id": transcript.id}, url)
    assert response.status_code == 422
    assert "Choose the recognised program you graduated from" in text_of(response)
    agreement.sets = [s for s in world.framework.sets if s.code == "CORE"]
    session.commit()
    response = post(client, url, {**data, "upload_id": transcript.id}, url)
    assert response.status_code == 422
    assert "The agreement covers graduates from" in text_of(response)
    assert session.scalar(select(TranscriptProof)) is None


def test_a_set_closed_as_not_met_suggests_approved_courses_for_it(client, session):
    world = closed_world(session)
    enable_courses(session, world.framework)
    provider, _ = make_provider(session)
    make_course(session, provider, world.framework, title="Cataloging Essentials")
    make_course(session, provider, world.framework, set_code="OTHER", title="Not For This Set")
    session.commit()
    login_as(client, world.candidate)
    page = text_of(client.get(f"/me/outcomes/{world.submission.id}"))
    assert "Approved courses for Core skills" in page
    assert "Cataloging Essentials" in page and "Not For This Set" not in page
    assert 'href="/providers/state-library-academy"' in client.get(
        f"/me/outcomes/{world.submission.id}"
    ).get_data(as_text=True)
