"""Uploading while the store fails: at the start, during the parts, at the check and download.

The store sits behind a proxy the test can cut or hold (tests/store_proxy.py). Each test asserts
what the person sees, what the database and the store hold, and that things come right once the
store is back (issue 10, sections 1 and 3). A verified file is never destroyed, and no row names
an object that is not there.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from portfolio.domain.uploads.filenames import make_object_key
from portfolio.models import AuditEvent, JobFailure, Upload, UploadStatus
from portfolio.models.base import utcnow
from portfolio.services.uploads.reconcile import reconcile
from portfolio.services.uploads.verification import CHECK_JOB
from portfolio.storage.s3 import S3Store
from tests.store_proxy import StoreProxy, deletions, reads
from tests.upload_helpers import MiB, UploadApi, pdf_bytes, sha256_hex, use_store

UNREACHABLE = (
    "File storage is not reachable right now. Nothing you saved before was lost; "
    "try this again in a minute."
)
PATIENCE = 1.0  # seconds the impatient store waits for an answer


@pytest.fixture
def proxied_store(
    app: Flask, store_proxy: StoreProxy, s3_bucket: str, boto_session: Any
) -> Iterator[S3Store]:
    store = S3Store(
        s3_bucket,
        endpoint_url=store_proxy.endpoint,
        region="us-east-1",
        access_key="testing",
        secret_key="testing",
        max_attempts=1,
        session=boto_session,
    )
    with use_store(app, store):
        yield store


@pytest.fixture
def impatient_store(store_proxy: StoreProxy, s3_bucket: str, boto_session: Any) -> S3Store:
    """The same bucket through the proxy, with the timeouts cut short, for a store gone slow
    (the app's own are 3 s and 15 s, README "Production"; tests need not wait that long)."""
    return S3Store(
        s3_bucket,
        endpoint_url=store_proxy.endpoint,
        region="us-east-1",
        access_key="testing",
        secret_key="testing",
        connect_timeout=PATIENCE,
        read_timeout=PATIENCE,
        complete_timeout=PATIENCE,
        max_attempts=1,
        session=boto_session,
    )


def multipart_starts(method: str, path: str, _headers: dict[str, str]) -> bool:
    return method == "POST" and path.endswith("?uploads")


def part_one(method: str, path: str, _headers: dict[str, str]) -> bool:
    return method == "PUT" and "partNumber=1&" in path


def part_listings(method: str, path: str, _headers: dict[str, str]) -> bool:
    return method == "GET" and "uploadId=" in path


def joins(method: str, path: str, _headers: dict[str, str]) -> bool:
    return method == "POST" and "uploadId=" in path


def everything(_method: str, _path: str, _headers: dict[str, str]) -> bool:
    return True


def upload_ids(session: Session) -> list[int]:
    session.expire_all()
    return list(session.scalars(select(Upload.id).order_by(Upload.id)))


def audit_of(session: Session, upload_id: int) -> list[str]:
    query = select(AuditEvent.action).where(
        AuditEvent.object_type == "upload", AuditEvent.object_id == str(upload_id)
    )
    return [str(action) for action in session.scalars(query.order_by(AuditEvent.id))]


def in_flight(s3_admin: Any, bucket: str) -> list[tuple[str, str]]:
    uploads = s3_admin.list_multipart_uploads(Bucket=bucket).get("Uploads", [])
    return [(u["Key"], u["UploadId"]) for u in uploads]


def stored_keys(s3_admin: Any, bucket: str) -> set[str]:
    return {item["Key"] for item in s3_admin.list_objects_v2(Bucket=bucket).get("Contents", [])}


def test_a_store_failing_after_the_copy_loses_nothing_and_the_retry_verifies(
    app, api: UploadApi, proxied_store, store_proxy, s3_admin, s3_bucket, session: Session
):
    content = pdf_bytes(3000)
    started = api.started(content)
    api.send(started, content)
    upload_id = started["upload"]["id"]
    upload = session.get(Upload, upload_id)
    original, sealed = upload.key, upload.sealed_key
    assert sealed and sealed != original

    store_proxy.fail(reads)  # the copy goes through; reading it back for the check does not
    asked = api.ask_check(upload_id)

    # The request answers at once; the check job fails (its retries too) after the commit.
    assert asked.status_code == 202
    assert asked.get_json()["upload"]["status"] == "checking"
    shown = api.show(upload_id).get_json()["upload"]
    assert shown["status"] == "check_failed"
    assert "Nothing was lost" in shown["reason"]
    assert store_proxy.failed, "the check must have reached the store"
    session.expire_all()
    upload = session.get(Upload, upload_id)
    assert (upload.status, upload.key) == (UploadStatus.PENDING, original)
    assert original in stored_keys(s3_admin, s3_bucket)
    failure = session.scalars(select(JobFailure)).one()  # kept for the administrators
    assert (failure.task_name, failure.arguments) == (CHECK_JOB, {"args": [upload_id]})
    assert "StorageUnavailable" in failure.error
    # The run's copy (a key of its own, which no row names) went after it let go.
    assert stored_keys(s3_admin, s3_bucket) == {original}
    store_proxy.restore()
    assert reconcile(session, proxied_store, utcnow()).orphans == []

    reply = api.complete(upload_id)  # the widget's Resume asks for the check again

    assert reply.status_code == 200
    assert reply.get_json()["upload"]["status"] == "verified"
    session.expire_all()
    upload = session.get(Upload, upload_id)
    assert upload.status is UploadStatus.VERIFIED and upload.key.startswith(sealed + ".")
    assert upload.check_error == "" and upload.check_failed_at is None
    assert stored_keys(s3_admin, s3_bucket) == {upload.key}  # the original went after the commit
    assert reconcile(session, proxied_store, utcnow()).clean


def test_a_deletion_that_fails_after_the_commit_leaves_an_orphan_for_reconcile(
    app, api: UploadApi, proxied_store, store_proxy, s3_admin, s3_bucket, session: Session
):
    content = pdf_bytes(3000)
    started = api.started(content)
    api.send(started, content)
    upload_id = started["upload"]["id"]
    original = session.get(Upload, upload_id).key

    store_proxy.fail(deletions)
    reply = api.complete(upload_id)

    assert reply.status_code == 200
    assert reply.get_json()["upload"]["status"] == "verified", reply.get_json()["upload"]["reason"]
    session.expire_all()
    upload = session.get(Upload, upload_id)
    assert stored_keys(s3_admin, s3_bucket) == {original, upload.key}
    store_proxy.restore()
    report = reconcile(session, proxied_store, utcnow(), apply=True)
    assert [info.key for info in report.orphans] == [original]
    assert stored_keys(s3_admin, s3_bucket) == {upload.key}
    assert reconcile(session, proxied_store, utcnow()).clean
    download = api.client.get(f"/files/{upload_id}")
    assert download.status_code == 303


def test_a_refused_file_is_deleted_only_after_its_rejection_is_committed(
    app, api: UploadApi, proxied_store, store_proxy, s3_admin, s3_bucket, session: Session
):
    content = b"MZ" + b"\0" * 3000  # a Windows program: refused by type
    started = api.started(content, name="evidence.pdf")
    api.send(started, content)
    upload_id = started["upload"]["id"]

    store_proxy.fail(deletions)
    reply = api.complete(upload_id)

    assert reply.status_code == 200
    assert reply.get_json()["upload"]["status"] == "rejected"
    store_proxy.restore()
    session.expire_all()
    leftovers = {u.key for u in reconcile(session, proxied_store, utcnow()).leftovers}
    assert leftovers == {session.get(Upload, upload_id).key}
    reconcile(session, proxied_store, utcnow(), apply=True)
    assert stored_keys(s3_admin, s3_bucket) == set()


def test_reconcile_aborts_multipart_uploads_no_row_waits_for_and_keeps_the_others(
    app, api: UploadApi, proxied_store, s3_admin, s3_bucket, session: Session, small_limits
):
    content = pdf_bytes(6 * MiB)
    started = api.started(content)
    api.send_parts(started, content)
    waiting = session.get(Upload, started["upload"]["id"])
    stray_key = make_object_key(waiting.owner_id)
    stray_id = proxied_store.create_multipart(stray_key, "application/octet-stream")

    report = reconcile(session, proxied_store, utcnow(), apply=True)

    assert report.abandoned == [(stray_key, stray_id)]
    uploads = s3_admin.list_multipart_uploads(Bucket=s3_bucket).get("Uploads", [])
    assert [(u["Key"], u["UploadId"]) for u in uploads] == [
        (waiting.key, waiting.multipart_upload_id)
    ]
    assert api.complete(waiting.id).get_json()["upload"]["status"] == "verified"


def test_a_download_while_the_store_is_down_gets_the_apps_own_page(
    app, api: UploadApi, proxied_store, store_proxy, session: Session
):
    upload = api.upload(pdf_bytes(3000))

    store_proxy.fail(lambda method, path, headers: True)
    reply = api.client.get(f"/files/{upload['id']}")

    assert reply.status_code == 503
    assert "cannot be fetched right now" in reply.get_data(as_text=True)
    store_proxy.restore()
    assert api.client.get(f"/files/{upload['id']}").status_code == 303


@pytest.mark.parametrize("fault", ["refused", "slow"])
def test_a_store_refused_or_slow_when_a_multipart_upload_starts_records_nothing(
    app,
    api: UploadApi,
    proxied_store,
    impatient_store,
    store_proxy,
    s3_admin,
    s3_bucket,
    session: Session,
    small_limits,
    fault: str,
):
    content = pdf_bytes(6 * MiB)
    before = upload_ids(session)

    if fault == "refused":
        store_proxy.fail(multipart_starts)
        reply = api.begin(content)
    else:
        store_proxy.hold(multipart_starts)
        with use_store(app, impatient_store):
            began = time.monotonic()
            reply = api.begin(content)
            assert time.monotonic() - began < PATIENCE + 2  # the app answers; nobody waits on
    assert reply.status_code == 503
    assert reply.get_json()["message"] == UNREACHABLE
    assert upload_ids(session) == before  # no row for an upload the store never began

    store_proxy.restore()
    if fault == "slow":
        # The store began it after all, once nobody was waiting: a multipart upload no row
        # names, which reconcile aborts (a lifecycle rule would too, a day later).
        deadline = time.monotonic() + 10
        while not in_flight(s3_admin, s3_bucket):
            assert time.monotonic() < deadline, "the held request never reached the store"
            time.sleep(0.05)
        report = reconcile(session, proxied_store, utcnow(), apply=True)
        assert len(report.abandoned) == 1
    assert in_flight(s3_admin, s3_bucket) == []

    shown = api.upload(content)  # the store is back: the same file goes through
    assert shown["status"] == "verified"
    assert stored_keys(s3_admin, s3_bucket) == {session.get(Upload, shown["id"]).key}


def test_a_part_the_store_refused_is_sent_again_on_resume_and_nothing_is_lost(
    app,
    api: UploadApi,
    proxied_store,
    impatient_store,
    store_proxy,
    s3_admin,
    s3_bucket,
    session: Session,
    small_limits,
):
    content = pdf_bytes(6 * MiB)  # two parts: 5 MiB and 1 MiB
    started = api.started(content)
    upload_id, size = started["upload"]["id"], started["part_size"]
    urls = {p["part_number"]: p["url"] for p in api.presign(upload_id, [1, 2]).get_json()["parts"]}

    store_proxy.fail(part_one)  # the browser's PUT straight to the store is refused
    assert requests.put(urls[1], data=content[:size], timeout=30).status_code == 503
    assert requests.put(urls[2], data=content[size:], timeout=30).status_code == 200

    # The widget offers Resume; pressed while the store is still down, then while it is slow,
    # it gets the app's own answer in time, and nothing changes.
    store_proxy.fail(everything)
    reply = api.parts(upload_id)
    assert reply.status_code == 503 and reply.get_json()["message"] == UNREACHABLE
    store_proxy.restore()
    store_proxy.hold(part_listings)
    with use_store(app, impatient_store):
        began = time.monotonic()
        reply = api.parts(upload_id)
        assert time.monotonic() - began < PATIENCE + 2
    assert reply.status_code == 503 and reply.get_json()["message"] == UNREACHABLE
    store_proxy.restore()
    session.expire_all()
    upload = session.get(Upload, upload_id)
    assert upload.status is UploadStatus.PENDING and upload.verified_at is None
    assert audit_of(session, upload_id) == ["upload.started"]

    # The store is back: Resume lists what arrived, sends the rest, and completes once.
    listed = api.parts(upload_id).get_json()
    assert [(p["part_number"], p["size"]) for p in listed["parts"]] == [(2, len(content) - size)]
    assert requests.put(urls[1], data=content[:size], timeout=30).status_code == 200
    reply = api.complete(upload_id)

    assert reply.status_code == 200 and reply.get_json()["upload"]["status"] == "verified"
    session.expire_all()
    upload = session.get(Upload, upload_id)
    assert (upload.size, upload.sha256) == (len(content), sha256_hex(content))
    assert stored_keys(s3_admin, s3_bucket) == {upload.key}
    assert in_flight(s3_admin, s3_bucket) == []
    assert audit_of(session, upload_id) == ["upload.started", "upload.verified"]
    assert reconcile(session, proxied_store, utcnow()).clean


def test_a_file_the_store_refused_is_posted_again_and_verified(
    app, api: UploadApi, proxied_store, store_proxy, s3_admin, s3_bucket, session: Session
):
    content = pdf_bytes(3000)
    started = api.started(content)
    upload_id = started["upload"]["id"]

    store_proxy.fail(everything)
    assert api.post_file(started["post"], content) == 503  # the browser's POST to the store
    store_proxy.restore()
    assert stored_keys(s3_admin, s3_bucket) == set()
    session.expire_all()
    assert session.get(Upload, upload_id).status is UploadStatus.PENDING

    # Resume sends the file again with the same link (valid five minutes), then completes.
    assert api.post_file(started["post"], content) in (200, 201, 204)
    reply = api.complete(upload_id)

    assert reply.status_code == 200 and reply.get_json()["upload"]["status"] == "verified"
    session.expire_all()
    assert stored_keys(s3_admin, s3_bucket) == {session.get(Upload, upload_id).key}


def test_a_download_while_the_store_is_slow_gets_the_apps_own_page_in_time(
    app, api: UploadApi, proxied_store, impatient_store, store_proxy, session: Session
):
    upload = api.upload(pdf_bytes(3000))

    store_proxy.hold(everything)
    with use_store(app, impatient_store):
        began = time.monotonic()
        reply = api.client.get(f"/files/{upload['id']}")
        assert time.monotonic() - began < PATIENCE + 2

    assert reply.status_code == 503
    assert "cannot be fetched right now" in reply.get_data(as_text=True)
    store_proxy.restore()
    assert api.client.get(f"/files/{upload['id']}").status_code == 303


def test_a_store_slow_while_the_copy_is_read_back_answers_in_time_and_the_retry_verifies(
    app, api: UploadApi, proxied_store, impatient_store, store_proxy, s3_admin, s3_bucket, session
):
    content = pdf_bytes(3000)
    started = api.started(content)
    api.send(started, content)
    upload_id = started["upload"]["id"]
    original = session.get(Upload, upload_id).key

    store_proxy.hold(reads)  # the copy is made; reading it back for the check hangs
    with use_store(app, impatient_store):
        began = time.monotonic()
        reply = api.complete(upload_id)  # 202, the check (eager here) gives up, the poll says so
        assert time.monotonic() - began < PATIENCE + 2
    store_proxy.restore()

    assert reply.get_json()["upload"]["status"] == "check_failed"
    assert "Nothing was lost" in reply.get_json()["upload"]["reason"]
    session.expire_all()
    upload = session.get(Upload, upload_id)
    assert (upload.status, upload.key) == (UploadStatus.PENDING, original)
    assert original in stored_keys(s3_admin, s3_bucket)
    assert audit_of(session, upload_id) == ["upload.started"]

    reply = api.complete(upload_id)

    assert reply.status_code == 200 and reply.get_json()["upload"]["status"] == "verified"
    session.expire_all()
    assert stored_keys(s3_admin, s3_bucket) == {session.get(Upload, upload_id).key}
    assert reconcile(session, proxied_store, utcnow()).clean


def test_parts_the_store_joins_after_the_app_gave_up_are_verified_on_retry(
    app,
    api: UploadApi,
    proxied_store,
    impatient_store,
    store_proxy,
    s3_admin,
    s3_bucket,
    session: Session,
    small_limits,
):
    content = pdf_bytes(6 * MiB)
    started = api.started(content)
    api.send_parts(started, content)
    upload_id = started["upload"]["id"]

    store_proxy.hold(joins)  # the store takes longer to join the parts than the app waits
    with use_store(app, impatient_store):
        began = time.monotonic()
        reply = api.complete(upload_id)
        assert time.monotonic() - began < PATIENCE + 2
    assert reply.get_json()["upload"]["status"] == "check_failed"
    session.expire_all()
    assert session.get(Upload, upload_id).status is UploadStatus.PENDING

    store_proxy.restore()  # ...and then joins them after all, with nobody waiting
    deadline = time.monotonic() + 10
    while in_flight(s3_admin, s3_bucket):
        assert time.monotonic() < deadline, "the held join never reached the store"
        time.sleep(0.05)

    reply = api.complete(upload_id)  # the parts are gone, the joined file is there

    assert reply.status_code == 200 and reply.get_json()["upload"]["status"] == "verified"
    session.expire_all()
    upload = session.get(Upload, upload_id)
    assert (upload.size, upload.sha256) == (len(content), sha256_hex(content))
    assert stored_keys(s3_admin, s3_bucket) == {upload.key}
    assert audit_of(session, upload_id) == ["upload.started", "upload.verified"]
    assert reconcile(session, proxied_store, utcnow()).clean


def test_a_store_without_batch_deletes_still_deletes_one_object_at_a_time(
    proxied_store: S3Store, store_proxy: StoreProxy
) -> None:
    """Some S3-compatible stores lack DeleteObjects (501): deletions go one by one instead of
    never, and the store is not asked for batches again."""
    keys = [f"candidates/1/{name}" for name in "abc"]
    for key in keys:
        proxied_store.put(key, b"no row names it", "text/plain")
    store_proxy.lack(lambda method, path, _headers: method == "POST" and "?delete" in path)
    try:
        assert proxied_store.delete_many(keys[:2]) == []
        assert proxied_store.delete_many(keys[2:]) == []
    finally:
        store_proxy.restore()
    assert [proxied_store.stat(key) for key in keys] == [None, None, None]
    assert len(store_proxy.failed) == 1  # asked for a batch once, then never again
