"""The whole path through the web: draft, submit, approval, enrollment, electives, routes."""

from __future__ import annotations

import re

from sqlalchemy import select

from portfolio.domain.dates import add_months
from portfolio.models import (
    ApplicationStatus,
    AuditEvent,
    EligibilityStatus,
    EnrollmentSet,
    Role,
    Route,
)
from portfolio.services.programs.queries import get_framework
from tests.application_fixtures import (
    ELECTIVES,
    application_row,
    application_url,
    approve,
    complete_form,
    enrollment_of,
    entry,
    save,
    start,
    today,
)
from tests.helpers import login_as, post_form


def test_draft_submit_approve_enroll_electives_and_routes(
    client, session, mailbox, lsscp, candidate, admin
):
    login_as(client, candidate)
    dashboard = client.get("/me/").get_data(as_text=True)
    assert "Apply to Library Support Staff" in dashboard or "Apply to" in dashboard

    application_id = start(client)
    page = client.get(application_url(application_id)).get_data(as_text=True)
    assert "0 of 1,820 hours in the last 5 years" in page

    # A first save with half the answers: kept as a draft.
    response = save(client, application_id, {"phone": "555-0100", **entry(hours_per_week="")})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'value="555-0100"' in page
    assert "Enter the hours you worked per week." in page
    assert application_row(session, application_id).status == ApplicationStatus.DRAFT

    # Complete it and submit.
    response = save(client, application_id, complete_form(), action="submit")
    assert response.status_code == 302
    assert "check=1" not in response.headers["Location"]
    application = application_row(session, application_id)
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.eligibility == EligibilityStatus.ELIGIBLE
    assert application.hours_counted is not None and application.hours_counted >= 1820
    view = client.get(application_url(application_id)).get_data(as_text=True)
    assert "Submitted on" in view

    # The office sees it under "Eligible" and approves it.
    login_as(client, admin)
    eligible = client.get("/admin/applications?eligibility=eligible").get_data(as_text=True)
    assert "Casey Candidate" in eligible and "Eligible (1)" in eligible
    response = approve(client, admin, application_id, reason="All requirements met.")
    assert response.status_code == 302

    application = application_row(session, application_id)
    assert application.status == ApplicationStatus.APPROVED
    # The queue shows what waits; "Any" status shows the approved one too, and the list's
    # downloads keep "Any" rather than falling back to the queue's default.
    client.get("/admin/applications")  # shows (and so clears) the flash naming the candidate
    assert "Casey Candidate" not in client.get("/admin/applications").get_data(as_text=True)
    every = client.get("/admin/applications?status=any").get_data(as_text=True)
    assert "Casey Candidate" in every and 'value="any" selected' in every
    assert (
        "format=csv" in every
        and "status=any"
        in every.split("format=csv")[0][-200:] + (every.split("format=csv")[1][:200])
    )
    enrollment = enrollment_of(session, candidate)
    published = get_framework(session, "lsscp", include_drafts=False)
    assert enrollment.framework_id == published.id
    assert enrollment.enrolled_on == today()
    assert enrollment.window_ends_on == add_months(today(), 12 * 4)  # LSSCP: 4 years
    codes = {s.competency_set.code for s in enrollment.sets}
    assert codes == {"FOUND", "COMM", "TECH"}

    [message] = mailbox.to("cand@example.org")
    assert "approved" in message["Subject"]
    assert "All requirements met." in mailbox.body(message)

    # The candidate's dashboard shows the sets, the countdown and the next step.
    login_as(client, candidate)
    dashboard = client.get("/me/").get_data(as_text=True)
    assert re.search(r"1,4\d\d days left", dashboard)
    assert "Choose your 3 electives." in dashboard
    assert "Foundations" in dashboard or "FOUND" in dashboard

    # Electives, then a route for each set.
    url = f"/me/enrollments/{enrollment.id}/electives"
    response = post_form(client, url, {"electives": ELECTIVES})
    assert response.status_code == 302
    session.expire_all()
    enrollment = enrollment_of(session, candidate)
    assert {s.competency_set.code for s in enrollment.sets} == {"FOUND", "COMM", "TECH", *ELECTIVES}

    found = next(s for s in enrollment.sets if s.competency_set.code == "FOUND")
    access = next(s for s in enrollment.sets if s.competency_set.code == "ACCESS")
    course = {f"set-{found.id}-route": "course"}  # the course is then picked from the catalogue
    assert (
        post_form(client, f"/me/enrollment-sets/{found.id}/route", course, page=url).status_code
        == 302
    )
    portfolio = {f"set-{access.id}-route": "portfolio"}
    assert (
        post_form(client, f"/me/enrollment-sets/{access.id}/route", portfolio, page=url).status_code
        == 302
    )

    session.expire_all()
    found = session.get(EnrollmentSet, found.id)
    assert found.route == Route.COURSE
    assert found.course_name == ""
    assert found.course_status.value == "planned"
    assert session.get(EnrollmentSet, access.id).route == Route.PORTFOLIO
    page = client.get(url).get_data(as_text=True)
    assert "Course route: no course chosen yet." in page
    assert "Choose your course from the catalogue" in page
    assert session.get(type(candidate), candidate.id).has_role(Role.CANDIDATE)

    actions = set(session.scalars(select(AuditEvent.action)))
    for action in (
        "application.started",
        "application.submitted",
        "application.approved",
        "enrollment.created",
        "enrollment.electives_chosen",
        "enrollment.route_chosen",
    ):
        assert action in actions
