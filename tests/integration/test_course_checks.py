"""The program office's check of approved courses: the list of courses marked completed,
verifying one (which certifies a candidate whose last missing set it was), and returning one
to the candidate with a reason they are emailed. Bad input is a 4xx with its message, never 500.
"""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm.exc import StaleDataError

from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.dates import format_date
from portfolio.domain.errors import Conflict
from portfolio.domain.lifecycle import SetLifecycle
from portfolio.models import (
    Certificate,
    CertificationDecision,
    CourseStatus,
    DecisionStatus,
    EnrollmentSet,
    EnrollmentStatus,
    Framework,
    Role,
    Route,
)
from portfolio.services import audit
from portfolio.services.audit import events_for
from portfolio.services.courses import verification
from portfolio.services.enrollment import enroll
from portfolio.services.programs.versions import load_rules
from portfolio.web import clock
from tests.helpers import csrf_token, login_as, make_user
from tests.integration.test_review_queries import counting
from tests.review_fixtures import make_candidate, make_framework

TODAY = clock.today()
COURSE = "Cataloguing Basics"
PROVIDER = "State Library Academy"


def text_of(response) -> str:
    page = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return re.sub(r"\s+", " ", html.unescape(page))


def course_candidate(
    session,
    framework: Framework,
    *,
    email: str = "casey.candidate@example.org",
    name: str = "Casey Candidate",
    status: CourseStatus = CourseStatus.COMPLETED,
    course: str = COURSE,
) -> EnrollmentSet:
    """A candidate taking the program's required CORE set by a course in `status`; any electives
    the program asks for are met by portfolio already, so the course is all that is missing."""
    _candidate, enrollment = make_candidate(session, framework, email=email, name=name)
    core, other = framework.sets
    item = EnrollmentSet(
        enrollment=enrollment,
        set_id=core.id,
        route=Route.COURSE,
        course_name=course,
        course_provider=PROVIDER,
        course_status=status,
    )
    session.add(item)
    if load_rules(framework).electives_required:
        session.add(
            EnrollmentSet(
                enrollment=enrollment,
                set_id=other.id,
                route=Route.PORTFOLIO,
                status=SetLifecycle.MET,
            )
        )
    session.flush()
    return item


def admin_client(client, session):
    admin = make_user(session, "admin@example.org", name="Ada Admin", roles=(Role.ADMINISTRATOR,))
    session.commit()
    login_as(client, admin)
    return admin


def post(client, url, data, page="/admin/courses"):
    return client.post(url, data={"csrf_token": csrf_token(client, page), **data})


def verify(client, item, version=None):
    return post(
        client,
        f"/admin/courses/{item.id}/verify",
        {"version": item.version if version is None else version},
    )


def give_back(client, item, reason):
    return post(
        client, f"/admin/courses/{item.id}/return", {"version": item.version, "reason": reason}
    )


def test_verifying_the_last_missing_set_certifies_the_candidate(client, session, mailbox):
    item = course_candidate(session, make_framework(session))
    enrollment = item.enrollment
    admin = admin_client(client, session)
    listing = text_of(client.get("/admin/courses"))
    assert f"Casey Candidate CORE Core skills (Test Program) {COURSE} by {PROVIDER}" in listing

    response = verify(client, item)
    assert response.status_code == 302
    page = text_of(client.get(response.location))
    certificate = session.scalar(select(Certificate))
    assert f"{COURSE} is verified for Casey Candidate." in page
    assert f"Casey Candidate is certified (certificate {certificate.number})." in page
    assert "No course is waiting to be verified." in page

    session.refresh(item)
    session.refresh(enrollment)
    assert item.course_status is CourseStatus.VERIFIED
    assert enrollment.status is EnrollmentStatus.CERTIFIED
    decision = session.scalar(select(CertificationDecision))
    assert decision.status is DecisionStatus.CERTIFIED
    assert (
        "CORE Core skills (required): met by a verified approved course"
        in decision.reasons["reasons"]
    )
    (event,) = events_for(session, "enrollment_set", item.id)
    assert (event.action, event.actor_id) == ("course.verified", admin.id)
    assert event.details["course_name"] == COURSE
    assert event.details["course_provider"] == PROVIDER
    (email,) = [m for m in mailbox.to(enrollment.user.email) if "certified" in m["Subject"]]
    assert certificate.number in mailbox.body(email)


def test_verifying_while_a_required_set_is_missing_leaves_the_decision_open(client, session):
    framework = make_framework(session)
    _candidate, enrollment = make_candidate(session, framework)
    core, other = framework.sets
    session.add(EnrollmentSet(enrollment=enrollment, set_id=core.id, route=Route.PORTFOLIO))
    item = EnrollmentSet(
        enrollment=enrollment,
        set_id=other.id,
        route=Route.COURSE,
        course_name=COURSE,
        course_provider=PROVIDER,
        course_status=CourseStatus.COMPLETED,
    )
    session.add(item)
    session.flush()
    admin_client(client, session)
    response = verify(client, item)
    assert response.status_code == 302
    page = text_of(client.get(response.location))
    assert (
        f"{COURSE} is verified for Casey Candidate. Still to be met: required set Core skills "
        "(CORE)." in page
    )
    assert session.scalar(select(CertificationDecision)) is None
    assert session.scalar(select(Certificate)) is None


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (CourseStatus.PLANNED, "The candidate has not marked this course completed yet."),
        (CourseStatus.IN_PROGRESS, "The candidate has not marked this course completed yet."),
        (CourseStatus.VERIFIED, "This course is already verified."),
    ],
)
def test_verifying_from_the_wrong_state_is_a_conflict(client, session, status, message):
    item = course_candidate(session, make_framework(session), status=status)
    admin_client(client, session)
    response = verify(client, item)
    assert response.status_code == 409
    assert message in text_of(response)
    session.refresh(item)
    assert item.course_status is status
    assert events_for(session, "enrollment_set", item.id) == []
    assert session.scalar(select(Certificate)) is None


def test_a_portfolio_set_cannot_be_verified_or_returned(client, session):
    framework = make_framework(session)
    _candidate, enrollment = make_candidate(session, framework)
    item = EnrollmentSet(enrollment=enrollment, set_id=framework.sets[0].id, route=Route.PORTFOLIO)
    session.add(item)
    session.flush()
    admin_client(client, session)
    for response in (verify(client, item), give_back(client, item, "No proof")):
        assert response.status_code == 409
        assert "The candidate has not chosen a course for this set." in text_of(response)


def test_a_page_loaded_before_the_candidate_changed_the_course_is_a_conflict(client, session):
    item = course_candidate(session, make_framework(session))
    loaded = item.version
    item.course_name = "A Different Course"  # a change made meanwhile bumps the row's version
    session.flush()
    admin_client(client, session)
    for response in (
        verify(client, item, version=loaded),
        post(
            client,
            f"/admin/courses/{item.id}/return",
            {"version": loaded, "reason": "Not on the provider's list"},
        ),
    ):
        assert response.status_code == 409
        assert "The candidate changed this course after you opened the page." in text_of(response)
    session.refresh(item)
    assert item.course_status is CourseStatus.COMPLETED


def test_a_change_committed_meanwhile_fails_the_flush_instead_of_overwriting(session):
    item = course_candidate(session, make_framework(session))
    admin = make_user(session, "admin@example.org", roles=(Role.ADMINISTRATOR,))
    # Another request's change, which this session's copy of the row has not seen.
    table = EnrollmentSet.__table__
    session.execute(update(table).where(table.c.id == item.id).values(version=table.c.version + 1))
    with pytest.raises(StaleDataError):
        verification.verify_course(session, item, actor=admin, today=TODAY)


def test_returning_a_course_needs_a_reason_and_emails_the_candidate(client, session, mailbox):
    item = course_candidate(session, make_framework(session))
    admin = admin_client(client, session)

    refused = give_back(client, item, "   ")
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert f'id="reason-{item.id}-error">Give a reason.</p>' in page
    assert f'aria-describedby="reason-{item.id}-hint reason-{item.id}-error"' in page
    session.refresh(item)
    assert item.course_status is CourseStatus.COMPLETED

    reason = "The provider has no record of your completion; send us your transcript."
    response = give_back(client, item, reason)
    assert response.status_code == 302
    page = text_of(client.get(response.location))
    assert f"{COURSE} went back to Casey Candidate as in progress" in page
    assert "No course is waiting to be verified." in page
    session.refresh(item)
    assert item.course_status is CourseStatus.IN_PROGRESS
    (event,) = events_for(session, "enrollment_set", item.id)
    assert (event.action, event.actor_id) == ("course.returned", admin.id)
    assert event.details["reason"] == reason
    (email,) = mailbox.to(item.enrollment.user.email)
    assert email["Subject"] == "Your course could not be verified: Core skills"
    body = mailbox.body(email)
    assert reason in body and COURSE in body and "marked in progress again" in body
    # ... and links straight to where the course is marked completed again.
    assert f"http://localhost/me/enrollments/{item.enrollment_id}/electives#routes" in body


def test_a_verified_course_cannot_be_returned(client, session, mailbox):
    item = course_candidate(session, make_framework(session), status=CourseStatus.VERIFIED)
    admin_client(client, session)
    response = give_back(client, item, "Changed our mind")
    assert response.status_code == 409
    assert "This course is verified, so it can no longer be returned." in text_of(response)
    assert mailbox.to(item.enrollment.user.email) == []


def test_the_list_shows_completed_courses_the_longest_waiting_first(app, client, session):
    framework = make_framework(session)
    first = course_candidate(session, framework, status=CourseStatus.IN_PROGRESS)
    second = course_candidate(
        session, framework, email="b@example.org", name="Bo Second", course="Reference Skills"
    )
    course_candidate(
        session, framework, email="p@example.org", name="Pat Planned", status=CourseStatus.PLANNED
    )
    for item in (second, first):  # both marked completed by their candidates, second first
        # (as candidates did before courses were chosen from the catalogue)
        item.course_status = CourseStatus.COMPLETED
        session.flush()
        audit.record(
            session,
            actor=item.enrollment.user,
            action=AuditAction.ENROLLMENT_ROUTE_CHOSEN,
            object_type="enrollment_set",
            object_id=item.id,
        )
    admin_client(client, session)
    page = text_of(client.get("/admin/courses"))
    assert page.index("Bo Second") < page.index("Casey Candidate")
    assert "Pat Planned" not in page
    assert page.count(f"{format_date(TODAY)}") == 2
    assert verification.count_courses_to_verify(session) == 2
    assert "Courses to verify (2)" in text_of(client.get("/admin/"))


def test_the_list_needs_the_same_number_of_queries_for_one_course_or_many(app, client, session):
    framework = make_framework(session)
    course_candidate(session, framework)
    admin_client(client, session)
    with counting(app) as few:
        assert client.get("/admin/courses").status_code == 200
    for n in range(5):
        course_candidate(session, framework, email=f"c{n}@example.org", name=f"Candidate {n}")
    session.commit()
    with counting(app) as many:
        page = client.get("/admin/courses")
    assert text_of(page).count("Return to the candidate") == 6
    assert len(many) == len(few)


def test_unknown_courses_and_unreadable_forms_are_refused_plainly(client, session):
    item = course_candidate(session, make_framework(session))
    admin_client(client, session)
    for url in (
        "/admin/courses/999999/verify",
        "/admin/courses/999999/return",
        "/admin/courses/99999999999999/verify",
    ):
        response = post(client, url, {"version": "1", "reason": "x"})
        assert response.status_code == 404, url
    for version in ("", "abc", "1e9", "-1"):
        response = verify(client, item, version=version)
        assert response.status_code == 400
        assert "This form is missing its version." in text_of(response)
    no_token = client.post(f"/admin/courses/{item.id}/verify", data={"version": item.version})
    assert no_token.status_code == 400
    session.refresh(item)
    assert item.course_status is CourseStatus.COMPLETED


def test_course_checks_are_for_administrators_only(client, session):
    item = course_candidate(session, make_framework(session))
    reviewer = make_user(session, "r@example.org", roles=(Role.REVIEWER, Role.CANDIDATE))
    session.commit()
    login_as(client, reviewer)
    assert client.get("/admin/courses").status_code == 403
    for action in ("verify", "return"):
        response = post(
            client,
            f"/admin/courses/{item.id}/{action}",
            {"version": item.version, "reason": "No"},
            page="/",
        )
        assert response.status_code == 403
    session.refresh(item)
    assert item.course_status is CourseStatus.COMPLETED


def test_once_the_enrollment_is_decided_its_courses_no_longer_wait_or_change(client, session):
    framework = make_framework(session)
    item = course_candidate(session, framework)
    session.add(
        CertificationDecision(
            enrollment_id=item.enrollment_id,
            status=DecisionStatus.NOT_CERTIFIED,
            reasons={"summary": "The completion window ended."},
        )
    )
    item.enrollment.status = EnrollmentStatus.CLOSED
    admin_client(client, session)
    waiting = text_of(client.get("/admin/courses"))
    assert "No course is waiting to be verified." in waiting and COURSE not in waiting
    response = verify(client, item)
    assert response.status_code == 409
    assert "certification is already decided (not certified)" in text_of(response)
    assert give_back(client, item, "No transcript.").status_code == 409
    session.expire_all()
    assert item.course_status is CourseStatus.COMPLETED


def test_after_the_window_a_candidate_can_no_longer_change_a_course_route(session):
    framework = make_framework(session)
    item = course_candidate(session, framework, status=CourseStatus.IN_PROGRESS)
    later = item.enrollment.window_ends_on + timedelta(days=1)
    with pytest.raises(Conflict, match="Your completion window ended on"):
        enroll.choose_route(
            session, item, route="course", actor=item.enrollment.user, today=later
        )
    assert item.course_status is CourseStatus.IN_PROGRESS


def test_the_candidates_dashboard_agrees_with_itself_once_the_course_certifies_them(
    client, session
):
    item = course_candidate(session, make_framework(session))
    candidate = item.enrollment.user
    session.commit()
    login_as(client, candidate)
    before = text_of(client.get("/me/"))
    assert "days left" in before
    assert "Core skills required Course:" in before and "not met yet" in before
    admin_client(client, session)
    assert verify(client, item).status_code == 302
    login_as(client, candidate)
    after = text_of(client.get("/me/"))
    # The verified course shows as met, and a certified enrollment has no countdown.
    assert "not met yet" not in after and "days left" not in after
    assert re.search(r"Core skills required Course: [^)]*; completed and verified\) met ", after)
