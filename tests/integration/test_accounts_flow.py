"""Accounts end to end through the real forms and a real SMTP server."""

from __future__ import annotations

from sqlalchemy import func, select

from portfolio.models import AuditEvent, Role, User
from portfolio.services.accounts import hashing
from tests.helpers import (
    DEFAULT_PASSWORD,
    link_in,
    make_user,
    post_form,
    register,
    sign_in,
    sign_out,
)

PASSWORD = "correct horse library staple"


def test_register_confirm_sign_in_and_sign_out(client, session, mailbox):
    response = register(client, "Ada.Reader@Example.org", name="Ada Reader")
    assert response.status_code == 302
    assert "check-your-email" in response.headers["Location"]

    [message] = mailbox.to("ada.reader@example.org")
    assert message["Subject"] == "Confirm your email address"
    assert "Ada Reader" in mailbox.body(message)
    link = link_in(message)
    assert link.startswith("/confirm/")

    # Not confirmed yet: the right password is not enough.
    refused = sign_in(client, "ada.reader@example.org", DEFAULT_PASSWORD)
    assert refused.status_code == 403
    assert b"confirm your email address first" in refused.data

    confirmed = client.get(link, follow_redirects=True)
    assert confirmed.status_code == 200
    assert b"Your email address is confirmed" in confirmed.data

    signed_in = sign_in(client, "ada.reader@example.org", DEFAULT_PASSWORD, follow_redirects=True)
    assert signed_in.status_code == 200
    assert b"Sign out" in signed_in.data
    assert client.get("/account").status_code == 200

    user = session.scalar(select(User).where(User.email == "ada.reader@example.org"))
    assert user.has_role(Role.CANDIDATE)
    assert user.is_confirmed
    assert user.last_sign_in_at is not None

    signed_out = sign_out(client)
    assert signed_out.status_code == 302
    account_page = client.get("/account")
    assert account_page.status_code == 302
    assert "/sign-in" in account_page.headers["Location"]


def test_sign_in_starts_a_fresh_session(client, session):
    make_user(session, "fresh@example.org", password=PASSWORD)
    with client.session_transaction() as flask_session:
        flask_session["planted"] = "by an attacker before sign-in"
    sign_in(client, "fresh@example.org", PASSWORD)
    with client.session_transaction() as flask_session:
        assert "planted" not in flask_session
        assert flask_session["sid"]


def test_remember_me_sets_a_remember_cookie(client, session):
    make_user(session, "remember@example.org", password=PASSWORD)
    response = sign_in(client, "remember@example.org", PASSWORD, remember=True)
    assert response.status_code == 302
    cookies = response.headers.getlist("Set-Cookie")
    assert any(c.startswith("remember_token=") and "HttpOnly" in c for c in cookies)


def test_without_remember_me_there_is_no_remember_cookie(client, session):
    make_user(session, "forget@example.org", password=PASSWORD)
    response = sign_in(client, "forget@example.org", PASSWORD)
    assert not any(c.startswith("remember_token=") for c in response.headers.getlist("Set-Cookie"))


def test_sign_out_ends_the_sessions_on_other_devices_too(app, client, session):
    make_user(session, "two.devices@example.org", password=PASSWORD)
    other_device = app.test_client()
    sign_in(client, "two.devices@example.org", PASSWORD)
    sign_in(other_device, "two.devices@example.org", PASSWORD)
    assert other_device.get("/account").status_code == 200
    sign_out(client)
    assert other_device.get("/account").status_code == 302


def test_next_page_after_sign_in_is_followed_when_local(client, session):
    make_user(session, "admin.next@example.org", password=PASSWORD, roles=(Role.ADMINISTRATOR,))
    response = sign_in(client, "admin.next@example.org", PASSWORD, next_page="/admin/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"


def test_reset_a_forgotten_password_by_the_emailed_link(client, session, mailbox):
    user = make_user(session, "forgetful@example.org", password=PASSWORD)
    response = post_form(client, "/forgot-password", {"email": "forgetful@example.org"})
    assert response.status_code == 302
    [message] = mailbox.to("forgetful@example.org")
    link = link_in(message)
    assert link.startswith("/reset-password/")

    page = client.get(link)
    assert page.status_code == 200
    assert b"Choose a new password" in page.data
    new_password = "a brand new reading lamp"
    done = post_form(client, link, {"password": new_password, "confirm_password": new_password})
    assert done.status_code == 302

    assert sign_in(client, "forgetful@example.org", PASSWORD).status_code == 422
    assert sign_in(client, "forgetful@example.org", new_password).status_code == 302
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.object_id == str(user.id))
    ).all()
    assert "account.password_reset" in actions


def test_change_password_signs_out_other_sessions_but_not_this_one(app, client, session, mailbox):
    make_user(session, "changer@example.org", password=PASSWORD)
    other_device = app.test_client()
    sign_in(client, "changer@example.org", PASSWORD, remember=True)
    sign_in(other_device, "changer@example.org", PASSWORD)

    new_password = "reading rooms open at nine"
    data = {
        "current_password": PASSWORD,
        "new_password": new_password,
        "confirm_password": new_password,
    }
    response = post_form(client, "/account/password", data, page="/account")
    assert response.status_code == 302
    # A fresh remember cookie (for the new epoch) replaces the old one.
    assert any(c.startswith("remember_token=") for c in response.headers.getlist("Set-Cookie"))

    assert client.get("/account").status_code == 200
    assert other_device.get("/account").status_code == 302
    assert sign_in(other_device, "changer@example.org", new_password).status_code == 302
    [changed] = mailbox.to("changer@example.org")
    assert changed["Subject"] == "Your password was changed"
    # It asks the reader to act if it was not them, so it never also says to ignore it.
    assert "If this was not you, reset your password" in mailbox.body(changed)
    assert "you can ignore it" not in mailbox.body(changed)


def test_change_email_through_a_link_sent_to_the_new_address(client, session, mailbox):
    user = make_user(session, "old.address@example.org", password=PASSWORD)
    sign_in(client, "old.address@example.org", PASSWORD)
    data = {"new_email": "New.Address@example.org", "password": PASSWORD}
    response = post_form(client, "/account/email", data, page="/account")
    assert response.status_code == 302
    session.refresh(user)
    assert user.email == "old.address@example.org"  # nothing changes until the link is opened

    [message] = mailbox.to("new.address@example.org")
    confirmed = client.get(link_in(message), follow_redirects=True)
    assert confirmed.status_code == 200
    assert b"Your email address is now new.address@example.org" in confirmed.data
    session.refresh(user)
    assert user.email == "new.address@example.org"
    [changed] = mailbox.to("old.address@example.org")
    assert changed["Subject"] == "Your email address was changed"
    assert "If this was not you, contact an administrator" in mailbox.body(changed)
    assert "you can ignore it" not in mailbox.body(changed)

    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "account.email_changed")
    ).one()
    assert event.details == {"old": "old.address@example.org", "new": "new.address@example.org"}
    sign_out(client)
    assert sign_in(client, "new.address@example.org", PASSWORD).status_code == 302


def test_an_outdated_hash_is_upgraded_at_sign_in(client, session):
    from argon2 import PasswordHasher

    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)
    user = make_user(session, "old.hash@example.org", password_hash=weak.hash(PASSWORD))
    assert sign_in(client, "old.hash@example.org", PASSWORD).status_code == 302
    session.refresh(user)
    assert not hashing.needs_rehash(user.password_hash)
    assert hashing.verify_password(user.password_hash, PASSWORD)


def test_registration_grants_the_candidate_role_and_is_audited(client, session):
    register(client, "audited@example.org")
    user = session.scalar(select(User).where(User.email == "audited@example.org"))
    assert user.role_names == {Role.CANDIDATE}
    count = session.scalar(
        select(func.count(AuditEvent.id)).where(
            AuditEvent.action == "account.created", AuditEvent.object_id == str(user.id)
        )
    )
    assert count == 1
