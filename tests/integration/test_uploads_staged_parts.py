"""Staged parts (services.uploads.staged_parts): each part of a file checked by parts is an
object of its own, read back and compared when the browser reports it sent, so that the file
counts a moment after its last part lands; the store joins the parts afterwards, and until it
has, the file is read from them. Against moto's S3 server (which enforces no signed checksum,
so the server's own reading is what catches a part that differs) and the local store."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import requests
from flask import Flask
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from portfolio.extensions import db
from portfolio.models import AuditEvent, Upload, UploadPartDigest, UploadStatus
from portfolio.models.base import utcnow
from portfolio.services import outbox
from portfolio.services.uploads import staged_parts, verification
from portfolio.services.uploads.reconcile import reconcile
from portfolio.storage.s3 import S3Store
from tests.upload_helpers import (
    MiB,
    UploadApi,
    begin_by_parts,
    checksum,
    fingerprint_of,
    finish_by_parts,
    part_of,
    pdf_bytes,
    report_sent,
    send_staged_part,
    sha256_hex,
    signed_part_link,
    staged_objects,
    use_store,
)

PART = 5 * MiB  # small_limits' part size


@pytest.fixture
def store(app: Flask, s3_store: S3Store) -> Iterator[S3Store]:
    with use_store(app, s3_store):
        yield s3_store


def send_damaged(api: UploadApi, upload_id: int, content: bytes, number: int) -> None:
    """Part `number` with its link asked for with its true digest, then one bit of it flipped on
    the way: moto takes it (S3 would refuse it); only the server's reading back finds it."""
    part = part_of(content, number)
    given = signed_part_link(api, upload_id, number, part)
    damaged = part[:10] + bytes([part[10] ^ 1]) + part[11:]
    assert api.put_part(given["url"], damaged, given["headers"]) == 200


def test_each_part_is_checked_when_reported_sent_and_the_file_counts_then_is_joined(
    api: UploadApi, store: S3Store, small_limits: None, s3_admin: Any, session: Session
) -> None:
    content = pdf_bytes(11 * MiB + 5)
    started = begin_by_parts(api, content)
    upload_id = started["upload"]["id"]
    assert started["upload"]["checks_parts_as_sent"] is True
    reads: list[str] = []
    real = store.read_object
    store.read_object = lambda key, *a, **k: (reads.append(key), real(key, *a, **k))[1]  # type: ignore[method-assign]
    try:
        for number in (2, 1, 3):  # in any order
            reply = send_staged_part(api, upload_id, number, part_of(content, number))
            assert reply.status_code == 200, reply.get_json()
            assert reply.json["checked"] is True
        key = session.get(Upload, upload_id).key
        assert reads == [f"{key}.part00002", f"{key}.part00001", f"{key}.part00003"]
        checked = session.scalars(
            select(UploadPartDigest).where(UploadPartDigest.upload_id == upload_id)
        ).all()
        assert all(row.checked_at and row.checked_etag for row in checked) and len(checked) == 3
        # Reported again: nothing read again.
        assert report_sent(api, upload_id, 2).json["checked"] is True
        assert len(reads) == 3

        shown = finish_by_parts(api, upload_id, content, PART)
    finally:
        del store.read_object

    assert (shown["status"], shown["fingerprint"]) == ("verified", fingerprint_of(content, PART))
    # The check read no part again (all were checked as they landed) but the reviewers' copy
    # of the PDF, made from the parts before the file counted.
    assert reads[3:] == [f"{key}.part0000{n}" for n in (1, 2, 3)]
    upload = session.get(Upload, upload_id)
    session.refresh(upload)
    # The join ran after the commit that made the file count: one object, no parts left.
    assert upload.joined_at is not None and upload.joined_at >= upload.verified_at
    assert b"".join(store.iter_chunks(upload.key)) == content
    assert staged_objects(s3_admin, store.bucket, upload.key) == []
    assert s3_admin.list_multipart_uploads(Bucket=store.bucket).get("Uploads", []) == []
    assert session.scalars(select(UploadPartDigest)).all() == []


def test_the_store_joins_with_each_parts_checksum_and_its_composite_is_the_fingerprint(
    api: UploadApi, store: S3Store, small_limits: None, s3_admin: Any, session: Session
) -> None:
    copies: list[dict[str, Any]] = []
    completed: list[dict[str, Any]] = []
    events = store._completer.meta.events
    events.register(
        "provide-client-params.s3.UploadPartCopy", lambda params, **_: copies.append(params)
    )
    events.register(
        "provide-client-params.s3.CompleteMultipartUpload",
        lambda params, **_: completed.append(params),
    )
    content = pdf_bytes(11 * MiB)
    upload_id = begin_by_parts(api, content)["upload"]["id"]
    for number in (1, 2, 3):
        send_staged_part(api, upload_id, number, part_of(content, number))
    shown = finish_by_parts(api, upload_id, content, PART)

    key = session.get(Upload, upload_id).key
    assert sorted((c["PartNumber"], c["CopySource"]) for c in copies) == [
        (n, f"{store.bucket}/{key}.part0000{n}") for n in (1, 2, 3)
    ]
    # Each copy only of the bytes that were checked: the ETag the server read the part with
    # (moto's ETag of an object is the MD5 of its bytes).
    assert sorted((c["PartNumber"], c["CopySourceIfMatch"]) for c in copies) == [
        (n, f'"{hashlib.md5(part_of(content, n), usedforsecurity=False).hexdigest()}"')
        for n in (1, 2, 3)
    ]
    (request,) = completed
    assert [
        (p["PartNumber"], p["ChecksumSHA256"]) for p in request["MultipartUpload"]["Parts"]
    ] == [(n, checksum(part_of(content, n))) for n in (1, 2, 3)]
    head = s3_admin.head_object(Bucket=store.bucket, Key=key, ChecksumMode="ENABLED")
    composite = bytes.fromhex(shown["fingerprint"].split("-")[0])
    assert head["ChecksumSHA256"].split("-")[0] == base64.b64encode(composite).decode()


def test_a_part_whose_bytes_differ_refuses_the_file_when_reported_and_nothing_is_kept(
    api: UploadApi, store: S3Store, small_limits: None, s3_admin: Any, session: Session
) -> None:
    """moto takes any bytes at a link signed for a checksum (S3 would refuse them): the
    server's own reading finds them."""
    content = pdf_bytes(11 * MiB)
    upload_id = begin_by_parts(api, content)["upload"]["id"]
    first_link = signed_part_link(api, upload_id, 1, part_of(content, 1))
    assert api.put_part(first_link["url"], part_of(content, 1), first_link["headers"]) == 200
    assert report_sent(api, upload_id, 1).json["checked"] is True
    send_damaged(api, upload_id, content, 2)

    reply = report_sent(api, upload_id, 2)

    assert reply.status_code == 200
    assert reply.json["checked"] is False
    assert reply.json["upload"]["status"] == "rejected"
    assert reply.json["upload"]["reason"] == (
        "Part 2 of the file that arrived is not what your browser sent: its SHA-256 checksum "
        "differs, so it was changed or damaged on the way. Upload the file again."
    )
    upload = session.get(Upload, upload_id)
    session.refresh(upload)
    assert upload.status == UploadStatus.REJECTED and upload.fingerprint is None
    assert staged_objects(s3_admin, store.bucket, upload.key) == []
    assert s3_admin.list_multipart_uploads(Bucket=store.bucket).get("Uploads", []) == []
    assert session.scalars(select(UploadPartDigest)).all() == []
    # The rest of the file cannot be sent on: the upload is finished.
    assert api.part_link(upload_id, 3, sha256_hex(part_of(content, 3))).status_code == 409
    # A part that was on its way meanwhile lands, is reported, and goes too.
    late = part_of(content, 1)
    assert api.put_part(first_link["url"], late, first_link["headers"]) == 200
    again = report_sent(api, upload_id, 1)
    assert again.status_code == 200
    assert (again.json["checked"], again.json["upload"]["status"]) == (False, "rejected")
    assert staged_objects(s3_admin, store.bucket, upload.key) == []
    audited = session.scalars(
        select(AuditEvent).where(
            AuditEvent.object_type == "upload", AuditEvent.object_id == str(upload_id)
        )
    ).all()
    assert any(event.details.get("code") == "part_checksum" for event in audited)


def test_with_a_task_queue_the_report_is_taken_and_the_job_reads_the_part_back(
    api: UploadApi,
    app: Flask,
    store: S3Store,
    small_limits: None,
    s3_admin: Any,
    session: Session,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With TASK_BROKER_URL set, the web process only takes the report (202) and queues the
    reading back (run here in-process: the test's task queue is eager); a damaged part refuses
    the file all the same, and the upload says why."""
    monkeypatch.setitem(app.config, "TASK_BROKER_URL", "redis://127.0.0.1:6379/0")
    queued: list[tuple[str, tuple[object, ...]]] = []
    real_dispatch = outbox.dispatch

    def dispatch(app: Flask, task_name: str, args: tuple[object, ...]) -> bool:
        queued.append((task_name, args))
        return real_dispatch(app, task_name, args)

    monkeypatch.setattr(outbox, "dispatch", dispatch)
    content = pdf_bytes(11 * MiB)
    upload_id = begin_by_parts(api, content)["upload"]["id"]

    reply = send_staged_part(api, upload_id, 1, part_of(content, 1))

    assert reply.status_code == 202
    assert reply.json["checked"] is False and reply.json["upload"]["status"] == "pending"
    assert queued == [(staged_parts.CHECK_PART_JOB, (upload_id, 1))]
    row = session.get(UploadPartDigest, (upload_id, 1))
    session.refresh(row)
    assert row.checked_at is not None  # the job read it back and it matched

    send_damaged(api, upload_id, content, 2)
    assert report_sent(api, upload_id, 2).status_code == 202
    shown = api.show(upload_id).get_json()["upload"]
    assert shown["status"] == "rejected"
    assert shown["reason"].startswith("Part 2 of the file that arrived is not what your browser")
    upload = session.get(Upload, upload_id)
    session.refresh(upload)
    assert staged_objects(s3_admin, store.bucket, upload.key) == []
    refused = session.scalars(
        select(AuditEvent).where(
            AuditEvent.object_id == str(upload_id), AuditEvent.action == "upload.rejected"
        )
    ).one()
    assert refused.actor_id == upload.owner_id and refused.details["code"] == "part_checksum"
    # A report after the refusal is answered at once, with the refusal.
    late = report_sent(api, upload_id, 1)
    assert (late.status_code, late.json["upload"]["status"]) == (200, "rejected")


def test_a_first_part_of_a_refused_type_refuses_the_file_as_soon_as_it_lands(
    api: UploadApi, store: S3Store, small_limits: None, session: Session
) -> None:
    content = b"MZ" + bytes(11 * MiB)  # a Windows program, named as a PDF
    upload_id = begin_by_parts(api, content)["upload"]["id"]
    reply = send_staged_part(api, upload_id, 1, part_of(content, 1))
    assert reply.json["checked"] is False
    assert reply.json["upload"]["status"] == "rejected"
    assert reply.json["upload"]["reason"] == "Programs and scripts are not accepted."
    assert session.get(Upload, upload_id).status == UploadStatus.REJECTED
    # No further part of it is taken.
    assert api.part_link(upload_id, 2, sha256_hex(part_of(content, 2))).status_code == 409


@pytest.mark.parametrize(
    ("number", "status", "message"),
    [
        ("x", 404, None),
        (0, 422, "Part numbers run from 1 to 3 for this file."),
        (4, 422, "Part numbers run from 1 to 3 for this file."),
        (2, 409, "Part 2's checksum never arrived: ask for its link first."),
    ],
)
def test_a_bad_report_of_a_sent_part_is_a_clear_4xx(
    api: UploadApi,
    store: S3Store,
    small_limits: None,
    number: object,
    status: int,
    message: str | None,
) -> None:
    content = pdf_bytes(11 * MiB)
    upload_id = begin_by_parts(api, content)["upload"]["id"]
    reply = report_sent(api, upload_id, number)
    assert reply.status_code == status
    if message:
        assert reply.get_json()["message"] == message


def test_a_part_reported_sent_before_it_arrived_is_a_409_and_the_upload_goes_on(
    api: UploadApi, store: S3Store, small_limits: None
) -> None:
    content = pdf_bytes(11 * MiB)
    upload_id = begin_by_parts(api, content)["upload"]["id"]
    signed_part_link(api, upload_id, 1, part_of(content, 1))
    reply = report_sent(api, upload_id, 1)
    assert reply.status_code == 409
    assert reply.get_json()["message"] == "Part 1 has not arrived; send it again."
    for number in (1, 2, 3):
        send_staged_part(api, upload_id, number, part_of(content, number))
    assert finish_by_parts(api, upload_id, content, PART)["status"] == "verified"


def test_another_persons_upload_cannot_be_reported(
    api: UploadApi, store: S3Store, small_limits: None, client: Any, app: Flask
) -> None:
    from tests.helpers import login_as, make_user

    content = pdf_bytes(11 * MiB)
    upload_id = begin_by_parts(api, content)["upload"]["id"]
    send_staged_part(api, upload_id, 1, part_of(content, 1))
    login_as(client, make_user(db.session, "other-staged@example.org"))
    assert report_sent(api, upload_id, 1).status_code == 404


def test_until_joined_the_file_is_read_from_its_parts_and_a_part_replaced_is_never_served(
    api: UploadApi,
    store: S3Store,
    small_limits: None,
    s3_admin: Any,
    session: Session,
    monkeypatch: pytest.MonkeyPatch,
    app: Flask,
) -> None:
    monkeypatch.setattr(verification, "queue_join", lambda session, upload: None)  # job lost
    content = pdf_bytes(11 * MiB)
    upload_id = begin_by_parts(api, content)["upload"]["id"]
    links = {}
    for number in (1, 2, 3):
        links[number] = signed_part_link(api, upload_id, number, part_of(content, number))
        assert (
            api.put_part(links[number]["url"], part_of(content, number), links[number]["headers"])
            == 200
        )
        report_sent(api, upload_id, number)
    assert finish_by_parts(api, upload_id, content, PART)["status"] == "verified"
    upload = session.get(Upload, upload_id)
    session.refresh(upload)
    assert upload.joined_at is None and store.stat(upload.key) is None

    # The owner's download streams the file from its parts, whole.
    download = api.client.get(f"/files/{upload_id}")
    assert download.status_code == 200
    assert download.headers["Content-Length"] == str(len(content))
    assert "attachment" in download.headers["Content-Disposition"]
    assert download.get_data() == content

    # The nightly reconcile keeps the parts and the multipart upload they are joined into.
    report = reconcile(session, store, utcnow() + timedelta(days=1), apply=False)
    assert report.orphans == [] and report.abandoned == [] and report.missing == []

    # A part replaced behind the server's back (its link still valid; moto ignores the signed
    # checksum) is never served nor joined: its ETag is not the one that was checked.
    other = bytes(len(part_of(content, 2)))
    assert (
        requests.put(
            links[2]["url"], data=other, headers=links[2]["headers"], timeout=30
        ).status_code
        == 200
    )
    broken = api.client.get(f"/files/{upload_id}")
    assert broken.status_code == 404
    assert staged_parts.join_staged(db.new_session, store, upload_id, now=utcnow) is False
    session.refresh(upload)
    assert upload.status == UploadStatus.BROKEN
    assert upload.rejection_reason == (
        "The file in storage is no longer the one that was checked. Upload it again."
    )
    assert store.stat(upload.key) is None
    assert staged_objects(s3_admin, store.bucket, upload.key) == []
    assert s3_admin.list_multipart_uploads(Bucket=store.bucket).get("Uploads", []) == []


def test_a_lost_join_is_queued_again_by_the_sweep_and_joins(
    api: UploadApi,
    store: S3Store,
    small_limits: None,
    s3_admin: Any,
    session: Session,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    content = pdf_bytes(11 * MiB)
    upload_id = verified_in_parts(api, monkeypatch, content)
    assert staged_parts.stale_joins(session, utcnow()) == 0  # not yet: it may still be coming
    session.rollback()

    queued = staged_parts.stale_joins(session, utcnow() + staged_parts.JOIN_GRACE * 2)
    session.commit()  # the job runs after the commit (eagerly here)

    assert queued == 1
    upload = session.get(Upload, upload_id)
    session.refresh(upload)
    assert upload.joined_at is not None
    assert b"".join(store.iter_chunks(upload.key)) == content
    assert staged_objects(s3_admin, store.bucket, upload.key) == []
    # Running it again changes nothing.
    assert staged_parts.join_staged(db.new_session, store, upload_id, now=utcnow) is True


def test_cancelling_drops_the_staged_parts(
    api: UploadApi, store: S3Store, small_limits: None, s3_admin: Any, session: Session
) -> None:
    content = pdf_bytes(11 * MiB)
    upload_id = begin_by_parts(api, content)["upload"]["id"]
    send_staged_part(api, upload_id, 1, part_of(content, 1))
    send_staged_part(api, upload_id, 2, part_of(content, 2))
    key = session.get(Upload, upload_id).key
    assert len(staged_objects(s3_admin, store.bucket, key)) == 2
    calls: list[str] = []
    store.client.meta.events.register(
        "before-call.s3", lambda model, **_: calls.append(model.name), unique_id="count-calls"
    )
    assert api.cancel(upload_id).status_code == 200
    assert staged_objects(s3_admin, store.bucket, key) == []
    # The parts go in one request, however many there are (a 2 GB file has 128).
    assert calls.count("DeleteObjects") == 1 and "DeleteObject" not in calls
    assert s3_admin.list_multipart_uploads(Bucket=store.bucket).get("Uploads", []) == []


def test_resume_lists_the_staged_parts_that_arrived(
    api: UploadApi, store: S3Store, small_limits: None
) -> None:
    content = pdf_bytes(11 * MiB)
    upload_id = begin_by_parts(api, content)["upload"]["id"]
    send_staged_part(api, upload_id, 3, part_of(content, 3))
    send_staged_part(api, upload_id, 1, part_of(content, 1))
    listed = api.parts(upload_id).get_json()["parts"]
    assert [(p["part_number"], p["size"], p["sha256"]) for p in listed] == [
        (1, PART, sha256_hex(part_of(content, 1))),
        (3, len(part_of(content, 3)), sha256_hex(part_of(content, 3))),
    ]


def test_the_local_store_stages_checks_and_joins_the_parts_too(
    api: UploadApi, small_limits: None, session: Session, app: Flask
) -> None:
    content = pdf_bytes(11 * MiB + 9)
    upload_id = begin_by_parts(api, content)["upload"]["id"]
    given = signed_part_link(api, upload_id, 1, part_of(content, 1))
    assert "/files/put/" in given["url"]
    for number in (1, 2, 3):
        assert send_staged_part(api, upload_id, number, part_of(content, number)).json["checked"]
    assert finish_by_parts(api, upload_id, content, PART)["status"] == "verified"
    upload = session.get(Upload, upload_id)
    session.refresh(upload)
    assert upload.joined_at is not None
    store = app.extensions["object_store"]
    assert b"".join(store.iter_chunks(upload.key)) == content
    assert store.stat(f"{upload.key}.part00001") is None


def test_the_nightly_reconcile_joins_a_file_whose_join_was_lost(
    api: UploadApi,
    store: S3Store,
    small_limits: None,
    s3_admin: Any,
    session: Session,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    content = pdf_bytes(11 * MiB)
    upload_id = verified_in_parts(api, monkeypatch, content)

    report = reconcile(session, store, utcnow() + staged_parts.JOIN_GRACE * 2, apply=True)
    session.commit()

    assert [u.id for u in report.unjoined] == [upload_id]
    upload = session.get(Upload, upload_id)
    session.refresh(upload)
    assert upload.joined_at is not None
    assert staged_objects(s3_admin, store.bucket, upload.key) == []


def verified_in_parts(api: UploadApi, monkeypatch: pytest.MonkeyPatch, content: bytes) -> int:
    """A file checked and counted whose join has not happened (its job is held back)."""
    with monkeypatch.context() as held:
        held.setattr(verification, "queue_join", lambda session, upload: None)
        upload_id = begin_by_parts(api, content)["upload"]["id"]
        for number in range(1, -(-len(content) // PART) + 1):
            send_staged_part(api, upload_id, number, part_of(content, number))
        assert finish_by_parts(api, upload_id, content, PART)["status"] == "verified"
    return int(upload_id)


def test_an_export_reads_a_file_still_in_parts_without_touching_the_database_meanwhile(
    api: UploadApi,
    store: S3Store,
    small_limits: None,
    session: Session,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What the reader needs from the database is read before the zip streams: on SQLite a
    transaction begun while it streamed would hold the write lock until the last byte."""
    content = pdf_bytes(11 * MiB)
    upload = session.get(Upload, verified_in_parts(api, monkeypatch, content))
    read = staged_parts.reader_for(session, store, [upload.key])
    session.commit()
    statements: list[str] = []
    engine = session.get_bind()
    listener = lambda *args, **_: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert b"".join(read(upload.key)) == content
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert statements == []


def test_a_reader_whose_file_was_joined_meanwhile_reads_the_joined_object(
    api: UploadApi,
    store: S3Store,
    small_limits: None,
    session: Session,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    content = pdf_bytes(11 * MiB)
    upload_id = verified_in_parts(api, monkeypatch, content)
    upload = session.get(Upload, upload_id)
    before_join = staged_parts.stored_file(session, upload)  # rows read, parts not yet
    session.commit()
    assert staged_parts.join_staged(db.new_session, store, upload_id, now=utcnow) is True

    assert b"".join(staged_parts.file_chunks(store, before_join)) == content
    session.refresh(upload)
    after_join = staged_parts.stored_file(session, upload)
    assert after_join.etags == {}
    assert b"".join(staged_parts.file_chunks(store, after_join)) == content
