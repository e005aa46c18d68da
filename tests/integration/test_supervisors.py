"""Supervisors: the emailed invitation, accepting it, and a read-only view of their staff only."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portfolio.domain.portfolios.snapshots import snapshot_sha256
from portfolio.models import (
    Application,
    Certificate,
    CertificationDecision,
    DecisionStatus,
    Enrollment,
    Role,
    SupervisorLink,
)
from tests.application_fixtures import approve, complete_form, save, start, submitted_application
from tests.helpers import (
    DEFAULT_PASSWORD,
    csrf_token,
    link_in,
    login_as,
    make_user,
    post_form,
    sign_in,
    sign_out,
)

BOSS = "boss@example.org"


@pytest.fixture
def boss(session):
    return make_user(session, BOSS, name="Bea Boss", password=DEFAULT_PASSWORD)


@pytest.fixture
def stranger(session):
    return make_user(session, "stranger@example.org", name="Stan Ger", password=DEFAULT_PASSWORD)


@pytest.fixture
def invitation(client, session, mailbox, lsscp, boss, stranger, candidate, other_candidate, admin):
    """The candidate applied naming the boss (in capitals); the path of the emailed link."""
    submitted_application(client, candidate, supervisor_email="Boss@Example.org")
    [message] = mailbox.to(BOSS)
    assert "Casey Candidate invites you" in message["Subject"]
    login_as(client, boss)
    return link_in(message)


def accept(client, path):
    return post_form(client, path, {})


def test_the_invited_person_signs_in_and_accepts(client, session, invitation, boss, candidate):
    sign_out(client)
    anonymous = client.get(invitation)
    assert anonymous.status_code == 200
    text = anonymous.get_data(as_text=True)
    assert "Sign in to accept" in text
    # Whoever holds the link does not learn whose it is before signing in as its address.
    assert "Casey" not in text and "A member of your staff invites you" in text

    response = sign_in(client, BOSS, DEFAULT_PASSWORD, next_page=invitation, follow_redirects=True)
    assert "Accept and follow Casey Candidate" in response.get_data(as_text=True)
    accepted = accept(client, invitation)
    assert accepted.status_code == 302
    assert accepted.headers["Location"].endswith(f"/supervise/staff/{candidate.id}")

    session.expire_all()
    assert boss.has_role(Role.SUPERVISOR)
    link = session.scalar(select(SupervisorLink))
    assert link.supervisor_id == boss.id and link.accepted_at is not None
    page = client.get(f"/supervise/staff/{candidate.id}").get_data(as_text=True)
    assert "waiting for a decision" in page
    staff = client.get("/supervise/").get_data(as_text=True)
    assert "Casey Candidate" in staff


def test_someone_else_signed_in_cannot_accept(client, session, invitation, stranger, boss):
    login_as(client, stranger)
    refused = client.get(invitation)
    assert refused.status_code == 403
    assert "sent to another email address" in refused.get_data(as_text=True)
    assert "Casey" not in refused.get_data(as_text=True)
    response = client.post(invitation, data={"csrf_token": csrf_token(client, "/")})
    assert response.status_code == 403
    session.expire_all()
    assert not stranger.has_role(Role.SUPERVISOR)
    assert session.scalar(select(SupervisorLink)).accepted_at is None


def test_a_tampered_invitation_is_refused(client, session, invitation):
    response = client.get(invitation[:-3] + "abc")
    assert response.status_code == 400
    assert "not valid" in response.get_data(as_text=True)


def test_the_supervisor_follows_progress_but_not_evidence_until_shared(
    client, session, invitation, boss, candidate, admin
):
    accept(client, invitation)
    [link] = session.scalars(select(SupervisorLink)).all()
    application = session.scalar(select(Application).where(Application.user_id == candidate.id))
    approve(client, admin, application.id)

    login_as(client, boss)
    page = client.get(f"/supervise/staff/{candidate.id}").get_data(as_text=True)
    assert "days left" in page
    assert "Foundations" in page or "not started" in page
    assert "has not shared their evidence" in page

    login_as(client, candidate)
    dashboard = client.get("/me/").get_data(as_text=True)
    assert "follows your progress" in dashboard
    response = post_form(
        client, f"/me/supervisors/{link.id}/sharing", {"shares_evidence": "yes"}, page="/me/"
    )
    assert response.status_code == 302
    login_as(client, boss)
    assert "shares their evidence with you" in client.get(
        f"/supervise/staff/{candidate.id}"
    ).get_data(as_text=True)


def test_a_supervisor_never_sees_someone_elses_candidate(
    client, session, invitation, boss, other_candidate
):
    accept(client, invitation)
    assert client.get(f"/supervise/staff/{other_candidate.id}").status_code == 404
    assert client.get("/supervise/staff/999999").status_code == 404
    assert "Olive Other" not in client.get("/supervise/").get_data(as_text=True)


def test_an_invited_but_not_accepted_supervisor_sees_nobody(
    client, session, invitation, boss, candidate
):
    # Signed in as the boss, who has not accepted and so holds no supervisor role.
    assert client.get("/supervise/").status_code == 403
    assert client.get(f"/supervise/staff/{candidate.id}").status_code == 403


def test_a_candidate_cannot_change_sharing_of_another_candidates_supervisor(
    client, session, invitation, other_candidate
):
    link = session.scalar(select(SupervisorLink))
    login_as(client, other_candidate)
    response = post_form(
        client, f"/me/supervisors/{link.id}/sharing", {"shares_evidence": "yes"}, page="/me/"
    )
    assert response.status_code == 404
    session.expire_all()
    assert session.scalar(select(SupervisorLink)).shares_evidence is False


def test_the_candidates_own_address_cannot_be_the_supervisor(client, session, lsscp, candidate):
    login_as(client, candidate)
    application_id = start(client)
    response = save(
        client, application_id, complete_form(supervisor_email=candidate.email), action="submit"
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Enter your supervisor&#39;s address, not your own." in page


def test_shared_evidence_is_the_submitted_snapshot_and_stops_when_sharing_stops(
    client, session, invitation, boss, candidate, admin, other_candidate
):
    from portfolio.models import Enrollment, Submission, SubmissionStatus

    accept(client, invitation)
    [link] = session.scalars(select(SupervisorLink)).all()
    application = session.scalar(select(Application).where(Application.user_id == candidate.id))
    approve(client, admin, application.id)
    enrollment = session.scalar(select(Enrollment).where(Enrollment.user_id == candidate.id))
    document = {
        "format": 1,
        "set": {"code": "FOUND", "name": "Foundations of Library Services"},
        "attempt": 1,
        "learning_statement": "What I learned at the desk.",
        "competencies": [
            {"code": "FOUND-01", "title": "Purpose", "narrative": "My story.", "artifacts": []}
        ],
    }
    submission = Submission(
        enrollment_set_id=enrollment.sets[0].id,
        attempt=1,
        submitted_by_id=candidate.id,
        snapshot=document,
        snapshot_sha256=snapshot_sha256(document),
        status=SubmissionStatus.SUBMITTED,
    )
    session.add(submission)
    session.commit()
    url = f"/supervise/staff/{candidate.id}/submissions/{submission.id}"

    login_as(client, boss)
    assert client.get(url).status_code == 404  # not shared yet
    login_as(client, candidate)
    post_form(client, f"/me/supervisors/{link.id}/sharing", {"shares_evidence": "yes"}, page="/me/")
    login_as(client, boss)
    assert url in client.get(f"/supervise/staff/{candidate.id}").get_data(as_text=True)
    page = client.get(url)
    assert page.status_code == 200
    assert "What I learned at the desk." in page.get_data(as_text=True)
    # The submission under another person's address is not found, even though it is shared.
    mixed = f"/supervise/staff/{other_candidate.id}/submissions/{submission.id}"
    assert client.get(mixed).status_code == 404
    # A snapshot changed after submission is refused with a clear page, never shown in part.
    submission.snapshot = {**document, "learning_statement": "Changed later."}
    session.commit()
    page = client.get(url)
    assert page.status_code == 409
    assert "The frozen copy of this submission cannot be shown" in page.get_data(as_text=True)
    submission.snapshot = document
    session.commit()

    stranger_boss = make_user(session, "other.boss@example.org", roles=(Role.SUPERVISOR,))
    session.commit()
    login_as(client, stranger_boss)
    assert client.get(url).status_code == 404

    login_as(client, candidate)
    post_form(client, f"/me/supervisors/{link.id}/sharing", {}, page="/me/")
    login_as(client, boss)
    assert client.get(url).status_code == 404


def test_the_supervisor_sees_where_certification_stands_then_the_certificate(
    client, session, invitation, boss, candidate, admin
):
    accept(client, invitation)
    application = session.scalar(select(Application).where(Application.user_id == candidate.id))
    approve(client, admin, application.id)
    login_as(client, boss)
    page = client.get(f"/supervise/staff/{candidate.id}").get_data(as_text=True)
    assert "Not yet certified." in page and "Still to be met:" in page

    enrollment = session.scalar(select(Enrollment).where(Enrollment.user_id == candidate.id))
    session.add(
        CertificationDecision(
            enrollment_id=enrollment.id, status=DecisionStatus.CERTIFIED, reasons={"summary": ""}
        )
    )
    session.add(
        Certificate(
            number="7K3QD-M0X2A-9PTRE-4HZ6B",
            enrollment_id=enrollment.id,
            user_id=candidate.id,
            framework_id=enrollment.framework_id,
            issued_on=date(2026, 11, 1),
            expires_on=date(2099, 11, 1),
        )
    )
    session.commit()
    page = client.get(f"/supervise/staff/{candidate.id}").get_data(as_text=True)
    assert "Certified." in page and "7K3QD-M0X2A-9PTRE-4HZ6B" in page
    assert "/certificates/7K3QD-M0X2A-9PTRE-4HZ6B" in page
