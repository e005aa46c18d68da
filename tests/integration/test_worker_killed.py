"""A gunicorn worker killed with SIGKILL in the middle of checking an upload loses nothing.

Without a broker (the embedded default) the check runs in the web worker right after the
commit of `complete`; tests/integration/test_task_queue.py kills a Celery worker instead.

PostgreSQL only: the app runs as in production (gunicorn, its own processes) on the test's
database with the data committed, against moto behind a proxy that holds the store's answers,
so the worker is killed exactly while it reads the copied file back (issue 10, section 3).
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portfolio.models import AuditEvent, Role, Upload, UploadStatus
from portfolio.models.base import utcnow
from portfolio.services.uploads.reconcile import reconcile
from portfolio.storage.s3 import S3Store
from tests.helpers import DEFAULT_PASSWORD, free_port, make_user
from tests.store_proxy import StoreProxy
from tests.upload_helpers import pdf_bytes, sha256_hex

pytestmark = pytest.mark.postgres_only
ROOT = Path(__file__).resolve().parents[2]
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def reads(method: str, _path: str, _headers: dict[str, str]) -> bool:
    return method == "GET"


@pytest.fixture
def gunicorn(
    database_url, committed_engine, store_proxy: StoreProxy, s3_bucket
) -> Iterator[tuple[str, int]]:
    port = free_port()
    env = {
        **os.environ,
        "PORTFOLIO_ENV": "testing",
        "DATABASE_URL": database_url,
        "OBJECT_STORE_URL": f"s3://{s3_bucket}",
        "S3_ENDPOINT_URL": store_proxy.endpoint,
        "S3_ACCESS_KEY_ID": "testing",
        "S3_SECRET_ACCESS_KEY": "testing",
        "S3_READ_TIMEOUT": "60",
        "SECRET_KEY": "worker-killed-test",
        "MAIL_SUPPRESS_SEND": "true",
        # No broker: the check runs in the worker right after complete's commit. A check whose
        # run died may be taken over a second after it began (plus its size's share).
        "UPLOAD_CHECK_LEASE_SECONDS": "1",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            "1",
            "-b",
            f"127.0.0.1:{port}",
            "--preload",  # the master imports the app once; a new worker is a fork
            "--timeout",
            "120",
            "portfolio:create_app()",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(base + "/sign-in", timeout=30).ok:
                    break
            except requests.RequestException:  # not listening yet, or still importing the app
                time.sleep(0.3)
        else:
            pytest.fail("gunicorn did not start")
        yield base, server.pid
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()


def workers_of(master: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout
    return [int(pid) for pid in out.split()]


def test_a_worker_killed_while_checking_an_upload_loses_nothing(
    gunicorn: tuple[str, int], committed_engine, store_proxy: StoreProxy, s3_admin, s3_bucket
):
    gunicorn, master = gunicorn
    email = f"killed-{uuid.uuid4().hex[:8]}@example.org"
    with Session(committed_engine) as setup:
        make_user(setup, email, roles=(Role.CANDIDATE,), password=DEFAULT_PASSWORD)
        setup.commit()
    browser = requests.Session()
    token = CSRF.search(browser.get(gunicorn + "/sign-in").text).group(1)
    signed = browser.post(
        gunicorn + "/sign-in",
        data={"csrf_token": token, "email": email, "password": DEFAULT_PASSWORD},
    )
    assert signed.ok
    headers = {"X-CSRFToken": CSRF.search(browser.get(gunicorn + "/me/").text).group(1)}
    content = pdf_bytes(4000)
    started = browser.post(
        gunicorn + "/api/uploads",
        json={
            "filename": "minutes.pdf",
            "size": len(content),
            "sha256": sha256_hex(content),
            "content_type": "application/pdf",
        },
        headers=headers,
    ).json()
    post = started["post"]
    sent = requests.post(
        post["url"], data=post["fields"], files={"file": ("b", content)}, timeout=30
    )
    assert sent.status_code in (200, 201, 204)
    upload_id = started["upload"]["id"]

    store_proxy.hold(reads)  # the copy goes through; reading it back for the check hangs
    completing = threading.Thread(
        target=lambda: _quietly(
            browser.post,
            f"{gunicorn}/api/uploads/{upload_id}/complete",
            headers=headers,
            timeout=60,
        ),
    )
    completing.start()
    assert store_proxy.held.wait(30), "the worker never reached the check"
    for worker in workers_of(master):
        os.kill(worker, signal.SIGKILL)
    store_proxy.restore()
    completing.join(60)

    with Session(committed_engine) as check:
        upload = check.get(Upload, upload_id)
        original, sealed = upload.key, upload.sealed_key
        assert upload.status is UploadStatus.PENDING  # nothing half-committed
        assert upload.check_requested_at is not None  # the check was asked for, and committed
    keys = {o["Key"] for o in s3_admin.list_objects_v2(Bucket=s3_bucket).get("Contents", [])}
    assert original in keys  # the file is still there

    # The master has started a new worker: once the dead run's claim has run out, asking again
    # (the widget's Resume) checks the file, once.
    time.sleep(1.5)
    deadline = time.monotonic() + 60
    while True:
        try:
            reply = browser.post(
                f"{gunicorn}/api/uploads/{upload_id}/complete", headers=headers, timeout=60
            )
            break
        except requests.ConnectionError:
            assert time.monotonic() < deadline
            time.sleep(0.5)
    assert reply.status_code == 202 and reply.json()["upload"]["status"] == "checking"
    shown = browser.get(f"{gunicorn}/api/uploads/{upload_id}", timeout=30).json()["upload"]
    assert shown["status"] == "verified"
    with Session(committed_engine) as check:
        verified = check.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "upload.verified", AuditEvent.object_id == str(upload_id))
        )
    assert verified == 1
    keys = {o["Key"] for o in s3_admin.list_objects_v2(Bucket=s3_bucket).get("Contents", [])}
    assert keys == {sealed}
    store = S3Store(
        s3_bucket, endpoint_url=store_proxy.endpoint, access_key="testing", secret_key="testing"
    )
    with Session(committed_engine) as check:
        assert reconcile(check, store, utcnow()).clean


def _quietly(call, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
    # The worker is killed under this request: that is the point.
    with contextlib.suppress(requests.RequestException):
        call(*args, **kwargs)
