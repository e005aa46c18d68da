"""The email outbox: nothing leaves before the commit, each email leaves once, a mail server
that refuses or hangs costs nobody a slow page, and administrators see what keeps failing."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from flask import has_request_context, request
from sqlalchemy import delete, event, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from portfolio import create_app
from portfolio.extensions import db
from portfolio.models import ApplicationStatus, Base, OutboxMessage, OutboxStatus, Role
from portfolio.models.base import utcnow
from portfolio.services import outbox
from portfolio.services.mail import MailSettings
from tests.application_fixtures import application_row, approve, submitted_application
from tests.conftest import Mailbox, free_port
from tests.helpers import csrf_token, login_as, make_user, pending_emails, register

KEY = "test-outbox:"


def mail_settings(port: int, timeout: float = 5.0) -> MailSettings:
    return MailSettings(
        server="127.0.0.1",
        port=port,
        use_tls=False,
        username=None,
        password=None,
        sender="portfolio@example.org",
        suppress_send=False,
        timeout=timeout,
    )


def rows_to(session: Session, address: str) -> list[OutboxMessage]:
    query = select(OutboxMessage).where(OutboxMessage.recipient == address)
    return list(session.scalars(query.order_by(OutboxMessage.id)))


# 1. A commit that fails sends nothing.


def test_an_approval_whose_commit_fails_sends_nothing_and_leaves_no_row(
    client, session, mailbox, lsscp, candidate, admin
):
    application_id = submitted_application(client, candidate)

    def fail_the_decision(_session):  # type: ignore[no-untyped-def]
        if has_request_context() and request.method == "POST":
            raise OperationalError("COMMIT", {}, Exception("the database went away"))

    event.listen(session, "before_commit", fail_the_decision)
    try:
        response = approve(client, admin, application_id, reason="All requirements met.")
    finally:
        event.remove(session, "before_commit", fail_the_decision)
    assert response.status_code == 503
    assert "was not saved" in response.get_data(as_text=True)
    assert mailbox.to("cand@example.org") == []
    assert rows_to(session, "cand@example.org") == []
    assert application_row(session, application_id).status == ApplicationStatus.SUBMITTED

    # Approved for real this time: one email; approving again is refused and sends no second.
    assert approve(client, admin, application_id, reason="Welcome.").status_code == 302
    assert approve(client, admin, application_id, reason="Welcome.").status_code == 409
    [message] = mailbox.to("cand@example.org")
    assert message["Subject"].endswith("is approved")
    assert "Welcome." in mailbox.body(message)
    [row] = rows_to(session, "cand@example.org")
    assert row.status is OutboxStatus.SENT and row.attempts == 1


def test_the_same_event_is_queued_once(session, mailbox):
    first = outbox.queue(
        session,
        key="application.approved:999",
        to="a@example.org",
        subject="s",
        body="b",
        kind="decision",
    )
    again = outbox.queue(
        session,
        key="application.approved:999",
        to="a@example.org",
        subject="s",
        body="b",
        kind="decision",
    )
    assert (first, again) == (True, False)
    session.commit()
    assert len(mailbox.to("a@example.org")) == 1


# 2. A mail server that refuses, then comes back: each email is delivered exactly once.


@pytest.fixture
def committing(app) -> Iterator[sessionmaker[Session]]:
    """Sessions that really commit (no test transaction around them): delivery passes in threads
    must see each other's claims. Their outbox rows are removed afterwards."""
    factory = sessionmaker(bind=db.engine_for(app), expire_on_commit=False)
    yield factory
    with factory() as cleanup:
        cleanup.execute(delete(OutboxMessage).where(OutboxMessage.idempotency_key.startswith(KEY)))
        cleanup.commit()


def test_a_refusing_server_then_back_gets_each_email_exactly_once(committing):
    count = 12
    with committing() as session:  # no app context: no pass runs after this commit
        for n in range(count):
            outbox.queue(
                session,
                key=f"{KEY}{n}",
                to=f"r{n}@example.org",
                subject=f"No. {n}",
                body="b",
                kind="decision",
            )
        session.commit()
    port = free_port()  # nothing listens there yet: connections are refused
    down = mail_settings(port)
    for _ in range(3):
        result = outbox.deliver_due(committing, down)
        assert result.server_down and result.sent == 0
    with committing() as session:
        rows = session.scalars(
            select(OutboxMessage).where(OutboxMessage.idempotency_key.startswith(KEY))
        ).all()
        assert all(r.status is OutboxStatus.PENDING for r in rows)
        tried = [r for r in rows if r.attempts]
        assert len(tried) == 3 and all("ConnectionRefusedError" in r.last_error for r in tried)

    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        later = utcnow() + timedelta(minutes=2)  # past the first wait after a failure
        results = []
        passes = [
            threading.Thread(
                target=lambda: results.append(outbox.deliver_due(committing, down, now=later))
            )
            for _ in range(2)
        ]
        for thread in passes:
            thread.start()
        for thread in passes:
            thread.join(30)
        results.append(outbox.deliver_due(committing, down, now=later))
    finally:
        controller.stop()
    assert sum(r.sent for r in results) == count
    received = sorted(m["X-Envelope-To"] for m in mailbox.messages)
    assert received == sorted(f"r{n}@example.org" for n in range(count))  # each exactly once
    with committing() as session:
        rows = session.scalars(
            select(OutboxMessage).where(OutboxMessage.idempotency_key.startswith(KEY))
        ).all()
        assert {r.status for r in rows} == {OutboxStatus.SENT}
        assert all(r.claim_token is None and r.last_error == "" for r in rows)
        assert all(r.body == "" for r in rows)  # links in sent mail do not linger in the database


def test_a_message_that_keeps_failing_backs_off_then_fails_with_its_error(committing):
    with committing() as session:
        outbox.queue(
            session,
            key=f"{KEY}doomed",
            to="doomed@example.org",
            subject="s",
            body="b",
            kind="decision",
        )
        session.commit()
    down = mail_settings(free_port())
    moment = utcnow()
    waits = []
    for _ in range(outbox.MAX_ATTEMPTS):
        outbox.deliver_due(committing, down, now=moment)
        with committing() as session:
            row = session.scalar(
                select(OutboxMessage).where(OutboxMessage.idempotency_key == f"{KEY}doomed")
            )
        waits.append(row.next_attempt_at - moment)
        assert outbox.deliver_due(committing, down, now=moment).failed == 0  # not due yet
        moment = row.next_attempt_at
    assert waits[:-1] == list(outbox.BACKOFF)
    assert row.status is OutboxStatus.FAILED and row.attempts == outbox.MAX_ATTEMPTS
    assert "ConnectionRefusedError" in row.last_error


# 3. A mail server that accepts and never answers does not slow the request down.


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port whose connections are accepted by the kernel and never answered."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield int(sock.getsockname()[1])


@pytest.mark.database_independent  # its own SQLite database
def test_a_hanging_mail_server_never_delays_the_response(app_settings, silent_server, tmp_path):
    timeout = 4.0
    app = create_app(
        {
            **app_settings,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'outbox.sqlite3'}",
            "OUTBOX_DELIVERY": "background",  # as in production
            "MAIL_PORT": silent_server,
            "MAIL_TIMEOUT": timeout,
        }
    )
    engine = db.engine_for(app)
    Base.metadata.create_all(engine)
    try:
        client = app.test_client()
        started = time.monotonic()
        response = register(client, "patient@example.org")
        elapsed = time.monotonic() - started
        assert response.status_code == 302
        assert elapsed < timeout / 2, f"the request took {elapsed:.1f} s"
        assert outbox.deliverer(app).wait(timeout * 3), "the delivery pass never ended"
        with Session(engine) as session:
            [row] = rows_to(session, "patient@example.org")
        assert row.status is OutboxStatus.PENDING and row.attempts == 1
        assert "timed out" in row.last_error
    finally:
        outbox.deliverer(app).wait(timeout * 3)
        engine.dispose()


# 4. Administrators see what keeps failing, and can send it again.


@pytest.fixture
def troubled(session):
    now = utcnow()
    failed = OutboxMessage(
        idempotency_key="t:failed",
        recipient="lost@example.org",
        subject="Reset your password",
        body="Open http://localhost/reset/SECRET-TOKEN to choose a new password.",
        status=OutboxStatus.FAILED,
        attempts=outbox.MAX_ATTEMPTS,
        last_error="SMTPRecipientsRefused: mailbox unavailable",
    )
    waiting = OutboxMessage(
        idempotency_key="t:waiting",
        recipient="slow@example.org",
        subject="New review: Core skills",
        body="b",
        attempts=2,
        next_attempt_at=now + timedelta(minutes=30),
        last_error="TimeoutError: timed out",
    )
    sent = OutboxMessage(
        idempotency_key="t:sent",
        recipient="fine@example.org",
        subject="Delivered long ago",
        body="b",
        status=OutboxStatus.SENT,
        attempts=1,
        sent_at=now,
    )
    fresh = OutboxMessage(
        idempotency_key="t:fresh",
        recipient="fresh@example.org",
        subject="Just queued",
        body="b",
        next_attempt_at=now + timedelta(minutes=1),  # not due, so no pass sends it meanwhile
    )
    session.add_all([failed, waiting, sent, fresh])
    session.commit()
    return failed, waiting, sent


def test_only_administrators_see_the_outbox(client, session, troubled):
    assert client.get("/admin/outbox").status_code == 302  # to the sign-in page
    login_as(client, make_user(session, "cand.only@example.org", roles=(Role.CANDIDATE,)))
    session.commit()
    assert client.get("/admin/outbox").status_code == 403
    [failed, *_] = troubled
    token = csrf_token(client, "/account")
    response = client.post(f"/admin/outbox/{failed.id}/retry", data={"csrf_token": token})
    assert response.status_code == 403
    session.refresh(failed)
    assert failed.status is OutboxStatus.FAILED


def test_the_outbox_page_lists_failed_and_waiting_email_without_bodies(client, session, troubled):
    login_as(client, make_user(session, "boss@example.org", roles=(Role.ADMINISTRATOR,)))
    session.commit()
    assert 'href="/admin/outbox"' in client.get("/admin/").get_data(as_text=True)
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert "<td>lost@example.org</td>" in page and "Reset your password" in page
    assert "SMTPRecipientsRefused: mailbox unavailable" in page
    assert "slow@example.org" in page and "TimeoutError: timed out" in page
    assert "SECRET-TOKEN" not in page  # never a body
    assert "fine@example.org" not in page and "fresh@example.org" not in page
    assert "2 emails." in page


def test_retry_now_sends_a_failed_email_again(client, session, mailbox, troubled):
    failed, _waiting, sent = troubled
    login_as(client, make_user(session, "boss@example.org", roles=(Role.ADMINISTRATOR,)))
    session.commit()
    token = csrf_token(client, "/admin/outbox")
    response = client.post(f"/admin/outbox/{failed.id}/retry", data={"csrf_token": token})
    assert response.status_code == 302
    [message] = mailbox.to("lost@example.org")  # the pass after the commit sent it
    assert "SECRET-TOKEN" in mailbox.body(message)
    session.refresh(failed)
    assert failed.status is OutboxStatus.SENT and failed.attempts == 1
    assert "<td>lost@example.org</td>" not in client.get("/admin/outbox").get_data(as_text=True)

    again = client.post(f"/admin/outbox/{sent.id}/retry", data={"csrf_token": token})
    assert again.status_code == 409
    assert client.post("/admin/outbox/999999/retry", data={"csrf_token": token}).status_code == 404
    assert len(mailbox.to("fine@example.org")) == 0
    assert pending_emails(session)  # the waiting ones are left alone


def test_retry_waits_while_a_pass_is_sending_the_email(client, session, mailbox, troubled):
    failed, _waiting, _sent = troubled
    failed.claim_token, failed.claimed_until = "a-pass", utcnow() + timedelta(minutes=1)
    login_as(client, make_user(session, "boss@example.org", roles=(Role.ADMINISTRATOR,)))
    session.commit()
    token = csrf_token(client, "/admin/outbox")
    response = client.post(f"/admin/outbox/{failed.id}/retry", data={"csrf_token": token})
    assert response.status_code == 409
    assert "being sent right now" in response.get_data(as_text=True)
    session.refresh(failed)
    assert failed.status is OutboxStatus.FAILED and mailbox.to("lost@example.org") == []


def test_the_deliver_command_sends_what_is_due_and_fails_loudly_when_the_server_is_down(
    app, session, mailbox, monkeypatch
):
    # Written straight to the table, as a process that stopped before its pass would leave it.
    session.add(
        OutboxMessage(
            idempotency_key="t:left", recipient="left@example.org", subject="Left", body="b"
        )
    )
    session.add(
        OutboxMessage(
            idempotency_key="t:later", recipient="later@example.org", subject="L", body="b"
        )
    )
    session.commit()
    runner = app.test_cli_runner()
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())
    down = runner.invoke(args=["outbox", "deliver"])
    assert down.exit_code != 0
    assert "Sent 0 emails." in down.output and "could not be reached" in down.output
    monkeypatch.undo()
    later = session.scalar(select(OutboxMessage).where(OutboxMessage.idempotency_key == "t:later"))
    later.next_attempt_at = utcnow() + timedelta(hours=1)  # not due: the command leaves it
    left = session.scalar(select(OutboxMessage).where(OutboxMessage.idempotency_key == "t:left"))
    session.refresh(left)
    assert left.attempts == 1 and "ConnectionRefusedError" in left.last_error
    left.next_attempt_at = utcnow()  # its minute of waiting is over
    session.commit()
    result = runner.invoke(args=["outbox", "deliver"])
    assert result.exit_code == 0, result.output
    assert "Sent 1 email." in result.output
    assert len(mailbox.to("left@example.org")) == 1 and mailbox.to("later@example.org") == []
