"""Decisions and enrollment: approve, reject, the version enrolled in, roles, and the dashboard."""

from __future__ import annotations

from sqlalchemy import event, select

from portfolio.extensions import db
from portfolio.models import (
    ApplicationStatus,
    AuditEvent,
    Enrollment,
    EnrollmentSet,
    Role,
)
from tests.application_fixtures import (
    ELECTIVES,
    UNPAID_REASON,
    application_row,
    approve,
    enrollment_of,
    publish,
    submitted_application,
)
from tests.framework_documents import lsscp_document
from tests.helpers import login_as, make_user, post_form


def decide(client, application_id, outcome, reason):
    url = f"/admin/applications/{application_id}"
    data = {"decision-outcome": outcome, "decision-reason": reason}
    data["decision-unpaid_reason"] = UNPAID_REASON
    return post_form(client, f"{url}/decision", data, page=url)


def test_rejection_needs_a_reason_and_emails_it(client, session, mailbox, lsscp, candidate, admin):
    application_id = submitted_application(client, candidate)
    login_as(client, admin)
    refused = decide(client, application_id, "reject", "   ")
    assert refused.status_code == 422
    assert "Give a reason." in refused.get_data(as_text=True)
    assert application_row(session, application_id).status == ApplicationStatus.SUBMITTED

    assert decide(client, application_id, "reject", "Hours are from 2012.").status_code == 302
    application = application_row(session, application_id)
    assert application.status == ApplicationStatus.REJECTED
    assert application.decision_reason == "Hours are from 2012."
    [message] = mailbox.to("cand@example.org")
    assert "not approved" in message["Subject"]
    assert "Hours are from 2012." in mailbox.body(message)
    assert session.scalar(select(Enrollment)) is None
    login_as(client, candidate)
    assert "Hours are from 2012." in client.get(f"/me/applications/{application_id}").get_data(
        as_text=True
    )


def test_approving_twice_is_a_conflict(client, session, mailbox, lsscp, candidate, admin):
    application_id = submitted_application(client, candidate)
    assert approve(client, admin, application_id).status_code == 302
    again = approve(client, admin, application_id)
    assert again.status_code == 409
    assert "already" in again.get_data(as_text=True)
    assert len(session.scalars(select(Enrollment)).all()) == 1
    assert len(mailbox.to("cand@example.org")) == 1


def test_rejecting_an_approved_application_is_a_conflict(client, session, lsscp, candidate, admin):
    application_id = submitted_application(client, candidate)
    approve(client, admin, application_id)
    assert decide(client, application_id, "reject", "Changed my mind").status_code == 409
    assert application_row(session, application_id).status == ApplicationStatus.APPROVED


def test_approving_a_draft_is_a_conflict(client, session, lsscp, candidate, admin):
    from tests.application_fixtures import start

    login_as(client, candidate)
    application_id = start(client)
    response = approve(client, admin, application_id)
    assert response.status_code == 409
    assert "draft" in response.get_data(as_text=True)
    assert application_row(session, application_id).status == ApplicationStatus.DRAFT


def test_a_decision_without_an_outcome_is_refused(client, session, lsscp, candidate, admin):
    application_id = submitted_application(client, candidate)
    login_as(client, admin)
    response = decide(client, application_id, "maybe", "Because")
    assert response.status_code == 422
    assert application_row(session, application_id).status == ApplicationStatus.SUBMITTED


def test_a_10000_character_reason_is_refused(client, session, lsscp, candidate, admin):
    application_id = submitted_application(client, candidate)
    login_as(client, admin)
    response = decide(client, application_id, "approve", "x" * 10_000)
    assert response.status_code == 422
    assert "Use at most 2,000 characters." in response.get_data(as_text=True)


def test_approval_enrolls_in_the_version_published_now(client, session, lsscp, candidate, admin):
    application_id = submitted_application(client, candidate)
    newer = lsscp_document()
    newer["description"] = "Version 2, published after the application."
    version_2 = publish(session, newer)
    assert version_2.version == 2
    approve(client, admin, application_id)
    assert enrollment_of(session, candidate).framework_id == version_2.id
    assert application_row(session, application_id).framework_id == lsscp.id


def test_approval_grants_the_candidate_role(client, session, lsscp, admin):
    person = make_user(session, "roleless@example.org", name="Rolf Less")
    application_id = submitted_application(client, person)
    approve(client, admin, application_id)
    session.expire_all()
    assert person.has_role(Role.CANDIDATE)
    granted = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "account.role_granted")
    ).all()
    assert any(e.details["role"] == "candidate" for e in granted)


def test_a_non_administrator_cannot_see_or_use_the_admin_pages(client, session, lsscp, candidate):
    application_id = submitted_application(client, candidate)
    for url in ("/admin/applications", f"/admin/applications/{application_id}"):
        assert client.get(url).status_code == 403
    for action in ("decision", "payments", "scholarships"):
        response = post_form(
            client, f"/admin/applications/{application_id}/{action}", {}, page="/me/"
        )
        assert response.status_code == 403
    assert application_row(session, application_id).status == ApplicationStatus.SUBMITTED


def test_an_unknown_application_is_not_found_for_administrators(client, session, admin):
    login_as(client, admin)
    assert client.get("/admin/applications/999999").status_code == 404


def count_queries(app, client, url):
    statements = []

    def record(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            statements.append(statement)

    engine = db.engine_for(app)
    event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return len(statements)


def test_the_dashboard_needs_the_same_number_of_queries_however_much_it_shows(
    app, client, session, lsscp, candidate, admin
):
    application_id = submitted_application(client, candidate)
    approve(client, admin, application_id)
    login_as(client, candidate)
    few = count_queries(app, client, "/me/")  # three required sets

    enrollment = enrollment_of(session, candidate)
    url = f"/me/enrollments/{enrollment.id}/electives"
    post_form(client, url, {"electives": ELECTIVES})
    assert len(session.scalars(select(EnrollmentSet)).all()) == 6
    many = count_queries(app, client, "/me/")  # and three electives
    assert many == few
    page = client.get("/me/").get_data(as_text=True)
    assert "days left" in page
