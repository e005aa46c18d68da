"""No answer reveals whether an account exists, by its content or by its time (issue 11, §3).

The forms that take an address a stranger can type ("forgot password", "resend confirmation")
do the same work for every address: one outbox row, sent after the response. The timing test
runs the app as in production (delivery in the background) against a mail server that takes
its time over every reply: if any answer waited on SMTP, it would take that long.
"""

from __future__ import annotations

import asyncio
import time

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select
from sqlalchemy.orm import Session

from portfolio import create_app
from portfolio.extensions import db
from portfolio.models import Base, OutboxMessage
from portfolio.services import outbox
from tests.conftest import free_port
from tests.helpers import make_user, post_form

pytestmark = pytest.mark.database_independent  # `production_like` makes its own SQLite database

SMTP_DELAY = 3.0  # seconds the mail server waits before each reply to DATA


class SlowMailbox:
    def __init__(self) -> None:
        self.received: list[str] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        await asyncio.sleep(SMTP_DELAY)
        self.received.extend(envelope.rcpt_tos)
        return "250 OK"


@pytest.fixture
def slow_smtp():
    handler = SlowMailbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


@pytest.fixture
def production_like(app_settings, slow_smtp, tmp_path):
    _handler, port = slow_smtp
    app = create_app(
        {
            **app_settings,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'oracle.sqlite3'}",
            "OUTBOX_DELIVERY": "background",
            "MAIL_PORT": port,
            "MAIL_SUPPRESS_SEND": False,
            "RATELIMIT_ENABLED": False,
        }
    )
    engine = db.engine_for(app)
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        make_user(session, "known@example.org", password="a long and unusual passphrase")
        make_user(session, "waiting@example.org", confirmed=False)
        session.commit()
    yield app, engine
    outbox.deliverer(app).wait(60)
    engine.dispose()


@pytest.mark.parametrize(
    ("url", "addresses"),
    [
        ("/forgot-password", ["known@example.org", "nobody@example.org"]),
        ("/confirm/resend", ["waiting@example.org", "known@example.org", "nobody@example.org"]),
    ],
)
def test_every_address_gets_the_same_answer_without_waiting_for_smtp(
    production_like, slow_smtp, url, addresses
):
    app, engine = production_like
    handler, _port = slow_smtp
    client = app.test_client()
    answers = []
    for address in addresses:
        started = time.monotonic()
        response = post_form(client, url, {"email": address})
        elapsed = time.monotonic() - started
        answers.append((response.status_code, response.headers.get("Location")))
        # Far below one SMTP reply: no answer waited on the mail server, known or not.
        assert elapsed < SMTP_DELAY / 3, f"{address}: {elapsed:.2f} s"
    assert len(set(answers)) == 1 and answers[0][0] == 302
    with Session(engine) as session:
        queued = session.scalars(select(OutboxMessage.recipient)).all()
    assert sorted(queued) == sorted(addresses)  # the same work for each: one email
    assert outbox.deliverer(app).wait(SMTP_DELAY * len(addresses) * 4)
    assert sorted(handler.received) == sorted(addresses)
