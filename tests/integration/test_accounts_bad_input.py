"""Each bad input to the account forms, one test each: a clear answer, never a 500."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portfolio.models import User
from tests.helpers import DEFAULT_PASSWORD, csrf_token, make_user, post_form, register, sign_in

PASSWORD = "correct horse library staple"
HUGE = "x" * 10_000


def count_users(session, email):
    return session.scalar(select(func.count(User.id)).where(User.email == email))


def test_register_with_every_field_empty_names_each_field(client, session):
    response = post_form(
        client, "/register", {"name": "", "email": "", "password": "", "confirm_password": ""}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for message in ("Enter your name.", "Enter your email address.", "Choose a password."):
        assert message in page
    assert 'aria-invalid="true"' in page


def test_register_lists_a_weak_password_with_the_other_problems_at_once(client, session):
    data = {
        "name": "",
        "email": "pat@example.org",
        "password": "password",
        "confirm_password": "password",
    }
    response = post_form(client, "/register", data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Enter your name." in page
    assert page.count('aria-invalid="true"') == 2  # the name and the password, in one answer
    assert count_users(session, "pat@example.org") == 0


def test_register_with_a_10000_character_name(client, session):
    response = register(client, "huge.name@example.org", name=HUGE)
    assert response.status_code == 422
    assert b"Use at most 200 characters." in response.data
    assert count_users(session, "huge.name@example.org") == 0


def test_register_with_a_right_to_left_override_in_the_name_keeps_the_name_without_it(
    client, session
):
    response = register(client, "override@example.org", name="Casey \u202eCandidate\u202c")
    assert response.status_code == 302
    user = session.scalars(select(User).where(User.email == "override@example.org")).one()
    assert user.name == "Casey Candidate"


def test_register_with_a_10000_character_email(client, session):
    response = register(client, HUGE + "@example.org")
    assert response.status_code == 422
    assert b"Use at most 254 characters." in response.data


def test_register_with_a_10000_character_password(client, session):
    response = register(client, "huge.password@example.org", password=HUGE)
    assert response.status_code == 422
    assert b"Use at most 1024 characters." in response.data
    assert count_users(session, "huge.password@example.org") == 0


@pytest.mark.parametrize(
    "email",
    [
        "not-an-email",
        "two@@example.org",
        "spaces in@example.org",
        "nobody@localhost",
        "@example.org",
    ],
)
def test_register_with_an_invalid_email(client, session, email):
    response = register(client, email)
    assert response.status_code == 422
    assert b"Enter an email address like name@example.org." in response.data


def test_register_with_a_common_password(client, session):
    response = register(client, "common@example.org", password="password1234")
    assert response.status_code == 422
    assert b"This password is too easy to guess. This is a very common password." in response.data
    assert count_users(session, "common@example.org") == 0


def test_register_with_a_short_password(client, session):
    response = register(client, "short@example.org", password="short one")
    assert response.status_code == 422
    assert b"at least 12 characters" in response.data


def test_register_with_the_email_as_password(client, session):
    response = register(client, "same.as.email@example.org", password="same.as.email@example.org")
    assert response.status_code == 422
    assert b"Do not use your email address or your name" in response.data


def test_register_with_passwords_that_differ(client, session):
    response = register(client, "differ@example.org", confirm_password="something else entirely")
    assert response.status_code == 422
    assert b"The two passwords are not the same." in response.data


def test_duplicate_registration_looks_like_success_and_emails_the_owner(client, session, mailbox):
    make_user(session, "taken@example.org", name="First Owner", password=PASSWORD)
    fresh = register(client, "brand.new@example.org")
    duplicate = register(client, "Taken@Example.org", name="Someone Else")
    assert duplicate.status_code == fresh.status_code == 302
    assert duplicate.headers["Location"] == fresh.headers["Location"]
    assert count_users(session, "taken@example.org") == 1
    [note] = mailbox.to("taken@example.org")
    assert note["Subject"] == "You already have an account"
    assert "/confirm/" not in mailbox.body(note)


def test_sign_in_with_empty_fields(client, session):
    response = post_form(client, "/sign-in", {"email": "", "password": ""})
    assert response.status_code == 422
    assert b"Enter your email address." in response.data
    assert b"Enter your password." in response.data


def test_sign_in_with_a_10000_character_password(client, session):
    make_user(session, "long.sign.in@example.org", password=PASSWORD)
    response = sign_in(client, "long.sign.in@example.org", HUGE)
    assert response.status_code == 422
    assert b"Use at most 1024 characters." in response.data


def test_sign_in_with_a_10000_character_email(client, session):
    response = sign_in(client, HUGE, PASSWORD)
    assert response.status_code == 422
    assert b"Use at most 254 characters." in response.data


def test_wrong_password_and_unknown_email_get_the_same_answer(client, session):
    make_user(session, "known@example.org", password=PASSWORD)
    wrong = sign_in(client, "known@example.org", "not the right password")
    unknown = sign_in(client, "unknown@example.org", "not the right password")
    assert wrong.status_code == unknown.status_code == 422
    message = b"The email address or password is not right."
    assert message in wrong.data and message in unknown.data


def test_unconfirmed_account_cannot_sign_in(client, session):
    make_user(session, "unconfirmed@example.org", password=PASSWORD, confirmed=False)
    response = sign_in(client, "unconfirmed@example.org", PASSWORD)
    assert response.status_code == 403
    assert b"Send me a new confirmation link" in response.data
    assert client.get("/account").status_code == 302


def test_unconfirmed_account_with_a_wrong_password_reveals_nothing(client, session):
    make_user(session, "quiet@example.org", password=PASSWORD, confirmed=False)
    response = sign_in(client, "quiet@example.org", "not the right password")
    assert response.status_code == 422
    assert b"confirmation" not in response.data


def test_forgot_password_for_an_unknown_address_looks_the_same(client, session, mailbox):
    make_user(session, "has.account@example.org", password=PASSWORD)
    known = post_form(client, "/forgot-password", {"email": "has.account@example.org"})
    unknown = post_form(client, "/forgot-password", {"email": "no.account@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    # Each address gets one email: only its owner learns whether an account uses it.
    [reset] = mailbox.to("has.account@example.org")
    [none] = mailbox.to("no.account@example.org")
    assert reset["Subject"] == "Reset your password"
    assert none["Subject"] == "No Portfolio account"
    body = mailbox.body(none)
    assert "/reset" not in body
    assert "create an account at http://localhost/register" in body
    assert body.count("ignore") == 1  # said once, by the signature


def test_forgot_password_with_an_invalid_email(client, session):
    response = post_form(client, "/forgot-password", {"email": "not an email"})
    assert response.status_code == 422
    assert b"Enter an email address like name@example.org." in response.data


def test_resend_confirmation_with_a_10000_character_email(client, session):
    response = post_form(client, "/confirm/resend", {"email": HUGE})
    assert response.status_code == 422
    assert b"Use at most 254 characters." in response.data


@pytest.mark.parametrize(
    "url", ["/register", "/sign-in", "/forgot-password", "/confirm/resend", "/sign-out"]
)
def test_posting_without_a_csrf_token_is_refused(client, session, url):
    response = client.post(url, data={"email": "someone@example.org", "password": PASSWORD})
    assert response.status_code == 400
    assert b"This form has expired" in response.data


@pytest.mark.parametrize("url", ["/register", "/sign-in", "/forgot-password"])
def test_posting_with_a_wrong_csrf_token_is_refused(client, session, url):
    csrf_token(client, url)  # the session has a real token; this post sends another
    response = client.post(url, data={"csrf_token": "forged", "email": "someone@example.org"})
    assert response.status_code == 400


def test_change_password_without_a_csrf_token_is_refused(client, session):
    make_user(session, "csrf.change@example.org", password=PASSWORD)
    sign_in(client, "csrf.change@example.org", PASSWORD)
    response = client.post("/account/password", data={"current_password": PASSWORD})
    assert response.status_code == 400


@pytest.mark.parametrize(
    "evil",
    [
        "https://evil.example",
        "//evil.example",
        "/\\evil.example",
        "javascript:alert(1)",
        "http:evil.example",
        "/%09/evil.example",
    ],
)
def test_sign_in_ignores_a_next_page_off_this_site(client, session, evil):
    make_user(session, "redirect@example.org", password=PASSWORD)
    response = sign_in(client, "redirect@example.org", PASSWORD, next_page=evil)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location == "/"
    assert "evil" not in location


def test_change_password_with_a_wrong_current_password(client, session):
    make_user(session, "wrong.current@example.org", password=PASSWORD)
    sign_in(client, "wrong.current@example.org", PASSWORD)
    new = "reading rooms open at nine"
    data = {"current_password": "not it at all", "new_password": new, "confirm_password": new}
    response = post_form(client, "/account/password", data, page="/account")
    assert response.status_code == 422
    assert b"Your current password is not right." in response.data
    sign_in_again = client.get("/account")
    assert sign_in_again.status_code == 200  # still signed in; nothing changed


def test_register_with_a_password_made_of_ones_own_name(client, session):
    # "patreader2024" is fine for someone else; for Pat Reader it is the first thing to try.
    response = register(client, "pat@example.org", name="Pat Reader", password="patreader2024")
    assert response.status_code == 422
    assert b"This password is too easy to guess. Choose one that is harder" in response.data
    other = register(client, "sam@example.org", name="Sam Other", password="patreader2024")
    assert other.status_code == 302


def test_change_password_to_a_common_one(client, session):
    make_user(session, "to.common@example.org", password=PASSWORD)
    sign_in(client, "to.common@example.org", PASSWORD)
    data = {
        "current_password": PASSWORD,
        "new_password": "qwertyuiop123",
        "confirm_password": "qwertyuiop123",
    }
    response = post_form(client, "/account/password", data, page="/account")
    assert response.status_code == 422
    assert b"This password is too easy to guess. This is a very common password." in response.data


def test_change_email_with_an_invalid_address(client, session):
    make_user(session, "bad.new@example.org", password=PASSWORD)
    sign_in(client, "bad.new@example.org", PASSWORD)
    data = {"new_email": "nope", "password": PASSWORD}
    response = post_form(client, "/account/email", data, page="/account")
    assert response.status_code == 422
    assert b"Enter an email address like name@example.org." in response.data


def test_change_email_with_a_wrong_password(client, session, mailbox):
    make_user(session, "pw.needed@example.org", password=PASSWORD)
    sign_in(client, "pw.needed@example.org", PASSWORD)
    data = {"new_email": "elsewhere@example.org", "password": "not the right one"}
    response = post_form(client, "/account/email", data, page="/account")
    assert response.status_code == 422
    assert b"Your password is not right." in response.data
    assert mailbox.to("elsewhere@example.org") == []


def test_change_email_to_a_taken_address_reveals_nothing(client, session, mailbox):
    make_user(session, "mover@example.org", password=PASSWORD)
    make_user(session, "occupied@example.org")
    sign_in(client, "mover@example.org", PASSWORD)
    data = {"new_email": "occupied@example.org", "password": PASSWORD}
    response = post_form(client, "/account/email", data, page="/account")
    assert response.status_code == 302
    [note] = mailbox.to("occupied@example.org")
    assert note["Subject"] == "Email address already in use"
    assert "/account/email/confirm/" not in mailbox.body(note)


def test_account_pages_need_sign_in(client):
    for url in ("/account",):
        response = client.get(url)
        assert response.status_code == 302
        assert "/sign-in?next=" in response.headers["Location"]


def test_default_password_of_the_helpers_passes_the_policy():
    from portfolio.domain.accounts.passwords import password_problems

    assert password_problems(DEFAULT_PASSWORD, email="x@example.org", name="X") == []
