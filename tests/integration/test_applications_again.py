"""Applying again: after a rejection, or once an enrollment ended without a certificate, a
new application starts from the last one (issue 13, section 1); while an application or an
enrollment is still going, there is nothing new to start."""

from __future__ import annotations

from sqlalchemy import select

from portfolio.models import (
    Application,
    ApplicationStatus,
    AuditEvent,
    EnrollmentStatus,
    PaymentPlan,
)
from tests.application_fixtures import (
    application_row,
    approve,
    enrollment_of,
    entry,
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
