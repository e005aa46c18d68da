"""Certificates for administrators: the latest issued with their status, one with the decision
behind it, and revoking one with a written reason (audited; a second revocation is refused)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from markupsafe import escape
from sqlalchemy import select, update

from portfolio.domain.certification.revocation import (
    DEFAULT_PUBLIC_STATEMENT,
    PUBLIC_STATEMENT_MAX,
    STATEMENT_TOO_LONG,
    STATEMENT_TOO_SHORT,
)
from portfolio.domain.dates import format_date
from portfolio.domain.errors import Conflict, InvalidInput
from portfolio.models import (
    Certificate,
    CertificationDecision,
    DecisionStatus,
    EnrollmentStatus,
    Role,
)
from portfolio.services.audit import events_for
from portfolio.services.certification import certificate_admin
from portfolio.services.courses import verification
from portfolio.web import clock
from tests.helpers import csrf_token, login_as, make_user
from tests.integration.test_course_checks import course_candidate, text_of
from tests.integration.test_review_queries import counting
from tests.review_fixtures import make_framework

TODAY = clock.today()


def certify(session, framework, admin, **candidate) -> Certificate:
    """A candidate certified by the office verifying their course."""
    item = course_candidate(session, framework, **candidate)
    verification.verify_course(session, item, actor=admin, today=TODAY)
    certificate = session.scalar(
        select(Certificate).where(Certificate.enrollment_id == item.enrollment_id)
    )
    assert certificate is not None
    return certificate


@pytest.fixture
def admin(client, session):
    user = make_user(session, "admin@example.org", name="Ada Admin", roles=(Role.ADMINISTRATOR,))
    login_as(client, user)
    return user


@pytest.fixture
def certificate(session, admin):
    issued = certify(session, make_framework(session), admin)
    session.commit()  # a request answering 4xx rolls back what is pending
    return issued


def revoke(client, certificate_id, reason, public_statement=None):
    url = f"/admin/certificates/{certificate_id}"
    data = {"csrf_token": csrf_token(client, url), "reason": reason}
    if public_statement is not None:
        data["public_statement"] = public_statement
    return client.post(f"{url}/revoke", data=data)


def test_the_list_shows_each_certificate_with_its_status(client, session, certificate):
    page = text_of(client.get("/admin/certificates"))
    assert "Showing 1 to 1 of 1 certificate." in page
    assert (
        f"{certificate.number} Casey Candidate Test Program {format_date(TODAY)} "
        f"{format_date(certificate.expires_on)} Valid"
    ) in page
    assert '<a href="/admin/certificates">Certificates</a>' in client.get("/admin/").get_data(
        as_text=True
    )


def test_the_list_needs_the_same_number_of_queries_for_one_certificate_or_many(
    app, client, session, admin, certificate
):
    with counting(app) as few:
        assert client.get("/admin/certificates").status_code == 200
    framework = certificate.framework
    for n in range(4):
        certify(session, framework, admin, email=f"c{n}@example.org", name=f"Candidate {n}")
    session.commit()
    with counting(app) as many:
        page = text_of(client.get("/admin/certificates"))
    assert "Showing 1 to 5 of 5 certificates." in page
    assert len(many) == len(few)


def test_a_certificate_shows_the_reasons_of_its_decision(client, session, certificate):
    page = text_of(client.get(f"/admin/certificates/{certificate.id}"))
    assert f"Certificate {certificate.number}" in page
    assert "Holder Casey Candidate (casey.candidate@example.org)" in page
    assert "Every requirement is met." in page
    assert "CORE Core skills (required): met by a verified approved course" in page
    assert "Status Valid" in page
    assert "Reason for revoking it" in page


def test_revoking_needs_a_reason_and_is_audited(client, session, admin, certificate):
    refused = revoke(client, certificate.id, "  ")
    assert refused.status_code == 422
    assert 'id="reason-error">Give a reason.</p>' in refused.get_data(as_text=True)
    session.refresh(certificate)
    assert certificate.revoked_at is None

    reason = "Issued in error: the course was verified for the wrong candidate."
    response = revoke(client, certificate.id, reason)
    assert response.status_code == 302
    page = text_of(client.get(response.location))
    assert f"Certificate {certificate.number} is revoked." in page
    assert f"Status Revoked on {format_date(TODAY)}: {reason}" in page
    assert "Reason for revoking it" not in page  # no second revoke form
    listing = text_of(client.get("/admin/certificates"))
    assert f"Revoked on {format_date(TODAY)}" in listing
    session.refresh(certificate)
    assert certificate.revoked_at is not None and certificate.revoked_reason == reason
    event = events_for(session, "certificate", certificate.id)[-1]
    assert (event.action, event.actor_id) == ("certificate.revoked", admin.id)
    assert event.details == {
        "number": certificate.number,
        "enrollment_id": certificate.enrollment_id,
        "reason": reason,
        "public_statement": "",
    }


def test_revoking_twice_is_a_conflict(client, session, certificate):
    assert revoke(client, certificate.id, "Issued in error").status_code == 302
    again = revoke(client, certificate.id, "Issued in error, again")
    assert again.status_code == 409
    assert f"This certificate was already revoked on {format_date(TODAY)}." in text_of(again)
    session.refresh(certificate)
    assert certificate.revoked_reason == "Issued in error"
    actions = [e.action for e in events_for(session, "certificate", certificate.id)]
    assert actions.count("certificate.revoked") == 1


def test_a_revocation_at_the_same_instant_is_refused_not_repeated(session, admin, certificate):
    # Another request revoked it after this one loaded the certificate.
    moment = datetime(2030, 5, 2, 9, 0, tzinfo=UTC)
    session.execute(
        update(Certificate.__table__)
        .where(Certificate.__table__.c.id == certificate.id)
        .values(revoked_at=moment, revoked_reason="First")
    )
    assert certificate.revoked_at is None  # this session's copy has not seen it
    with pytest.raises(Conflict, match="already revoked on 2 May 2030"):
        certificate_admin.revoke_certificate(
            session, certificate, actor=admin, reason="Second", now=datetime.now(UTC)
        )
    assert certificate.revoked_reason == "First"
    assert "certificate.revoked" not in [
        e.action for e in events_for(session, "certificate", certificate.id)
    ]


def test_a_reason_longer_than_the_limit_is_refused(session, admin, certificate):
    with pytest.raises(InvalidInput) as refused:
        certificate_admin.revoke_certificate(
            session, certificate, actor=admin, reason="x" * 2001, now=datetime.now(UTC)
        )
    assert refused.value.field == "reason"
    assert certificate.revoked_at is None


def test_unknown_certificates_are_not_found(client, session, admin, certificate):
    assert client.get("/admin/certificates/999999").status_code == 404
    assert client.get("/admin/certificates/99999999999999").status_code == 404
    token = csrf_token(client, "/admin/certificates")
    response = client.post("/admin/certificates/999999/revoke", data={"csrf_token": token})
    assert response.status_code == 404


def test_certificates_are_for_administrators_only(client, session, certificate):
    holder = certificate.user
    login_as(client, holder)
    assert client.get("/admin/certificates").status_code == 403
    assert client.get(f"/admin/certificates/{certificate.id}").status_code == 403
    token = csrf_token(client, "/")
    response = client.post(
        f"/admin/certificates/{certificate.id}/revoke",
        data={"csrf_token": token, "reason": "Mine to revoke?"},
    )
    assert response.status_code == 403
    session.refresh(certificate)
    assert certificate.revoked_at is None


def test_revoking_ends_the_certification_everywhere_and_tells_the_holder(
    client, session, certificate, mailbox
):
    assert revoke(client, certificate.id, "The course transcript was forged.").status_code == 302
    session.expire_all()
    decision = session.scalar(
        select(CertificationDecision).where(
            CertificationDecision.enrollment_id == certificate.enrollment_id
        )
    )
    assert decision.status is DecisionStatus.NOT_CERTIFIED
    assert decision.override_reason == "The course transcript was forged."
    assert certificate.enrollment.status is EnrollmentStatus.CLOSED
    assert certificate.revoked_at is not None
    (email,) = [m for m in mailbox.to(certificate.user.email) if "has changed" in m["Subject"]]
    assert "The course transcript was forged." in mailbox.body(email)


def test_after_a_revocation_the_holder_reads_why_and_no_next_steps(client, session, certificate):
    revoke(client, certificate.id, "The course transcript was forged.")
    login_as(client, certificate.user)
    page = text_of(client.get("/me/"))
    assert "Not certified. The program office changed the decision: The course transcript" in page
    assert "Every requirement is met." not in page
    assert "This enrollment has ended. Contact the program office." in page


# The public statement: what the certificate's public page says instead of the reason


def test_the_public_statement_is_stored_audited_and_the_only_wording_shown_publicly(
    client, session, admin, certificate
):
    reason = "Forged transcript: see the ethics board's case 2026-17."
    statement = "  Revoked by the program office\n after a review of its evidence.  "
    response = revoke(client, certificate.id, reason, statement)
    assert response.status_code == 302
    stored = "Revoked by the program office after a review of its evidence."
    session.refresh(certificate)
    assert (certificate.revoked_reason, certificate.revoked_public_statement) == (reason, stored)
    event = events_for(session, "certificate", certificate.id)[-1]
    assert event.details["reason"] == reason
    assert event.details["public_statement"] == stored
    office = text_of(client.get(f"/admin/certificates/{certificate.id}"))
    assert f"Public statement {stored}" in office and reason in office
    public = client.get(f"/certificates/{certificate.number}").get_data(as_text=True)
    assert stored in public
    for internal in ("Forged", "ethics board", "2026-17", DEFAULT_PUBLIC_STATEMENT):
        assert internal not in public


def test_without_a_public_statement_the_public_page_uses_the_standard_wording(
    client, session, certificate
):
    assert revoke(client, certificate.id, "Issued to the wrong person", "   ").status_code == 302
    session.refresh(certificate)
    assert certificate.revoked_public_statement == ""
    office = text_of(client.get(f"/admin/certificates/{certificate.id}"))
    assert f"Public statement {DEFAULT_PUBLIC_STATEMENT} (the standard wording)" in office
    public = client.get(f"/certificates/{certificate.number}").get_data(as_text=True)
    assert DEFAULT_PUBLIC_STATEMENT in public and "wrong person" not in public


@pytest.mark.parametrize(
    ("statement", "message"),
    [("x", STATEMENT_TOO_SHORT), ("y" * (PUBLIC_STATEMENT_MAX + 1), STATEMENT_TOO_LONG)],
)
def test_a_public_statement_out_of_bounds_is_refused_and_nothing_changes(
    client, session, certificate, statement, message
):
    reason = "Issued in error, kept as typed"
    response = revoke(client, certificate.id, reason, statement)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="public_statement-error">{escape(message)}</p>' in page
    assert f'<a href="#public_statement">Public statement: {escape(message)}</a>' in page
    assert f">{reason}</textarea>" in page  # what was typed comes back
    session.expire_all()
    assert certificate.revoked_at is None
    assert "certificate.revoked" not in [
        e.action for e in events_for(session, "certificate", certificate.id)
    ]


def test_the_service_checks_the_statement_too(session, admin, certificate):
    with pytest.raises(InvalidInput) as refused:
        certificate_admin.revoke_certificate(
            session,
            certificate,
            actor=admin,
            reason="Issued in error",
            now=datetime.now(UTC),
            public_statement="z" * 501,
        )
    assert refused.value.field == "public_statement"
    assert certificate.revoked_at is None
