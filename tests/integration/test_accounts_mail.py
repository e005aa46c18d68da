"""Account email: absolute links, the development log, and a mail server that is down."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from portfolio.models import OutboxMessage, OutboxStatus
from portfolio.services.mail import MailError, MailSettings, compose, send
from tests.helpers import CSRF_INPUT, free_port, link_in, make_user, register, sign_in

PASSWORD = "correct horse library staple"


def test_links_are_built_on_the_public_base_url(client, session, mailbox, monkeypatch, app):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://portfolio.example.org/")
    register(client, "public.url@example.org")
    body = mailbox.body(mailbox.to("public.url@example.org")[0])
    assert "https://portfolio.example.org/confirm/" in body


def test_without_a_public_base_url_links_use_the_request_host(
    client, session, mailbox, monkeypatch, app
):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", None)
    register(client, "request.host@example.org")
    body = mailbox.body(mailbox.to("request.host@example.org")[0])
    assert "http://localhost/confirm/" in body


def test_suppressed_mail_is_logged_with_its_link_and_not_sent(
    client, session, mailbox, monkeypatch, app, caplog
):
    monkeypatch.setitem(app.config, "MAIL_SUPPRESS_SEND", True)
    with caplog.at_level(logging.INFO, logger="portfolio.services.mail"):
        register(client, "logged@example.org")
    assert mailbox.to("logged@example.org") == []
    assert "Email not sent" in caplog.text
    assert "http://localhost/confirm/" in caplog.text
    # Through the outbox like any email: logged once, then done.
    row = session.scalar(
        select(OutboxMessage).where(OutboxMessage.recipient == "logged@example.org")
    )
    assert row.status is OutboxStatus.SENT


def test_registration_still_answers_when_the_mail_server_is_down(
    client, session, mailbox, monkeypatch, app, caplog
):
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())  # nothing listens there
    with caplog.at_level(logging.WARNING, logger="portfolio.services.outbox"):
        response = register(client, "no.mail@example.org")
    assert response.status_code == 302
    assert "Could not send email" in caplog.text
    # Kept for the next pass, with the reason.
    row = session.scalar(
        select(OutboxMessage).where(OutboxMessage.recipient == "no.mail@example.org")
    )
    assert row.status is OutboxStatus.PENDING and row.attempts == 1
    assert "ConnectionRefusedError" in row.last_error


def test_send_reports_a_refused_connection_as_the_server_down():
    settings = MailSettings(
        server="127.0.0.1",
        port=free_port(),
        use_tls=False,
        username=None,
        password=None,
        sender="portfolio@example.org",
        suppress_send=False,
    )
    with pytest.raises(MailError) as raised:
        send(settings, compose(settings, to="x@example.org", subject="s", body="b"))
    assert raised.value.server_down


def test_messages_come_from_the_configured_sender(client, session, mailbox, app):
    register(client, "sender.check@example.org")
    [message] = mailbox.to("sender.check@example.org")
    assert message["From"] == app.config["MAIL_DEFAULT_SENDER"]
    assert message["Message-ID"]


def test_the_resend_button_on_the_sign_in_page_sends_a_working_link(client, session, mailbox):
    make_user(session, "late.confirm@example.org", password=PASSWORD, confirmed=False)
    refused = sign_in(client, "late.confirm@example.org", PASSWORD)
    token = CSRF_INPUT.search(refused.get_data(as_text=True)).group(1)
    response = client.post(
        "/confirm/resend", data={"csrf_token": token, "email": "late.confirm@example.org"}
    )
    assert response.status_code == 302
    link = link_in(mailbox.to("late.confirm@example.org")[0])
    assert client.get(link).status_code == 302
    assert sign_in(client, "late.confirm@example.org", PASSWORD).status_code == 302


def test_resend_for_a_confirmed_account_sends_no_link_but_says_so(client, session, mailbox):
    make_user(session, "already@example.org", password=PASSWORD)
    token = CSRF_INPUT.search(client.get("/confirm/resend").get_data(as_text=True)).group(1)
    response = client.post(
        "/confirm/resend", data={"csrf_token": token, "email": "already@example.org"}
    )
    assert response.status_code == 302
    # One email either way (no oracle), and this one carries no confirmation link.
    [message] = mailbox.to("already@example.org")
    assert message["Subject"] == "Your address is confirmed already"
    assert "/confirm/" not in mailbox.body(message)
