"""A mail server or an object store gone silent or slow, with the app under gunicorn.

PostgreSQL only. The app runs as in production (tests/live_gunicorn.py: gunicorn.conf.py, one
sync worker, `--preload`, emails delivered by the outbox's background thread), with every
timeout shortened by configuration so the tests are quick: gunicorn kills a request after
GUNICORN_TIMEOUT seconds, each store call gives up after 1 s (three tries), each SMTP step after
MAIL_TIMEOUT. Were a request to wait on the slow part, gunicorn would kill it (the person gets
no answer, or a raw error) or it would take at least as long as the fault: each test asserts the
app's own answer, in time, what the database and the store hold, and that once the fault ends
everything arrives exactly once (issue 10, section 3). The same faults through the test client,
with the failure modes that need no server, are in test_upload_faults.py and test_outbox.py.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import requests
from aiosmtpd.controller import Controller
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from portfolio.models import OutboxMessage, OutboxStatus, Role, Upload, UploadStatus
from portfolio.models.base import utcnow
from portfolio.services import outbox
from portfolio.services.mail import MailSettings
from portfolio.services.uploads.reconcile import reconcile
from tests.helpers import DEFAULT_PASSWORD, Mailbox, free_port, make_user
from tests.live_gunicorn import Browser, LiveServer, serving
from tests.queue_fixtures import wait_for
from tests.upload_helpers import MiB, pdf_bytes, sha256_hex

pytestmark = pytest.mark.postgres_only

GUNICORN_TIMEOUT = 15
MAIL_TIMEOUT = 4.0
SLOW_REPLY = 3.0  # seconds the slow mail server takes over each message (under MAIL_TIMEOUT)
UNREACHABLE = "File storage is not reachable right now"


class TroubledMailServer(Mailbox):
    """aiosmtpd that keeps what it receives, and can go silent (greets, then never answers
    EHLO until it is back) or slow (takes SLOW_REPLY over every message)."""

    def __init__(self) -> None:
        super().__init__()
        self.silent = threading.Event()
        self.slow = threading.Event()

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # type: ignore[no-untyped-def]
        while self.silent.is_set():  # the client's timeout ends the conversation
            await asyncio.sleep(0.05)
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        if self.slow.is_set():
            await asyncio.sleep(SLOW_REPLY)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture(scope="module")
def mail_server() -> Iterator[tuple[TroubledMailServer, int]]:
    handler = TroubledMailServer()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    handler.silent.clear()
    controller.stop()


@pytest.fixture(scope="module")
def server(
    app: Any, database_url: str, moto_endpoint: str, s3_admin: Any, mail_server
) -> Iterator[LiveServer]:
    if not database_url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL: the server and the test share committed data")
    _, port = mail_server
    settings = {
        "OUTBOX_DELIVERY": "background",  # as in production without a task queue
        "MAIL_SUPPRESS_SEND": "false",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(port),
        "MAIL_TIMEOUT": str(MAIL_TIMEOUT),
        "S3_CONNECT_TIMEOUT": "1",
        "S3_READ_TIMEOUT": "1",
        # Multipart from 1 MiB on, in S3's smallest parts.
        "UPLOAD_SINGLE_POST_MAX": str(1 * MiB),
        "UPLOAD_PART_BYTES": str(5 * MiB),
        "UPLOAD_MAX_BYTES": str(16 * MiB),
    }
    with serving(
        database_url, moto_endpoint, s3_admin, settings, gunicorn_timeout=GUNICORN_TIMEOUT
    ) as live:
        yield live


@pytest.fixture
def live(server: LiveServer, committed_engine: Engine, mail_server) -> Iterator[LiveServer]:
    server.wait_until_answering()
    yield server
    server.proxy.restore()
    mail_server[0].silent.clear()
    mail_server[0].slow.clear()


def timed(call: Any, *args: Any, **kwargs: Any) -> tuple[requests.Response, float]:
    began = time.monotonic()
    reply = call(*args, **kwargs)
    return reply, time.monotonic() - began


def register(live: LiveServer, address: str) -> tuple[requests.Response, float]:
    browser = Browser(live)
    data = {
        "csrf_token": browser.token("/register"),
        "email": address,
        "name": "Pat Example",
        "password": DEFAULT_PASSWORD,
        "confirm_password": DEFAULT_PASSWORD,
    }
    return timed(browser.post, "/register", data, allow_redirects=False)


def email_rows(engine: Engine, addresses: list[str]) -> list[OutboxMessage]:
    with Session(engine) as check:
        query = select(OutboxMessage).where(OutboxMessage.recipient.in_(addresses))
        return list(check.scalars(query.order_by(OutboxMessage.id)))


# The mail server.


def test_a_silent_mail_server_holds_no_request_and_each_email_leaves_once_it_answers(
    live: LiveServer, committed_engine: Engine, mail_server
):
    mailbox, port = mail_server
    addresses = [f"silent-{n}-{uuid.uuid4().hex[:6]}@example.org" for n in range(2)]
    mailbox.silent.set()

    for address in addresses:  # the second while the first one's delivery hangs
        reply, took = register(live, address)
        assert reply.status_code == 302, reply.text
        assert took < MAIL_TIMEOUT / 2, f"the request waited on the mail server ({took:.1f} s)"

    # In the background each attempt timed out: kept, to be tried again after its backoff.
    def tried_and_let_go() -> list[OutboxMessage] | None:
        rows = email_rows(committed_engine, addresses)
        settled = all(r.attempts >= 1 and r.claimed_until is None for r in rows)
        return rows if len(rows) == 2 and settled else None

    rows = wait_for(tried_and_let_go, "both delivery attempts to time out", timeout=30)
    assert all(r.status is OutboxStatus.PENDING and "timed out" in r.last_error for r in rows)
    assert all(not mailbox.to(address) for address in addresses)

    # The server answers again; the sweep (beat, or `flask outbox deliver` from cron) comes
    # round once the backoff has passed, here by moving its clock.
    mailbox.silent.clear()
    settings = MailSettings(
        server="127.0.0.1",
        port=port,
        use_tls=False,
        username=None,
        password=None,
        sender="portfolio@localhost",
        suppress_send=False,
        timeout=MAIL_TIMEOUT,
    )
    sent = outbox.deliver_due(
        lambda: Session(committed_engine), settings, now=utcnow() + timedelta(minutes=10)
    )
    assert sent.sent == 2
    again = outbox.deliver_due(
        lambda: Session(committed_engine), settings, now=utcnow() + timedelta(hours=1)
    )
    assert again.sent == 0
    reply, _ = register(live, f"after-{uuid.uuid4().hex[:6]}@example.org")  # a pass on the server
    assert reply.status_code == 302
    wait_for(
        lambda: all(r.status is OutboxStatus.SENT for r in email_rows(committed_engine, addresses)),
        "the rows to be marked sent",
    )
    time.sleep(0.5)  # room for a wrong second delivery by the server's pass to arrive
    assert [len(mailbox.to(address)) for address in addresses] == [1, 1]


def test_a_slow_mail_server_holds_no_request_and_gets_each_email_once(
    live: LiveServer, committed_engine: Engine, mail_server
):
    mailbox, _ = mail_server
    address = f"slow-{uuid.uuid4().hex[:6]}@example.org"
    mailbox.slow.set()

    reply, took = register(live, address)

    assert reply.status_code == 302, reply.text
    assert took < SLOW_REPLY, f"the request waited on the mail server ({took:.1f} s)"
    [message] = wait_for(lambda: mailbox.to(address), "the email, from the server's own pass")
    assert "confirm" in mailbox.body(message).lower()
    [row] = wait_for(
        lambda: [r for r in email_rows(committed_engine, [address]) if r.sent_at], "marked sent"
    )
    assert (row.status, row.attempts) == (OutboxStatus.SENT, 1)
    assert len(mailbox.to(address)) == 1


# The object store.


@pytest.fixture
def candidate(live: LiveServer, committed_engine: Engine) -> tuple[Browser, dict[str, str]]:
    email = f"slow-store-{uuid.uuid4().hex[:8]}@example.org"
    with Session(committed_engine) as setup:
        make_user(setup, email, roles=(Role.CANDIDATE,), password=DEFAULT_PASSWORD)
        setup.commit()
    browser = Browser(live).sign_in(email)
    return browser, {"X-CSRFToken": browser.token("/me/")}


def multipart_starts(method: str, path: str, _headers: dict[str, str]) -> bool:
    return method == "POST" and path.endswith("?uploads")


def part_listings(method: str, path: str, _headers: dict[str, str]) -> bool:
    return method == "GET" and "uploadId=" in path


def reads(method: str, _path: str, _headers: dict[str, str]) -> bool:
    return method in ("GET", "HEAD")


def answered_in_time(took: float) -> None:
    # Three tries of a second each, and the waits between them: the app gives up well before
    # gunicorn would kill the worker.
    assert took < GUNICORN_TIMEOUT - 3, f"took {took:.1f} s, too close to gunicorn's timeout"


def stored_keys(s3_admin: Any, bucket: str) -> set[str]:
    return {o["Key"] for o in s3_admin.list_objects_v2(Bucket=bucket).get("Contents", [])}


def test_a_slow_store_at_start_parts_completion_and_download_gets_the_apps_answer_in_time(
    live: LiveServer, committed_engine: Engine, candidate, s3_admin
):
    browser, headers = candidate
    api = live.base + "/api/uploads"

    # Starting a multipart upload: the app's 503 in time, and no row.
    content = pdf_bytes(6 * MiB)  # two parts: 5 MiB and 1 MiB
    announced = {
        "filename": "minutes.pdf",
        "size": len(content),
        "sha256": sha256_hex(content),
        "content_type": "application/pdf",
    }
    with Session(committed_engine) as check:
        before = set(check.scalars(select(Upload.id)))
    live.proxy.hold(multipart_starts)
    reply, took = timed(browser.http.post, api, json=announced, headers=headers, timeout=60)
    live.proxy.restore()
    assert reply.status_code == 503 and UNREACHABLE in reply.json()["message"]
    answered_in_time(took)
    with Session(committed_engine) as check:
        assert set(check.scalars(select(Upload.id))) == before

    # The store began it after all (each of the app's tries), once nobody was waiting:
    # multipart uploads no row names, which reconcile aborts.
    def in_flight() -> list[Any]:
        return s3_admin.list_multipart_uploads(Bucket=live.bucket).get("Uploads", [])

    wait_for(in_flight, "the held start to reach the store")

    def aborted_by_reconcile() -> bool:
        with Session(committed_engine) as check:
            reconcile(check, live.store(), utcnow(), apply=True)
            check.commit()
        return not in_flight()

    wait_for(aborted_by_reconcile, "reconcile to abort every start no row names")

    # The store is back: the same start goes through; the parts are sent straight to the store.
    started = browser.http.post(api, json=announced, headers=headers, timeout=30).json()
    upload_id, size = started["upload"]["id"], started["part_size"]
    presigned = browser.http.post(
        f"{api}/{upload_id}/parts", json={"parts": [1, 2]}, headers=headers, timeout=30
    ).json()
    urls = {p["part_number"]: p["url"] for p in presigned["parts"]}
    for number, chunk in ((1, content[:size]), (2, content[size:])):
        assert requests.put(urls[number], data=chunk, timeout=30).status_code == 200

    # Resume lists the parts the store holds: slow, the app's 503 in time, nothing recorded.
    live.proxy.hold(part_listings)
    reply, took = timed(browser.http.get, f"{api}/{upload_id}/parts", timeout=60)
    live.proxy.restore()
    assert reply.status_code == 503 and UNREACHABLE in reply.json()["message"]
    answered_in_time(took)
    listed = browser.http.get(f"{api}/{upload_id}/parts", timeout=30).json()
    assert [p["part_number"] for p in listed["parts"]] == [1, 2]

    # Completion: the parts are joined, and reading the file back for the check is slow. The
    # check (in the web worker here, without a broker) gives up in time; nothing is lost.
    complete = f"{api}/{upload_id}/complete"
    live.proxy.hold(reads)
    reply, took = timed(browser.http.post, complete, headers=headers, timeout=60)
    live.proxy.restore()
    answered_in_time(took)
    assert reply.status_code == 202, reply.text
    shown = browser.http.get(f"{api}/{upload_id}", timeout=30).json()["upload"]
    assert shown["status"] == "check_failed" and "Nothing was lost" in shown["reason"]
    with Session(committed_engine) as check:
        upload = check.get(Upload, upload_id)
        assert upload.status is UploadStatus.PENDING and upload.verified_at is None

    # Resume asks for the check again: verified, once.
    reply = browser.http.post(complete, headers=headers, timeout=60)
    assert reply.status_code == 202, reply.text
    shown = browser.http.get(f"{api}/{upload_id}", timeout=30).json()["upload"]
    assert shown["status"] == "verified", shown
    with Session(committed_engine) as check:
        upload = check.get(Upload, upload_id)
        assert (upload.size, upload.sha256) == (len(content), sha256_hex(content))
        assert stored_keys(s3_admin, live.bucket) == {upload.key}
        assert reconcile(check, live.store(), utcnow()).clean

    # A download while the store is slow: the app's own page, in time; then the file.
    download = f"{live.base}/files/{upload_id}"
    live.proxy.hold(reads)
    reply, took = timed(browser.http.get, download, allow_redirects=False, timeout=60)
    live.proxy.restore()
    answered_in_time(took)
    assert reply.status_code == 503 and "cannot be fetched right now" in reply.text
    reply = browser.http.get(download, allow_redirects=False, timeout=30)
    assert reply.status_code == 303
