"""Emailed links: wrong, expired, reused and tampered ones are refused with a clear page."""

from __future__ import annotations

import time
from contextlib import contextmanager

import pytest
from itsdangerous import TimestampSigner

from portfolio.services.accounts.tokens import Purpose, sign
from tests.helpers import link_in, make_user, post_form, register, sign_in

PASSWORD = "correct horse library staple"
NEW_PASSWORD = "a brand new reading lamp"
SECRET = "test-secret-key"  # app_settings in conftest


@contextmanager
def signed_long_ago():
    """Tokens made inside are stamped two days ago: past every configured max age.

    Only while signing: itsdangerous asks the same clock for "now" when it checks the age.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            TimestampSigner, "get_timestamp", lambda self: int(time.time()) - 2 * 24 * 3600
        )
        yield


def tampered(link: str) -> str:
    """The link with one character of its signature changed.

    Not the last character: its low bits are padding in base64, so changing it may leave the
    decoded signature the same and the test would pass or fail by chance.
    """
    i = len(link) - 5
    return link[:i] + ("A" if link[i] != "A" else "B") + link[i + 1 :]


def confirmation_link(client, mailbox, email="linker@example.org"):
    register(client, email)
    return link_in(mailbox.to(email)[-1])


def reset_link(client, mailbox, email):
    post_form(client, "/forgot-password", {"email": email})
    return link_in(mailbox.to(email)[-1])


def assert_refused(response, text):
    assert response.status_code == 400
    assert b"This link does not work" in response.data
    assert text.encode() in response.data


# Confirmation links


def test_a_made_up_confirmation_link_is_refused(client, session):
    assert_refused(client.get("/confirm/not-a-token-at-all"), "This link is not valid")


def test_an_expired_confirmation_link_is_refused(client, session, mailbox):
    with signed_long_ago():
        link = confirmation_link(client, mailbox)
    time_travel_over = client.get(link)
    assert_refused(time_travel_over, "This link has expired")
    assert b"Ask for a new confirmation link" in time_travel_over.data
    assert sign_in(client, "linker@example.org", "a long and unusual passphrase").status_code == 403


def test_a_reused_confirmation_link_is_refused(client, session, mailbox):
    link = confirmation_link(client, mailbox)
    assert client.get(link).status_code == 302
    assert_refused(client.get(link), "This link was used already")


def test_a_confirmation_link_opened_while_signed_in_as_someone_else_says_whose(
    client, session, mailbox
):
    link = confirmation_link(client, mailbox, "newcomer@example.org")
    make_user(session, "colleague@example.org", password=PASSWORD)
    sign_in(client, "colleague@example.org", PASSWORD)
    page = client.get(link, follow_redirects=True).get_data(as_text=True)
    assert "The address newcomer@example.org is confirmed." in page
    assert "signed in with another account (colleague@example.org)" in page
    # Not "Your email address is confirmed. You can sign in now." over the colleague's page.
    assert "You can sign in now" not in page


def test_a_tampered_confirmation_link_is_refused(client, session, mailbox):
    link = confirmation_link(client, mailbox)
    assert_refused(client.get(tampered(link)), "This link is not valid")


def test_a_reset_token_does_not_confirm_an_email(client, session):
    user = make_user(session, "purpose@example.org", confirmed=False)
    token = sign(SECRET, Purpose.RESET_PASSWORD, {"uid": user.id, "email": user.email})
    assert_refused(client.get(f"/confirm/{token}"), "This link is not valid")


def test_a_confirmation_link_for_a_changed_address_is_refused(client, session):
    user = make_user(session, "current@example.org", confirmed=False)
    token = sign(SECRET, Purpose.CONFIRM_EMAIL, {"uid": user.id, "email": "previous@example.org"})
    assert_refused(client.get(f"/confirm/{token}"), "This link is not valid")


# Password reset links


def test_a_made_up_reset_link_is_refused(client, session):
    assert_refused(client.get("/reset-password/forged.token.here"), "This link is not valid")


def test_an_expired_reset_link_is_refused(client, session, mailbox):
    make_user(session, "slow@example.org", password=PASSWORD)
    with signed_long_ago():
        link = reset_link(client, mailbox, "slow@example.org")
    response = client.get(link)
    assert_refused(response, "This link has expired")
    assert b"Ask for a new password reset link" in response.data


def test_a_reused_reset_link_is_refused(client, session, mailbox):
    make_user(session, "twice@example.org", password=PASSWORD)
    link = reset_link(client, mailbox, "twice@example.org")
    data = {"password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}
    assert post_form(client, link, data).status_code == 302
    assert_refused(client.get(link), "This link is not valid")
    again = client.post(link, data={**data, "csrf_token": "irrelevant"})
    assert again.status_code == 400


def test_a_reset_link_dies_when_the_password_changes_another_way(client, session, mailbox):
    make_user(session, "changed.meanwhile@example.org", password=PASSWORD)
    link = reset_link(client, mailbox, "changed.meanwhile@example.org")
    sign_in(client, "changed.meanwhile@example.org", PASSWORD)
    data = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    post_form(
        client, "/account/password", {**data, "confirm_password": NEW_PASSWORD}, page="/account"
    )
    assert_refused(client.get(link), "This link is not valid")


def test_a_tampered_reset_link_is_refused(client, session, mailbox):
    make_user(session, "tamper@example.org", password=PASSWORD)
    link = reset_link(client, mailbox, "tamper@example.org")
    assert_refused(client.get(tampered(link)), "This link is not valid")


def test_a_reset_with_a_weak_new_password_keeps_the_link_usable(client, session, mailbox):
    make_user(session, "weak.reset@example.org", password=PASSWORD)
    link = reset_link(client, mailbox, "weak.reset@example.org")
    weak = post_form(client, link, {"password": "password1234", "confirm_password": "password1234"})
    assert weak.status_code == 422
    assert b"This password is too easy to guess. This is a very common password." in weak.data
    assert client.get(link).status_code == 200


def test_a_reset_form_with_empty_and_huge_fields(client, session, mailbox):
    make_user(session, "reset.fields@example.org", password=PASSWORD)
    link = reset_link(client, mailbox, "reset.fields@example.org")
    empty = post_form(client, link, {"password": "", "confirm_password": ""})
    assert empty.status_code == 422
    assert b"Choose a new password." in empty.data
    huge = post_form(client, link, {"password": "x" * 10_000, "confirm_password": "x" * 10_000})
    assert huge.status_code == 422
    assert b"Use at most 1024 characters." in huge.data


# Email change links


def change_link(client, session, mailbox):
    make_user(session, "before@example.org", password=PASSWORD)
    sign_in(client, "before@example.org", PASSWORD)
    data = {"new_email": "after@example.org", "password": PASSWORD}
    post_form(client, "/account/email", data, page="/account")
    return link_in(mailbox.to("after@example.org")[-1])


def test_a_reused_email_change_link_is_refused(client, session, mailbox):
    link = change_link(client, session, mailbox)
    assert client.get(link).status_code == 302
    assert_refused(client.get(link), "This link is not valid")


def test_an_email_change_link_opened_while_signed_in_as_someone_else_says_whose(
    app, client, session, mailbox
):
    link = change_link(client, session, mailbox)
    make_user(session, "colleague@example.org", password=PASSWORD)
    other_browser = app.test_client()
    sign_in(other_browser, "colleague@example.org", PASSWORD)
    page = other_browser.get(link, follow_redirects=True).get_data(as_text=True)
    assert "The email address of the account is now after@example.org." in page
    assert "signed in with another account (colleague@example.org)" in page
    assert "Your email address is now" not in page


def test_a_tampered_email_change_link_is_refused(client, session, mailbox):
    link = change_link(client, session, mailbox)
    assert_refused(client.get(tampered(link)), "This link is not valid")


def test_an_expired_email_change_link_is_refused(client, session, mailbox):
    with signed_long_ago():
        link = change_link(client, session, mailbox)
    assert_refused(client.get(link), "This link has expired")


def test_an_email_change_to_an_address_taken_meanwhile_is_a_conflict(client, session, mailbox):
    link = change_link(client, session, mailbox)
    make_user(session, "after@example.org")
    response = client.get(link)
    assert response.status_code == 409
    assert b"Another account uses this email address now" in response.data
