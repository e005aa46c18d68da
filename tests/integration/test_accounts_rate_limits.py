"""Rate limits on sign-in and on the forms that send email.

Sign-in counts failures only: 5 a minute per account and client address, 30 per address.
"""

from __future__ import annotations

from tests.helpers import csrf_token, make_user

PASSWORD = "correct horse library staple"


def post_from(client, url, data, address="127.0.0.1"):
    token = csrf_token(client, url)
    return client.post(
        url, data={"csrf_token": token, **data}, environ_base={"REMOTE_ADDR": address}
    )


def wrong_sign_in(client, email, address="127.0.0.1"):
    return post_from(client, "/sign-in", {"email": email, "password": "not it"}, address)


def sign_in_from(client, email, address):
    return post_from(client, "/sign-in", {"email": email, "password": PASSWORD}, address)


def test_the_sixth_wrong_password_in_a_minute_from_one_address_gets_429(client, session):
    make_user(session, "target@example.org", password=PASSWORD)
    for _ in range(5):
        assert wrong_sign_in(client, "target@example.org").status_code == 422
    response = wrong_sign_in(client, "target@example.org")
    assert response.status_code == 429
    assert b"Too many attempts. Wait a minute, then try again." in response.data
    assert int(response.headers["Retry-After"]) > 0


def test_someone_guessing_elsewhere_never_locks_the_owner_out(client, session):
    make_user(session, "owner@example.org", password=PASSWORD)
    for _ in range(5):
        wrong_sign_in(client, "owner@example.org", address="10.6.6.6")
    assert wrong_sign_in(client, "owner@example.org", address="10.6.6.6").status_code == 429
    assert sign_in_from(client, "owner@example.org", "10.1.1.1").status_code == 302


def test_the_guesser_is_refused_even_with_the_right_password(client, session):
    make_user(session, "locked@example.org", password=PASSWORD)
    for _ in range(5):
        wrong_sign_in(client, "locked@example.org")
    assert sign_in_from(client, "locked@example.org", "127.0.0.1").status_code == 429
    assert client.get("/account").status_code == 302


def test_successful_sign_ins_are_not_counted(client, session):
    # Everyone behind one library's address signs in at nine: none of them is limited.
    for n in range(40):
        make_user(session, f"staff{n}@example.org", password=PASSWORD)
    for n in range(40):
        assert sign_in_from(client, f"staff{n}@example.org", "10.7.7.7").status_code == 302
        client.post("/sign-out", data={"csrf_token": csrf_token(client, "/")})


def test_failures_from_one_address_across_accounts_are_limited(client, session):
    for n in range(30):
        assert wrong_sign_in(client, f"guess{n}@example.org", address="10.9.9.9").status_code == 422
    assert wrong_sign_in(client, "guess30@example.org", address="10.9.9.9").status_code == 429
    # Another address is not affected.
    assert wrong_sign_in(client, "guess30@example.org", address="10.9.9.10").status_code == 422


def test_one_locked_account_does_not_lock_another(client, session):
    make_user(session, "other@example.org", password=PASSWORD)
    for _ in range(5):
        wrong_sign_in(client, "victim@example.org", address="10.0.2.1")
    assert sign_in_from(client, "other@example.org", "10.0.2.1").status_code == 302


def test_reading_the_sign_in_page_is_not_limited(client, session):
    for _ in range(15):
        assert client.get("/sign-in").status_code == 200


def test_forgotten_password_emails_to_one_address_are_limited(client, session, mailbox):
    make_user(session, "inbox@example.org", password=PASSWORD)
    for n in range(5):
        response = post_from(
            client, "/forgot-password", {"email": "inbox@example.org"}, f"10.1.0.{n}"
        )
        assert response.status_code == 302
    sixth = post_from(client, "/forgot-password", {"email": "inbox@example.org"}, "10.1.1.1")
    assert sixth.status_code == 429
    assert len(mailbox.to("inbox@example.org")) == 5


def test_an_hourly_limit_does_not_say_to_wait_a_minute(client, session, mailbox):
    # EMAIL_REQUEST_LIMIT counts per hour: a minute later the sixth request is refused again.
    make_user(session, "hourly@example.org", password=PASSWORD)
    for n in range(5):
        post_from(client, "/forgot-password", {"email": "hourly@example.org"}, f"10.1.2.{n}")
    sixth = post_from(client, "/forgot-password", {"email": "hourly@example.org"}, "10.1.3.1")
    assert sixth.status_code == 429
    assert int(sixth.headers["Retry-After"]) > 60
    assert b"Too many attempts. Wait an hour, then try again." in sixth.data


def test_resend_confirmation_emails_to_one_address_are_limited(client, session, mailbox):
    make_user(session, "pending@example.org", confirmed=False)
    for _ in range(5):
        post_from(client, "/confirm/resend", {"email": "pending@example.org"})
    assert post_from(client, "/confirm/resend", {"email": "pending@example.org"}).status_code == 429
    assert len(mailbox.to("pending@example.org")) == 5


def test_form_mistakes_do_not_use_up_the_email_limit(client, session):
    for _ in range(6):
        assert post_from(client, "/forgot-password", {"email": "not an email"}).status_code == 422
    response = post_from(client, "/forgot-password", {"email": "fine@example.org"})
    assert response.status_code == 302
