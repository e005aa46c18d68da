"""The task queue with its real parts: Redis, and a Celery worker in its own process.

Emails and upload checks are done by the worker, each once even when its job is delivered
twice; with Redis down the web still answers and nothing is lost (the rows wait for the
sweeps); a worker killed with SIGKILL in the middle of a check leaves the job to run again,
and it finishes (issue 15, section 1; issue 10's last item). PostgreSQL only (the worker is
another process on the same database): the fixtures are tests/queue_fixtures.py.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portfolio.models import (
    AuditEvent,
    JobFailure,
    OutboxMessage,
    OutboxStatus,
    Role,
    Upload,
    UploadPartDigest,
    UploadStatus,
)
from portfolio.models.base import utcnow
from portfolio.services.outbox import DELIVER_JOB
from portfolio.services.uploads.reconcile import reconcile
from portfolio.services.uploads.verification import CHECK_JOB
from portfolio.storage_binding import get_store
from tests.helpers import Mailbox, csrf_token, login_as, make_user, register
from tests.queue_fixtures import Worker, queue_app_with, wait_for
from tests.storage_fixtures import closed_port
from tests.store_proxy import StoreProxy
from tests.upload_helpers import (
    MiB,
    UploadApi,
    begin_by_parts,
    fingerprint_of,
    part_of,
    pdf_bytes,
    send_staged_part,
)

pytestmark = pytest.mark.postgres_only
SWEEP_CHECKS = "portfolio.jobs.uploads.sweep_checks"


def signed_in_api(app: Flask, committed_engine: Any) -> UploadApi:
    with Session(committed_engine, expire_on_commit=False) as setup:
        user = make_user(setup, f"q-{uuid.uuid4().hex[:8]}@example.org", roles=(Role.CANDIDATE,))
        setup.commit()
    client = app.test_client()
    login_as(client, user)
    return UploadApi(client)


def sent_upload(api: UploadApi) -> int:
    content = pdf_bytes(4000)
    started = api.started(content)
    api.send(started, content)
    return int(started["upload"]["id"])


def checked(api: UploadApi, upload_id: int, timeout: float = 30.0) -> dict[str, Any]:
    """What the widget's poll shows once the check has finished."""

    def finished() -> dict[str, Any] | None:
        upload = api.show(upload_id).get_json()["upload"]
        return upload if upload["status"] != "checking" else None

    return wait_for(finished, f"upload {upload_id} to be checked", timeout)


def verified_count(engine: Any, upload_id: int) -> int:
    with Session(engine) as check:
        return check.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "upload.verified", AuditEvent.object_id == str(upload_id))
        )


def email_rows(engine: Any, address: str) -> list[OutboxMessage]:
    with Session(engine) as check:
        query = select(OutboxMessage).where(OutboxMessage.recipient == address)
        return list(check.scalars(query))


def send(app: Flask, task_name: str, *args: object) -> None:
    app.extensions["celery"].tasks[task_name].apply_async(args=args)


def test_the_worker_sends_email_and_checks_uploads_and_a_job_delivered_twice_does_nothing_twice(
    queue_app: Flask, worker: Worker, committed_engine, mailbox: Mailbox
):
    address = f"queued-{uuid.uuid4().hex[:8]}@example.org"
    assert register(queue_app.test_client(), address).status_code == 302
    [message] = wait_for(lambda: mailbox.to(address), "the confirmation email")
    assert "Confirm" in message["Subject"] or "confirm" in mailbox.body(message)

    api = signed_in_api(queue_app, committed_engine)
    upload_id = sent_upload(api)
    asked = api.ask_check(upload_id)
    assert asked.status_code == 202
    assert asked.get_json()["upload"]["status"] == "checking"
    assert checked(api, upload_id)["status"] == "verified"

    # The same jobs delivered again (at-least-once delivery): neither is done twice.
    send(queue_app, CHECK_JOB, upload_id)
    send(queue_app, CHECK_JOB, upload_id)
    send(queue_app, DELIVER_JOB)
    # A last email, queued after them: the worker takes jobs in order, one at a time, so once
    # it has arrived the duplicates above have run.
    later = f"later-{uuid.uuid4().hex[:8]}@example.org"
    assert register(queue_app.test_client(), later).status_code == 302
    wait_for(lambda: mailbox.to(later), "the later email")

    assert len(mailbox.to(address)) == 1
    assert [row.status for row in email_rows(committed_engine, address)] == [OutboxStatus.SENT]
    assert verified_count(committed_engine, upload_id) == 1
    with Session(committed_engine) as check:
        upload = check.get(Upload, upload_id)
        assert upload.status is UploadStatus.VERIFIED and upload.check_token is None


def test_a_worker_reads_back_each_reported_part_and_the_file_counts_once_complete(
    queue_app: Flask, worker: Worker, committed_engine
):
    """The web process only takes each report of a part sent (202); the worker reads the
    part back, so the check that `complete` asks for has none left to read."""
    api = signed_in_api(queue_app, committed_engine)
    content = pdf_bytes(11 * MiB)
    upload_id = begin_by_parts(api, content)["upload"]["id"]
    for number in (1, 2, 3):
        reply = send_staged_part(api, upload_id, number, part_of(content, number))
        assert reply.status_code == 202, reply.get_json()
        assert reply.get_json()["checked"] is False

    def read_back() -> bool:
        with Session(committed_engine) as check:
            rows = check.scalars(
                select(UploadPartDigest).where(UploadPartDigest.upload_id == upload_id)
            ).all()
            return len(rows) == 3 and all(row.checked_at is not None for row in rows)

    wait_for(read_back, "the worker to read the three parts back")
    asked = api.client.post(
        f"/api/uploads/{upload_id}/complete",
        json={"fingerprint": fingerprint_of(content, 5 * MiB)},
        headers=api.headers,
    )
    assert asked.status_code in (200, 202), asked.get_json()
    assert checked(api, upload_id)["status"] == "verified"

    def joined() -> bool:
        with Session(committed_engine) as check:
            return check.get(Upload, upload_id).joined_at is not None

    # The worker joins the parts after that; waited for, so that no job of this test is left
    # for the next ones (which cut the store off) to make fail.
    wait_for(joined, "the worker to join the parts")
    with Session(committed_engine) as check:
        failed = check.scalars(select(JobFailure)).all()
        assert [(f.task_name, f.arguments, f.error) for f in failed] == []


def test_with_redis_down_the_web_answers_and_the_work_is_done_once_it_is_back(
    queue_settings, queue_app: Flask, worker: Worker, committed_engine, mailbox: Mailbox
):
    down = queue_app_with(queue_settings, TASK_BROKER_URL=f"redis://127.0.0.1:{closed_port()}/0")
    address = f"down-{uuid.uuid4().hex[:8]}@example.org"

    started = time.monotonic()
    assert register(down.test_client(), address).status_code == 302
    api = signed_in_api(down, committed_engine)
    upload_id = sent_upload(api)
    asked = api.ask_check(upload_id)
    elapsed = time.monotonic() - started

    assert asked.status_code == 202 and asked.get_json()["upload"]["status"] == "checking"
    assert elapsed < 15, f"the requests took {elapsed:.1f} s with Redis down"
    [row] = email_rows(committed_engine, address)
    assert row.status is OutboxStatus.PENDING  # the email waits in the outbox
    assert api.show(upload_id).get_json()["upload"]["status"] == "checking"
    assert mailbox.to(address) == []

    # Redis is back: beat's sweeps (sent here by hand) find what waits, and the worker does it.
    time.sleep(1.2)  # the check was asked for more than a lease ago and nobody holds it
    send(queue_app, SWEEP_CHECKS)
    send(queue_app, DELIVER_JOB)

    wait_for(lambda: mailbox.to(address), "the email that waited")
    assert checked(api, upload_id)["status"] == "verified"
    assert len(mailbox.to(address)) == 1
    assert verified_count(committed_engine, upload_id) == 1


def test_a_worker_killed_in_the_middle_of_a_check_leaves_the_job_to_run_again(
    queue_app: Flask,
    worker: Worker,
    committed_engine,
    queue_store_proxy: StoreProxy,
    queue_settings,
    s3_admin,
):
    api = signed_in_api(queue_app, committed_engine)
    upload_id = sent_upload(api)
    with Session(committed_engine) as check:
        original, sealed = check.get(Upload, upload_id).key, check.get(Upload, upload_id).sealed_key
    bucket = queue_settings["OBJECT_STORE_URL"].removeprefix("s3://")

    def stored() -> set[str]:
        listing = s3_admin.list_objects_v2(Bucket=bucket, Prefix="candidates/")
        return {item["Key"] for item in listing.get("Contents", [])}

    # The copy goes through; reading the file back for the check hangs, and there the worker dies.
    queue_store_proxy.hold(lambda method, path, headers: method == "GET" and "sealed" in path)
    try:
        assert api.ask_check(upload_id).status_code == 202
        assert queue_store_proxy.held.wait(30), "the worker never reached the check"
        worker.kill()
    finally:
        queue_store_proxy.restore()

    with Session(committed_engine) as check:
        upload = check.get(Upload, upload_id)
        assert upload.status is UploadStatus.PENDING and upload.check_token is not None
    assert original in stored()  # nothing was deleted
    assert api.show(upload_id).get_json()["upload"]["status"] == "checking"

    time.sleep(2.2)  # past the visibility timeout: the unacknowledged job is handed out again
    worker.start()

    assert checked(api, upload_id)["status"] == "verified"
    assert verified_count(committed_engine, upload_id) == 1
    with Session(committed_engine) as check:
        verified_key = check.get(Upload, upload_id).key
    assert verified_key.startswith(f"{sealed}.")  # the new run's own copy

    def this_uploads_keys() -> set[str]:
        return {key for key in stored() if key == original or key.startswith(sealed)}

    # The original went after the commit; the killed run's copy after the new run's claim.
    wait_for(lambda: this_uploads_keys() == {verified_key}, "the original to go", timeout=10)
    with Session(committed_engine) as check, queue_app.app_context():
        report = reconcile(check, get_store(), utcnow())  # the bucket is the whole session's
    assert not {info.key for info in report.orphans} & {original, verified_key}
    assert upload_id not in {u.id for u in report.missing + report.changed + report.leftovers}


def test_a_check_that_keeps_failing_on_the_worker_is_kept_for_administrators_who_retry_it(
    queue_app: Flask, worker: Worker, committed_engine, queue_store_proxy: StoreProxy
):
    api = signed_in_api(queue_app, committed_engine)
    upload_id = sent_upload(api)

    queue_store_proxy.fail(lambda method, path, headers: True)  # the store is down throughout
    try:
        assert api.ask_check(upload_id).status_code == 202
        shown = checked(api, upload_id)  # every retry, with backoff, then it gives up
    finally:
        queue_store_proxy.restore()

    assert shown["status"] == "check_failed" and "Nothing was lost" in shown["reason"]
    with Session(committed_engine) as check:
        [failure] = check.scalars(
            select(JobFailure).where(JobFailure.arguments == {"args": [upload_id]})
        ).all()
        tries = len(queue_store_proxy.failed)
    assert failure.task_name == CHECK_JOB and "StorageUnavailable" in failure.error
    assert tries >= int(queue_app.config["TASK_MAX_RETRIES"]) + 1  # each try reached the store

    admin = queue_app.test_client()
    with Session(committed_engine, expire_on_commit=False) as setup:
        boss = make_user(
            setup, f"boss-{uuid.uuid4().hex[:6]}@example.org", roles=(Role.ADMINISTRATOR,)
        )
        setup.commit()
    login_as(admin, boss)
    assert "Check an uploaded file" in admin.get("/admin/jobs").get_data(as_text=True)
    token = csrf_token(admin, "/admin/jobs")
    assert (
        admin.post(f"/admin/jobs/{failure.id}/retry", data={"csrf_token": token}).status_code == 302
    )

    wait_for(
        lambda: api.show(upload_id).get_json()["upload"]["status"] == "verified",
        "the worker to run the check again",
    )
    assert verified_count(committed_engine, upload_id) == 1


def test_a_request_leaves_its_deletions_to_a_job_retried_until_the_store_takes_them(
    queue_app: Flask, worker: Worker, committed_engine, queue_store_proxy: StoreProxy
):
    api = signed_in_api(queue_app, committed_engine)
    upload_id = sent_upload(api)
    with Session(committed_engine) as check:
        key = check.get(Upload, upload_id).key
    store = queue_app.extensions["object_store"]
    assert store.stat(key) is not None

    def deletions_of_key(method: str, path: str, _headers: dict[str, str]) -> bool:
        # Objects go a batch at a time (DeleteObjects: POST ?delete, the keys in its body); the
        # worker runs one job at a time, and no other test's deletion is pending meanwhile.
        return (method == "DELETE" and key in path) or (method == "POST" and "?delete" in path)

    queue_store_proxy.hold(deletions_of_key)  # were the request to delete, it would wait
    try:
        # The person cancels: the rejection commits and the request answers at once, without
        # waiting on the store; the job on the worker asks the store to delete the file.
        began = time.monotonic()
        assert api.cancel(upload_id).status_code == 200
        assert time.monotonic() - began < 10  # S3_READ_TIMEOUT is 60 s here
        assert queue_store_proxy.held.wait(30), "the job never asked the store"
        # The store refuses that deletion, and the job's retries while it still refuses.
        queue_store_proxy.fail(deletions_of_key)
        queue_store_proxy.let_go()
        wait_for(lambda: len(queue_store_proxy.failed) > 3, "a retry of the job to be refused")
        assert store.stat(key) is not None
    finally:
        queue_store_proxy.restore()

    # The store takes deletions again: a retry of the job removes the file, with no reconcile.
    wait_for(lambda: store.stat(key) is None, "the retried deletion", timeout=20)
    with Session(committed_engine) as check:
        assert check.get(Upload, upload_id).status is UploadStatus.REJECTED
        failures = select(JobFailure).where(
            JobFailure.task_name == "portfolio.jobs.uploads.delete_objects"
        )
        assert not check.scalars(failures).all()
