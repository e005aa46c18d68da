"""Overriding a certification decision: an administrator changes it, with a written reason, to
certified (a certificate is issued) or to not certified (the certificate is revoked); both are
audited and emailed. The decisions list and page, and what bad input gets: never a 500."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portfolio.domain.certification.revocation import DEFAULT_PUBLIC_STATEMENT
from portfolio.domain.dates import format_date
from portfolio.domain.errors import Conflict, InvalidInput
from portfolio.models import (
    Application,
    ApplicationStatus,
    Certificate,
    CertificationDecision,
    CourseStatus,
    DecisionStatus,
    EnrollmentStatus,
    Role,
)
from portfolio.services.audit import events_for
from portfolio.services.certification import evaluation as certification
from portfolio.services.certification import overrides as decision_override
from portfolio.web import clock
from tests.helpers import csrf_token, login_as, make_user
from tests.integration.test_certificate_admin import certify
from tests.integration.test_course_checks import course_candidate, text_of
from tests.integration.test_review_queries import counting
from tests.review_fixtures import make_framework

TODAY = clock.today()
REASON = "The course certificate was forged; confirmed with the provider."


def not_certified(session, framework, **candidate) -> CertificationDecision:
    """A candidate whose window ended with their course only planned: not certified."""
    item = course_candidate(session, framework, status=CourseStatus.PLANNED, **candidate)
    enrollment = item.enrollment
    later = enrollment.window_ends_on + timedelta(days=1)
    decision = certification.evaluate_enrollment(session, enrollment, later)
    assert decision is not None and decision.status is DecisionStatus.NOT_CERTIFIED
    return decision


def decision_for(session, certificate: Certificate) -> CertificationDecision:
    return session.scalars(
        select(CertificationDecision).where(
            CertificationDecision.enrollment_id == certificate.enrollment_id
        )
    ).one()


@pytest.fixture
def admin(client, session):
    user = make_user(session, "admin@example.org", name="Ada Admin", roles=(Role.ADMINISTRATOR,))
    login_as(client, user)
    return user


@pytest.fixture
def framework(session):
    return make_framework(session)


@pytest.fixture
def certified(session, admin, framework) -> CertificationDecision:
    certificate = certify(session, framework, admin)
    session.commit()  # a request answering 4xx rolls back what is pending
    return decision_for(session, certificate)


@pytest.fixture
def refused(session, admin, framework) -> CertificationDecision:
    decision = not_certified(session, framework, email="robin@example.org", name="Robin Refused")
    session.commit()
    return decision


def override(client, decision_id, status, reason, **more):
    url = f"/admin/decisions/{decision_id}"
    return client.post(
        f"{url}/override",
        data={"csrf_token": csrf_token(client, url), "status": status, "reason": reason, **more},
    )


def test_an_override_that_revokes_takes_a_public_statement_checked_first(
    client, session, certified
):
    certificate = certification.certificate_of(session, certified.enrollment)
    too_long = override(client, certified.id, "not_certified", REASON, public_statement="w" * 501)
    assert too_long.status_code == 422
    assert 'id="public_statement-error">Keep the public statement' in too_long.get_data(
        as_text=True
    )
    session.expire_all()
    assert certified.status is DecisionStatus.CERTIFIED and certificate.revoked_at is None

    statement = "Withdrawn by the program office."
    response = override(client, certified.id, "not_certified", REASON, public_statement=statement)
    assert response.status_code == 302
    session.expire_all()
    assert certificate.revoked_public_statement == statement
    public = text_of(client.get(f"/certificates/{certificate.number}"))
    assert statement in public and REASON not in public


def test_overriding_to_not_certified_revokes_the_certificate(
    client, session, admin, certified, mailbox
):
    certificate = certification.certificate_of(session, certified.enrollment)
    page = text_of(client.get(f"/admin/decisions/{certified.id}"))
    assert "Decision Certified Decided on" in page
    assert f"Certificate {certificate.number}" in page
    assert f"certificate {certificate.number} is revoked: its public page then says so" in page
    assert "Public statement (optional)" in page

    response = override(client, certified.id, "not_certified", REASON)
    assert response.status_code == 302
    page = text_of(client.get(response.location))
    assert "The decision is now not certified." in page
    assert "Decision Not certified (overridden)" in page
    assert f"{certificate.number} (revoked)" in page
    assert "Every requirement is met." in page  # the evaluation's reasons stay
    assert f"overridden by Ada Admin from certified to not certified. Reason: {REASON}" in page
    assert "decided by the evaluation service" in page  # the history keeps the decision too
    # The way back reinstates the same certificate (test_an_override_back_reinstates_...).
    assert f"certificate {certificate.number} is reinstated" in page

    session.expire_all()
    assert certified.status is DecisionStatus.NOT_CERTIFIED
    assert (certified.overridden_by_id, certified.override_reason) == (admin.id, REASON)
    assert certified.enrollment.status is EnrollmentStatus.CLOSED
    assert certificate.revoked_reason == REASON
    public = text_of(client.get(f"/certificates/{certificate.number}"))
    assert f"Status: Revoked on {format_date(TODAY)}" in public
    assert REASON not in public and DEFAULT_PUBLIC_STATEMENT in public

    event = events_for(session, "enrollment", certified.enrollment_id)[-1]
    assert (event.action, event.actor_id) == ("certification.overridden", admin.id)
    assert event.details == {
        "decision_id": certified.id,
        "before": "certified",
        "after": "not_certified",
        "reason": REASON,
    }
    assert "certificate.revoked" in [
        e.action for e in events_for(session, "certificate", certificate.id)
    ]
    (email,) = [
        m for m in mailbox.to("casey.candidate@example.org") if "has changed" in m["Subject"]
    ]
    body = mailbox.body(email)
    assert "to: not certified" in body and REASON in body


def test_overriding_to_certified_issues_a_certificate(client, session, admin, refused, mailbox):
    assert certification.certificate_of(session, refused.enrollment) is None
    page = text_of(client.get(f"/admin/decisions/{refused.id}"))
    ended = "The completion window ended with required set Core skills (CORE) still to be met."
    assert ended in page
    assert "Certificate None" in page
    assert "New decision Certified" in page

    reason = "The provider confirmed the course was completed before the window ended."
    response = override(client, refused.id, "certified", reason)
    assert response.status_code == 302

    session.expire_all()
    assert refused.status is DecisionStatus.CERTIFIED
    assert refused.enrollment.status is EnrollmentStatus.CERTIFIED
    certificate = certification.certificate_of(session, refused.enrollment)
    assert certificate is not None and certificate.issued_on == TODAY
    assert certificate.revoked_at is None
    page = text_of(client.get(response.location))
    assert f"Certificate {certificate.number}" in page
    assert f"overridden by Ada Admin from not certified to certified. Reason: {reason}" in page
    assert "Status: Valid" in text_of(client.get(f"/certificates/{certificate.number}"))
    issued = events_for(session, "certificate", certificate.id)
    assert [(e.action, e.actor_id) for e in issued] == [("certificate.issued", admin.id)]

    messages = [m for m in mailbox.to("robin@example.org") if "has ended" not in m["Subject"]]
    assert sorted(m["Subject"] for m in messages) == [
        "You are certified: Test Program",
        "Your certification decision has changed: Test Program",
    ]
    bodies = " ".join(mailbox.body(m) for m in messages)
    assert certificate.number in bodies and reason in bodies


def test_a_reason_is_required(client, session, certified):
    response = override(client, certified.id, "not_certified", "   ")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="reason-error">Give a reason.</p>' in html
    assert 'href="#reason">Reason for the override: Give a reason.' in html
    session.expire_all()
    assert certified.status is DecisionStatus.CERTIFIED
    assert certification.certificate_of(session, certified.enrollment).revoked_at is None
    actions = [e.action for e in events_for(session, "enrollment", certified.enrollment_id)]
    assert "certification.overridden" not in actions


def test_a_reason_longer_than_the_limit_is_refused(session, admin, certified):
    with pytest.raises(InvalidInput) as refused:
        decision_override.override_decision(
            session,
            certified,
            actor=admin,
            status=DecisionStatus.NOT_CERTIFIED,
            reason="x" * 2001,
            today=TODAY,
        )
    assert refused.value.field == "reason"
    assert certified.status is DecisionStatus.CERTIFIED


def test_the_same_status_is_a_conflict_shown_on_the_page(client, session, certified):
    response = override(client, certified.id, "certified", "Just to be sure.")
    assert response.status_code == 409
    page = text_of(response)
    assert "There is a problem The decision is already certified." in page
    assert "Override this decision" in page
    session.expire_all()
    assert certified.overridden_by_id is None


def test_an_unknown_status_is_refused(client, session, certified):
    response = override(client, certified.id, "maybe", "Unsure.")
    assert response.status_code == 422
    assert "Choose the new decision." in text_of(response)


def test_an_override_back_reinstates_the_revoked_certificate(
    client, session, admin, certified, mailbox
):
    """Issue 14: a certificate revoked by an override is un-revoked by the override back; its
    credential's bit in the status list is cleared again (no second certificate is made)."""
    from portfolio.domain.certification.status_list import decode_list

    certificate = certification.certificate_of(session, certified.enrollment)
    assert override(client, certified.id, "not_certified", REASON).status_code == 302

    def bits() -> set[int]:
        document = json.loads(client.get("/credentials/status/1").data)
        return decode_list(document["credentialSubject"]["encodedList"])

    assert bits() == {certificate.status_index}
    page = text_of(client.get(f"/admin/decisions/{certified.id}"))
    assert f"certificate {certificate.number} is reinstated" in page
    response = override(client, certified.id, "certified", "It was not forged after all.")
    assert response.status_code == 302
    session.expire_all()
    assert certified.status is DecisionStatus.CERTIFIED
    assert certified.enrollment.status is EnrollmentStatus.CERTIFIED
    assert session.scalar(select(func.count()).select_from(Certificate)) == 1
    assert (certificate.revoked_at, certificate.revoked_reason) == (None, "")
    assert bits() == set()
    public = text_of(client.get(f"/certificates/{certificate.number}"))
    assert "Status: Valid" in public
    (event,) = [
        e
        for e in events_for(session, "certificate", certificate.id)
        if e.action == "certificate.reinstated"
    ]
    assert event.actor_id == admin.id and event.details["revoked_reason"] == REASON
    *_, email = [
        m for m in mailbox.to("casey.candidate@example.org") if "has changed" in m["Subject"]
    ]
    assert f"your certificate {certificate.number} is no longer revoked" in mailbox.body(email)
    again = override(client, certified.id, "certified", "Once more, to be sure.")
    assert again.status_code == 409


def test_a_decision_overridden_meanwhile_is_a_conflict(session, admin, refused):
    decision_override.override_decision(
        session,
        refused,
        actor=admin,
        status=DecisionStatus.CERTIFIED,
        reason="First",
        today=TODAY,
    )
    with pytest.raises(Conflict, match=r"The decision is already certified\."):
        decision_override.override_decision(
            session,
            refused,
            actor=admin,
            status=DecisionStatus.CERTIFIED,
            reason="Second",
            today=TODAY,
        )
    assert session.scalar(select(func.count()).select_from(Certificate)) == 1


def test_the_list_shows_both_kinds_of_decision(client, session, certified, refused):
    page = text_of(client.get("/admin/decisions"))
    assert "Showing 1 to 2 of 2 decisions." in page
    assert f"Casey Candidate Test Program Certified {format_date(certified.decided_at)} No" in page
    assert f"Robin Refused Test Program Not certified {format_date(refused.decided_at)} No" in page
    assert "Certification decisions" in text_of(client.get("/admin/"))
    certificate = certification.certificate_of(session, certified.enrollment)
    show = client.get(f"/admin/certificates/{certificate.id}").get_data(as_text=True)
    assert f'href="/admin/decisions/{certified.id}"' in show


def test_the_list_and_page_need_the_same_number_of_queries_for_one_or_many(
    app, client, session, admin, certified
):
    url = f"/admin/decisions/{certified.id}"
    with counting(app) as few_list:
        assert client.get("/admin/decisions").status_code == 200
    with counting(app) as few_page:
        assert client.get(url).status_code == 200
    framework = certified.enrollment.framework
    for n in range(3):
        certify(session, framework, admin, email=f"c{n}@example.org", name=f"Candidate {n}")
        not_certified(session, framework, email=f"n{n}@example.org", name=f"Refused {n}")
    session.commit()
    assert override(client, certified.id, "not_certified", REASON).status_code == 302
    with counting(app) as many_list:
        page = text_of(client.get("/admin/decisions"))
    with counting(app) as many_page:
        assert client.get(url).status_code == 200
    assert "Showing 1 to 7 of 7 decisions." in page
    assert len(many_list) == len(few_list)
    assert len(many_page) == len(few_page)


def test_unknown_decisions_are_not_found(client, session, certified):
    assert client.get("/admin/decisions/999999").status_code == 404
    assert client.get("/admin/decisions/99999999999999").status_code == 404
    token = csrf_token(client, "/admin/decisions")
    response = client.post(
        "/admin/decisions/999999/override",
        data={"csrf_token": token, "status": "not_certified", "reason": REASON},
    )
    assert response.status_code == 404


def test_decisions_are_for_administrators_only(client, session, certified):
    login_as(client, certified.enrollment.user)
    assert client.get("/admin/decisions").status_code == 403
    assert client.get(f"/admin/decisions/{certified.id}").status_code == 403
    token = csrf_token(client, "/")
    response = client.post(
        f"/admin/decisions/{certified.id}/override",
        data={"csrf_token": token, "status": "not_certified", "reason": "Mine to change?"},
    )
    assert response.status_code == 403
    session.expire_all()
    assert certified.status is DecisionStatus.CERTIFIED


def test_an_ended_enrollment_is_not_certified_once_the_person_applied_again(
    client, session, admin, refused
):
    enrollment = refused.enrollment
    session.add(
        Application(
            user_id=enrollment.user_id,
            framework_id=enrollment.framework_id,
            status=ApplicationStatus.SUBMITTED,
            form_input={},
        )
    )
    session.commit()
    response = override(client, refused.id, "certified", "The course was completed in time.")
    assert response.status_code == 409
    assert "has applied to the program again" in text_of(response)
    session.expire_all()
    assert refused.status is DecisionStatus.NOT_CERTIFIED
    assert certification.certificate_of(session, enrollment) is None
