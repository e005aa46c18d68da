"""Applying again: after a rejection, or once an enrollment ended without a certificate, a
new application starts from the last one (issue 13, section 1); while an application or an
enrollment is still going, there is nothing new to start."""

from __future__ import annotations

from sqlalchemy import select

from portfolio.domain.lifecycle import SetLifecycle
from portfolio.models import (
    Application,
    ApplicationStatus,
    AuditEvent,
    CourseStatus,
    Enrollment,
    EnrollmentSet,
    EnrollmentStatus,
    PaymentPlan,
    Route,
)
from tests.application_fixtures import (
    application_row,
    approve,
    complete_form,
    enrollment_of,
    entry,
    save,
    start,
    submitted_application,
)
from tests.helpers import login_as, post_form

TWO_JOBS = {
    **entry(0, library="Springfield Public Library", hours_per_week="20"),
    **entry(1, library="Shelbyville Branch", role="Shelver", paid="unpaid", hours_per_week="5"),
}


def reject(client, admin, application_id):
    login_as(client, admin)
    url = f"/admin/applications/{application_id}"
    data = {"decision-outcome": "reject", "decision-reason": "Not enough hours yet."}
    return post_form(client, f"{url}/decision", data, page=url)


def test_a_rejected_application_is_the_start_of_the_next_one(
    client, session, lsscp, candidate, admin
):
    first = submitted_application(client, candidate, city="Ogdenville", **TWO_JOBS)
    assert reject(client, admin, first).status_code == 302
    login_as(client, candidate)
    response = post_form(
        client, "/me/applications", {"program": "lsscp"}, page="/me/", follow_redirects=True
    )
    page = response.get_data(as_text=True)
    assert "We filled in this application from your last one" in page
    second = session.scalars(
        select(Application).where(Application.user_id == candidate.id).order_by(Application.id)
    ).all()[-1]
    assert second.id != first and second.status is ApplicationStatus.DRAFT
    assert second.city == "Ogdenville"
    assert [(e.library, e.paid) for e in second.experience] == [
        ("Springfield Public Library", True),
        ("Shelbyville Branch", False),
    ]
    assert second.payment_plan is PaymentPlan.FEE  # chosen afresh
    assert application_row(session, first).status is ApplicationStatus.REJECTED  # untouched
    started = session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "application.started", AuditEvent.object_id == str(second.id)
        )
    )
    assert started.details["copied_from"] == first


def test_an_enrollment_still_going_leaves_nothing_new_to_start(
    client, session, lsscp, candidate, admin
):
    first = submitted_application(client, candidate)
    assert approve(client, admin, first).status_code == 302
    login_as(client, candidate)
    assert start(client) == first  # the approved application, not a new draft
    count = session.scalars(select(Application).where(Application.user_id == candidate.id)).all()
    assert len(count) == 1


def test_an_enrollment_that_ended_lets_the_candidate_apply_again_from_their_answers(
    client, session, lsscp, candidate, admin
):
    first = submitted_application(client, candidate, city="Ogdenville")
    assert approve(client, admin, first).status_code == 302
    enrollment = enrollment_of(session, candidate)
    enrollment.status = EnrollmentStatus.CLOSED
    session.commit()
    login_as(client, candidate)
    second = start(client)
    assert second != first
    again = application_row(session, second)
    assert again.status is ApplicationStatus.DRAFT and again.city == "Ogdenville"
    assert len(again.experience) == 1
    assert start(client) == second  # asking again opens the same draft


def test_sets_met_in_an_ended_enrollment_stay_met_in_the_next(
    client, session, lsscp, candidate, admin
):
    first = submitted_application(client, candidate)
    assert approve(client, admin, first).status_code == 302
    enrollment = enrollment_of(session, candidate)
    found = next(s for s in enrollment.sets if s.competency_set.code == "FOUND")
    found.route, found.status = Route.PORTFOLIO, SetLifecycle.MET
    comm = next(s for s in enrollment.sets if s.competency_set.code == "COMM")
    comm.route, comm.status = Route.PORTFOLIO, SetLifecycle.CLOSED_NOT_MET  # not met: not kept
    access = next(s for s in lsscp.sets if s.code == "ACCESS")
    enrollment.sets.append(
        EnrollmentSet(
            set_id=access.id,
            route=Route.COURSE,
            course_name="Circulation Basics",
            course_provider="State Library",
            course_status=CourseStatus.VERIFIED,
        )
    )
    enrollment.status = EnrollmentStatus.CLOSED
    session.commit()

    second = submitted_application(client, candidate)
    assert approve(client, admin, second).status_code == 302
    session.expire_all()
    new = session.scalar(select(Enrollment).where(Enrollment.application_id == second))
    by_code = {s.competency_set.code: s for s in new.sets}
    assert by_code["FOUND"].status is SetLifecycle.MET
    assert by_code["FOUND"].route is Route.PORTFOLIO
    assert by_code["COMM"].status is SetLifecycle.NOT_STARTED
    assert by_code["ACCESS"].course_status is CourseStatus.VERIFIED  # chosen as an elective
    created = session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "enrollment.created", AuditEvent.object_id == str(new.id)
        )
    )
    assert sorted(created.details["carried_over"]) == ["ACCESS", "FOUND"]


def test_the_dashboard_shows_the_current_application_and_offers_the_program_again(
    client, session, lsscp, candidate, admin
):
    first = submitted_application(client, candidate)
    assert reject(client, admin, first).status_code == 302
    login_as(client, candidate)
    second = start(client)
    page = client.get("/me/").get_data(as_text=True)
    assert f"/me/applications/{second}" in page
    assert f"/me/applications/{first}" not in page  # the rejected one is history now

    save(client, second, complete_form(), action="submit")
    assert approve(client, admin, second).status_code == 302
    enrollment = session.scalar(select(Enrollment).where(Enrollment.application_id == second))
    login_as(client, candidate)
    assert "Apply to" not in client.get("/me/").get_data(as_text=True)  # enrolled
    enrollment.status = EnrollmentStatus.CLOSED
    session.commit()
    assert "Apply to" in client.get("/me/").get_data(as_text=True)  # it ended: apply again
