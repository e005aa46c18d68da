"""Supervisors who act (issue 13.2): inviting staff by email (bounded), renewing an invitation
(older links stop working, expired or not), sharing the application form, and sponsoring the
fee of a candidate who linked them, and nobody else's."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portfolio.models import (
    AuditEvent,
    LedgerKind,
    Payment,
    Role,
    StaffInvitation,
    SupervisorLink,
)
from tests.application_fixtures import submitted_application
from tests.helpers import link_in, login_as, make_user, post_form

BOSS = "boss@example.org"
STAFF = "cand@example.org"  # the candidate fixture's address


def text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


@pytest.fixture
def boss(session):
    user = make_user(session, BOSS, name="Bea Boss", roles=(Role.SUPERVISOR,))
    session.commit()
    return user


def invite(client, emails, program="lsscp"):
    data = {"invite-program": program, "invite-emails": emails}
    return post_form(client, "/supervise/invite", data)


def invitation_link(mailbox, address=STAFF, index=-1) -> str:
    return link_in(mailbox.to(address)[index])


@pytest.fixture
def invited(client, session, mailbox, lsscp, boss, candidate) -> str:
    login_as(client, boss)
    response = invite(client, f"{STAFF}, newhire@example.org")
    assert response.status_code == 302
    assert len(mailbox.to(STAFF)) == 1 and len(mailbox.to("newhire@example.org")) == 1
    assert "Bea Boss invites you to apply" in mailbox.to(STAFF)[0]["Subject"]
    return invitation_link(mailbox)


def test_staff_accept_and_are_linked_then_apply(client, session, invited, boss, candidate):
    login_as(client, candidate)
    page = client.get(invited)
    assert page.status_code == 200 and "Bea Boss invites you to apply" in text(page)
    accepted = post_form(client, invited, {})
    assert accepted.status_code == 302
    assert accepted.headers["Location"].endswith("/me/applications/new?program=lsscp")
    link = session.scalar(select(SupervisorLink).where(SupervisorLink.candidate_id == candidate.id))
    assert link.supervisor_id == boss.id and link.accepted_at is not None
    submitted_application(client, candidate)
    login_as(client, boss)
    assert "Casey Candidate" in text(client.get("/supervise/"))


def test_someone_else_cannot_accept(client, session, invited, other_candidate):
    login_as(client, other_candidate)
    assert client.get(invited).status_code == 403
    assert post_form(client, invited, {}, page="/me/").status_code == 403
    assert session.scalars(select(SupervisorLink)).all() == []


def test_inviting_10000_addresses_at_once_is_refused(client, session, mailbox, lsscp, boss):
    login_as(client, boss)
    many = "\n".join(f"person{n}@example.org" for n in range(10_000))
    response = invite(client, many)
    assert response.status_code == 422
    assert "Invite at most 50 people at once" in text(response)
    assert session.scalars(select(StaffInvitation)).all() == []


@pytest.mark.parametrize(
    ("emails", "message"),
    [
        (", ".join(f"p{n}@example.org" for n in range(51)), "(you entered 51)"),
        ("good@example.org, not-an-address", "This is not an email address: not-an-address."),
        ("   ", "Enter at least one email address."),
        (BOSS, "Invite your staff, not yourself."),
    ],
)
def test_bad_invitations_are_refused(client, session, lsscp, boss, emails, message):
    login_as(client, boss)
    response = invite(client, emails)
    assert response.status_code == 422
    assert message in text(response)
    assert session.scalars(select(StaffInvitation)).all() == []


def test_an_unknown_program_is_refused(client, session, lsscp, boss):
    login_as(client, boss)
    assert invite(client, "a@example.org", program="nowhere").status_code == 422


def test_only_supervisors_invite(client, session, lsscp, candidate):
    login_as(client, candidate)
    assert client.get("/supervise/invite").status_code == 403


def test_the_supervisor_can_share_the_application_form(client, session, lsscp, boss):
    login_as(client, boss)
    page = text(client.get("/supervise/invite"))
    assert "/me/applications/new?program=lsscp" in page


def test_an_expired_invitation_is_renewed_and_the_old_link_refused(
    app, client, session, mailbox, invited, boss, candidate
):
    app.config["SUPERVISOR_INVITATION_MAX_AGE"] = -1  # every link has expired
    try:
        login_as(client, candidate)
        expired = client.get(invited)
        assert expired.status_code == 400
        assert "This invitation has expired. Ask your supervisor to send it again." in text(expired)
        login_as(client, boss)
        assert "Renew" in text(client.get("/supervise/invite"))
        [invitation] = session.scalars(
            select(StaffInvitation).where(StaffInvitation.email == STAFF)
        ).all()
        renewed = post_form(
            client, f"/supervise/invite/{invitation.id}/renew", {}, page="/supervise/invite"
        )
        assert renewed.status_code == 302
        # The old link, expired, used after the newer one was issued: refused as replaced.
        login_as(client, candidate)
        stale = client.get(invited)
        assert stale.status_code == 400
        assert "This invitation was replaced by a newer one." in text(stale)
    finally:
        app.config["SUPERVISOR_INVITATION_MAX_AGE"] = 60 * 60 * 24 * 14
    newest = invitation_link(mailbox)
    assert newest != invited
    assert client.get(invited).status_code == 400  # still refused once valid times are back
    assert "replaced by a newer one" in text(client.get(invited))
    assert post_form(client, invited, {}, page="/me/").status_code == 400
    assert post_form(client, newest, {}).status_code == 302
    assert session.scalar(select(SupervisorLink)).supervisor_id == boss.id
    renewals = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "staff.invitation_renewed")
    ).all()
    assert len(renewals) == 1


def test_another_supervisors_invitation_cannot_be_renewed(client, session, invited):
    other = make_user(session, "other-boss@example.org", roles=(Role.SUPERVISOR,))
    session.commit()
    [invitation] = session.scalars(
        select(StaffInvitation).where(StaffInvitation.email == STAFF)
    ).all()
    login_as(client, other)
    response = post_form(
        client, f"/supervise/invite/{invitation.id}/renew", {}, page="/supervise/invite"
    )
    assert response.status_code == 404


@pytest.fixture
def linked(client, session, invited, candidate, boss) -> int:
    """The candidate accepted the boss's invitation and submitted an application."""
    login_as(client, candidate)
    assert post_form(client, invited, {}).status_code == 302
    submitted_application(client, candidate)
    login_as(client, boss)
    return candidate.id


def sponsor(client, candidate_id, amount="350.00"):
    url = f"/supervise/staff/{candidate_id}/sponsor"
    data = {"sponsor-amount": amount, "sponsor-method": "check", "sponsor-reference": "PO 77"}
    return post_form(client, url, data)


def test_a_supervisor_sponsors_a_linked_candidates_fee(client, session, linked, boss, candidate):
    page = text(client.get(f"/supervise/staff/{linked}/sponsor"))
    assert "The balance due is <strong>$350.00</strong>" in page
    too_much = sponsor(client, linked, "350.01")
    assert too_much.status_code == 422
    assert "You can pay at most the balance due ($350.00)." in text(too_much)
    assert sponsor(client, linked, "350.00").status_code == 302
    [payment] = session.scalars(select(Payment)).all()
    assert payment.payer_id == boss.id and payment.kind == LedgerKind.PAYMENT
    assert payment.amount_cents == 35000 and payment.recorded_by_id == boss.id
    again = sponsor(client, linked, "1.00")
    assert again.status_code == 422 and "Nothing is owed" in text(again)
    login_as(client, candidate)
    fees = text(client.get("/me/fees"))
    assert "Nothing is owed." in fees and "paid by Bea Boss" in fees
    receipt = text(client.get(f"/me/payments/{payment.id}/receipt"))
    assert "Paid by</dt><dd>Bea Boss" in receipt


def test_sponsoring_a_candidate_who_did_not_link_you_is_not_found(
    client, session, mailbox, lsscp, boss, other_candidate
):
    submitted_application(client, other_candidate)
    login_as(client, boss)
    assert client.get(f"/supervise/staff/{other_candidate.id}/sponsor").status_code == 404
    assert sponsor(client, other_candidate.id).status_code == 404
    assert session.scalars(select(Payment)).all() == []


def test_sponsoring_before_any_application_is_refused(client, session, invited, candidate, boss):
    login_as(client, candidate)
    assert post_form(client, invited, {}).status_code == 302
    login_as(client, boss)
    page = text(client.get(f"/supervise/staff/{candidate.id}/sponsor"))
    assert "no submitted application yet" in page
    response = sponsor(client, candidate.id)
    assert response.status_code == 422
    assert "has no submitted application yet: there is nothing to pay toward" in text(response)
    assert session.scalars(select(Payment)).all() == []


# --- the candidate invites or changes their supervisor after applying ----------------------


def invite_supervisor(client, email):
    return post_form(client, "/me/supervisors", {"supervisor-email": email})


def test_a_candidate_invites_a_supervisor_after_applying(
    client, session, mailbox, lsscp, candidate, boss
):
    login_as(client, candidate)
    early = invite_supervisor(client, BOSS)
    assert early.status_code == 409  # nothing sent yet
    assert "Apply first" in text(early)
    submitted_application(client, candidate)
    assert "Invite your supervisor" in text(client.get("/me/"))
    assert invite_supervisor(client, "Boss@Example.org").status_code == 302
    [message] = mailbox.to(BOSS)
    assert "Casey Candidate invites you" in message["Subject"]
    first = link_in(message)
    # Sent again: the earlier link is replaced.
    assert invite_supervisor(client, BOSS).status_code == 302
    second = link_in(mailbox.to(BOSS)[-1])
    assert second != first
    login_as(client, boss)
    stale = client.get(first)
    assert stale.status_code == 400 and "replaced by a newer one" in text(stale)
    assert post_form(client, second, {}).status_code == 302
    link = session.scalar(select(SupervisorLink))
    assert link.supervisor_id == boss.id and link.email == BOSS


def test_a_candidate_changes_their_supervisor(client, session, mailbox, lsscp, candidate, boss):
    submitted_application(client, candidate, supervisor_email=BOSS)
    [link] = session.scalars(select(SupervisorLink)).all()
    assert invite_supervisor(client, "new-boss@example.org").status_code == 302
    page = "/me/supervisors"
    assert post_form(client, f"/me/supervisors/{link.id}/remove", {}, page=page).status_code == 302
    emails = session.scalars(select(SupervisorLink.email)).all()
    assert emails == ["new-boss@example.org"]
    assert "new-boss@example.org" in text(client.get(page))
    removed = session.scalar(select(AuditEvent).where(AuditEvent.action == "supervisor.removed"))
    assert removed.details["email"] == BOSS


@pytest.mark.parametrize(
    ("email", "status", "message"),
    [
        ("not-an-address", 422, "This is not an email address: not-an-address."),
        ("a@example.org, b@example.org", 422, "Enter one email address."),
        (STAFF, 422, "Enter your supervisor&#39;s address, not your own."),
        ("x" * 10_000 + "@example.org", 422, "Field cannot be longer than 254 characters."),
    ],
)
def test_bad_supervisor_addresses_are_refused(
    client, session, lsscp, candidate, email, status, message
):
    submitted_application(client, candidate)
    response = invite_supervisor(client, email)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert session.scalars(select(SupervisorLink)).all() == []


def test_nobody_removes_another_candidates_supervisor(
    client, session, lsscp, candidate, other_candidate
):
    submitted_application(client, candidate, supervisor_email=BOSS)
    [link] = session.scalars(select(SupervisorLink)).all()
    login_as(client, other_candidate)
    response = post_form(client, f"/me/supervisors/{link.id}/remove", {}, page="/me/supervisors")
    assert response.status_code == 404
    assert session.scalars(select(SupervisorLink)).all() == [link]
