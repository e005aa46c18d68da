"""Checking an upload while the store fails: a verified file is never destroyed.

The store sits behind a proxy the test can cut (tests/store_proxy.py). Each test asserts what
the person sees, what the database and the store hold, and that things come right once the
store is back (issue 10, section 1).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from portfolio.domain.uploads.filenames import make_object_key
from portfolio.models import JobFailure, Upload, UploadStatus
from portfolio.models.base import utcnow
from portfolio.services.uploads.reconcile import reconcile
from portfolio.services.uploads.verification import CHECK_JOB
from portfolio.storage.s3 import S3Store
from tests.store_proxy import StoreProxy, deletions, reads
from tests.upload_helpers import MiB, UploadApi, pdf_bytes, use_store


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
    # The half-finished copy is claimed by the pending row: reconcile leaves both alone.
    store_proxy.restore()
    assert reconcile(session, proxied_store, utcnow()).orphans == []

    reply = api.complete(upload_id)  # the widget's Resume asks for the check again

    assert reply.status_code == 200
    assert reply.get_json()["upload"]["status"] == "verified"
    session.expire_all()
    upload = session.get(Upload, upload_id)
    assert (upload.status, upload.key) == (UploadStatus.VERIFIED, sealed)
    assert upload.check_error == "" and upload.check_failed_at is None
    assert stored_keys(s3_admin, s3_bucket) == {sealed}  # the original went after the commit
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
