"""Storage going away mid-upload, expiry of pending uploads, and `flask storage reconcile`."""

from __future__ import annotations

import io
import secrets
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from portfolio.domain.uploads.filenames import make_object_key
from portfolio.models import AuditEvent, Upload, UploadStatus, User
from portfolio.models.base import utcnow
from portfolio.services.uploads.reconcile import orphan_grace_from, reconcile
from portfolio.services.uploads.verification import run_copy_key
from portfolio.storage import ObjectStore
from portfolio.storage.local import LocalStore
from portfolio.storage.s3 import S3Store
from portfolio.storage_binding import local_link
from tests.storage_fixtures import closed_port
from tests.upload_helpers import MiB, UploadApi, pdf_bytes, use_store

UNREACHABLE = (
    "File storage is not reachable right now. Nothing you saved before was lost; "
    "try this again in a minute."
)


@pytest.fixture
def s3_app_store(app: Flask, s3_store: S3Store) -> Iterator[S3Store]:
    with use_store(app, s3_store):
        yield s3_store


@pytest.fixture(params=["local", "s3"])
def any_store(request: pytest.FixtureRequest, app: Flask, tmp_path: Path) -> Iterator[ObjectStore]:
    store: ObjectStore
    if request.param == "s3":
        store = request.getfixturevalue("s3_store")
    else:
        store = LocalStore(tmp_path / "objects", app.config["SECRET_KEY"], local_link)
    with use_store(app, store):
        yield store


def unreachable(bucket: str) -> S3Store:
    """The same bucket behind a port nothing listens on: S3 has gone away."""
    return S3Store(
        bucket,
        endpoint_url=f"http://127.0.0.1:{closed_port()}",
        access_key="testing",
        secret_key="testing",
        max_attempts=1,
        connect_timeout=1,
    )


def events(session: Session, upload_id: int) -> list[str]:
    query = select(AuditEvent.action).where(
        AuditEvent.object_type == "upload", AuditEvent.object_id == str(upload_id)
    )
    return list(session.scalars(query))


def put(store: ObjectStore, key: str, content: bytes) -> None:
    if isinstance(store, S3Store):
        store.client.put_object(Bucket=store.bucket, Key=key, Body=content)
    else:
        assert isinstance(store, LocalStore)
        store.write_upload(key, io.BytesIO(content), len(content))


def test_storage_gone_during_the_check_shows_why_and_records_nothing(
    app: Flask, api: UploadApi, s3_app_store: S3Store, session: Session
) -> None:
    content = pdf_bytes(3000)
    started = api.started(content)
    api.send(started, content)
    upload_id = started["upload"]["id"]

    with use_store(app, unreachable(s3_app_store.bucket)):
        assert api.ask_check(upload_id).status_code == 202
        reply = api.complete(upload_id)  # asked again while the store is still gone

    assert reply.status_code == 200
    assert reply.get_json()["upload"]["status"] == "check_failed"
    assert "could not be checked just now" in reply.get_json()["upload"]["reason"]
    session.expire_all()
    upload = session.get(Upload, upload_id)
    assert upload is not None and upload.status == UploadStatus.PENDING
    assert upload.verified_at is None and upload.rejection_reason == ""
    assert events(session, upload_id) == ["upload.started"]
    # Back again: the same request now goes through.
    assert api.complete(upload_id).get_json()["upload"]["status"] == "verified"


def parts_sent(api: UploadApi) -> int:
    """A multipart upload whose parts have all arrived, not yet completed; its id."""
    content = pdf_bytes(6 * MiB)
    started = api.started(content)
    api.send_parts(started, content)
    return int(started["upload"]["id"])


def test_storage_gone_mid_multipart_keeps_the_row_pending_then_reconcile_cleans_up(
    app: Flask,
    api: UploadApi,
    s3_app_store: S3Store,
    session: Session,
    small_limits: None,
    s3_admin: Any,
) -> None:
    upload_id = parts_sent(api)

    with use_store(app, unreachable(s3_app_store.bucket)):
        assert api.parts(upload_id).status_code == 503
        assert api.parts(upload_id).get_json()["message"] == UNREACHABLE
        reply = api.complete(upload_id)
        assert reply.get_json()["upload"]["status"] == "check_failed"

    session.expire_all()
    upload = session.get(Upload, upload_id)
    assert upload is not None and upload.status == UploadStatus.PENDING
    # The candidate never came back; a day later reconcile drops the upload and its parts.
    upload.expires_at = utcnow() - timedelta(minutes=1)
    session.flush()
    result = app.test_cli_runner().invoke(args=["storage", "reconcile", "--apply"])
    assert result.exit_code == 0, result.output
    assert f"pending upload {upload_id} past its expiry (expired)" in result.output
    session.expire_all()
    assert session.get(Upload, upload_id).status == UploadStatus.REJECTED
    assert s3_admin.list_multipart_uploads(Bucket=s3_app_store.bucket).get("Uploads", []) == []


def test_cancelling_while_storage_is_gone_works_and_reconcile_drops_the_parts_later(
    app: Flask,
    api: UploadApi,
    s3_app_store: S3Store,
    session: Session,
    small_limits: None,
    s3_admin: Any,
) -> None:
    upload_id = parts_sent(api)

    with use_store(app, unreachable(s3_app_store.bucket)):
        reply = api.cancel(upload_id)
    # The row stops naming the parts at once; the store drops them once it can.
    assert reply.status_code == 200
    assert reply.get_json()["upload"]["status"] == "rejected"
    waiting = s3_admin.list_multipart_uploads(Bucket=s3_app_store.bucket).get("Uploads", [])
    assert [(u["Key"], u["UploadId"]) for u in waiting] == [
        (session.get(Upload, upload_id).key, session.get(Upload, upload_id).multipart_upload_id)
    ]

    result = app.test_cli_runner().invoke(args=["storage", "reconcile", "--apply"])
    assert result.exit_code == 0, result.output
    assert "unfinished multipart upload no row waits for (aborted)" in result.output
    assert s3_admin.list_multipart_uploads(Bucket=s3_app_store.bucket).get("Uploads", []) == []


def test_storage_gone_when_starting_multipart_leaves_no_row(
    app: Flask, api: UploadApi, s3_store: S3Store, session: Session, small_limits: None
) -> None:
    before = session.scalars(select(Upload.id)).all()
    with use_store(app, unreachable(s3_store.bucket)):
        reply = api.begin(pdf_bytes(6 * MiB))
    assert reply.status_code == 503
    assert reply.get_json()["message"] == UNREACHABLE
    session.expire_all()
    assert session.scalars(select(Upload.id)).all() == before


def test_reconcile_cli_says_so_when_storage_is_gone(app: Flask, s3_store: S3Store) -> None:
    with use_store(app, unreachable(s3_store.bucket)):
        result = app.test_cli_runner().invoke(args=["storage", "reconcile"])
    assert result.exit_code == 1
    assert UNREACHABLE in result.output


def make_upload(
    session: Session,
    owner: User,
    status: UploadStatus,
    *,
    size: int = 100,
    expires_in: timedelta = timedelta(days=1),
) -> Upload:
    upload = Upload(
        owner_id=owner.id,
        key=make_object_key(owner.id),
        original_name="evidence.pdf",
        declared_size=size,
        declared_sha256=secrets.token_hex(32),
        status=status,
        expires_at=utcnow() + expires_in,
        size=size if status == UploadStatus.VERIFIED else None,
    )
    session.add(upload)
    session.flush()
    return upload


@pytest.fixture
def mess(session: Session, candidate: User, any_store: ObjectStore) -> dict[str, Any]:
    """One of everything reconcile must notice, and two things it must leave alone."""
    made: dict[str, Any] = {}
    made["fine"] = make_upload(session, candidate, UploadStatus.VERIFIED)
    put(any_store, made["fine"].key, b"x" * 100)
    made["in_flight"] = make_upload(session, candidate, UploadStatus.PENDING)
    put(any_store, made["in_flight"].key, b"x" * 100)
    made["missing"] = make_upload(session, candidate, UploadStatus.VERIFIED)
    made["changed"] = make_upload(session, candidate, UploadStatus.VERIFIED)
    put(any_store, made["changed"].key, b"x" * 99)
    made["expired"] = make_upload(
        session, candidate, UploadStatus.PENDING, expires_in=-timedelta(hours=1)
    )
    put(any_store, made["expired"].key, b"x" * 100)
    made["leftover"] = make_upload(session, candidate, UploadStatus.REJECTED)
    put(any_store, made["leftover"].key, b"x" * 100)
    made["orphan"] = make_object_key(candidate.id)
    put(any_store, made["orphan"], b"x" * 2048)
    made["not_ours"] = "backups/db.dump"
    put(any_store, made["not_ours"], b"x" * 10)
    return made


@pytest.fixture
def run(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    # The mess is written moments ago: no grace, so its orphan counts at once (the grace has a
    # test of its own below).
    monkeypatch.setitem(app.config, "RECONCILE_ORPHAN_GRACE_SECONDS", 0)
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=["storage", *args])


def keys(store: ObjectStore) -> set[str]:
    return {info.key for info in store.list_keys()}


def test_reconcile_dry_run_lists_everything_and_changes_nothing(
    run: Callable[..., Result], mess: dict[str, Any], any_store: ObjectStore, session: Session
) -> None:
    before = keys(any_store)
    result = run("reconcile")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert f"orphan object (would delete): {mess['orphan']} (2 KB)" in lines
    leftover = mess["leftover"]
    assert f"object of rejected upload {leftover.id} (would delete): {leftover.key}" in lines
    expired = mess["expired"]
    assert f"pending upload {expired.id} past its expiry (would expire): {expired.key}" in lines
    missing, changed = mess["missing"], mess["changed"]
    assert f"upload {missing.id}: object missing (would mark broken): {missing.key}" in lines
    changed_line = "object changed size (would delete, would mark broken)"
    assert f"upload {changed.id}: {changed_line}: {changed.key}" in lines
    assert lines[-1] == (
        "Dry run: 1 orphan object(s), 1 leftover object(s), 1 expired pending upload(s), "
        "1 missing and 1 changed object(s), 0 abandoned multipart upload(s). "
        "Run with --apply to fix."
    )
    assert not any(mess["not_ours"] in line or mess["fine"].key in line for line in lines)
    assert keys(any_store) == before
    session.expire_all()
    assert session.get(Upload, missing.id).status == UploadStatus.VERIFIED
    assert session.get(Upload, expired.id).status == UploadStatus.PENDING


def test_reconcile_apply_cleans_up_then_finds_nothing(
    run: Callable[..., Result], mess: dict[str, Any], any_store: ObjectStore, session: Session
) -> None:
    result = run("reconcile", "--apply")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1].startswith("Applied: 1 orphan object(s)")

    assert keys(any_store) == {mess["fine"].key, mess["in_flight"].key, mess["not_ours"]}
    session.expire_all()
    status = {
        name: session.get(Upload, mess[name].id).status
        for name in ("fine", "in_flight", "missing", "changed", "expired", "leftover")
    }
    assert status == {
        "fine": UploadStatus.VERIFIED,
        "in_flight": UploadStatus.PENDING,
        "missing": UploadStatus.BROKEN,
        "changed": UploadStatus.BROKEN,
        "expired": UploadStatus.REJECTED,
        "leftover": UploadStatus.REJECTED,
    }
    assert "upload.broken" in events(session, mess["missing"].id)
    assert "upload.expired" in events(session, mess["expired"].id)
    orphan_events = session.scalars(
        select(AuditEvent.details).where(AuditEvent.action == "storage.orphan_deleted")
    ).all()
    assert {"key": mess["orphan"], "size": 2048} in orphan_events

    again = run("reconcile")
    assert again.output.strip() == "Storage and database agree: nothing to do."


def test_expire_pending_drops_only_uploads_past_their_time(
    run: Callable[..., Result],
    session: Session,
    candidate: User,
    any_store: ObjectStore,
) -> None:
    late = make_upload(session, candidate, UploadStatus.PENDING, expires_in=-timedelta(seconds=1))
    put(any_store, late.key, b"x" * 100)
    on_time = make_upload(session, candidate, UploadStatus.PENDING)
    result = run("expire-pending")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Expired 1 pending upload(s)."
    session.expire_all()
    assert late.status == UploadStatus.REJECTED
    assert late.rejection_reason == "The upload was not finished within a day, so it was dropped."
    assert on_time.status == UploadStatus.PENDING
    assert any_store.stat(late.key) is None
    assert events(session, late.id) == ["upload.expired"]


def test_an_expired_upload_cannot_be_completed(
    api: UploadApi, session: Session, any_store: ObjectStore
) -> None:
    content = pdf_bytes(500)
    started = api.started(content)
    api.send(started, content)
    upload = session.get(Upload, started["upload"]["id"])
    assert upload is not None
    upload.expires_at = utcnow() - timedelta(seconds=1)
    session.flush()
    shown = api.complete(upload.id).get_json()["upload"]
    assert shown["status"] == "rejected"
    assert shown["reason"] == "This upload was not finished in time. Upload the file again."
    assert any_store.stat(upload.key) is None


def test_a_multipart_upload_started_moments_ago_is_not_taken_for_abandoned(
    app: Flask, session: Session, tmp_path: Path
) -> None:
    # begin_upload starts the multipart upload before its row commits: reconcile must wait.
    store = LocalStore(tmp_path / "objects", app.config["SECRET_KEY"], local_link)
    key = make_object_key(1)
    upload_id = store.create_multipart(key, "application/octet-stream")
    assert reconcile(session, store, utcnow()).abandoned == []
    an_hour_later = utcnow() + timedelta(hours=1, minutes=1)
    assert reconcile(session, store, an_hour_later).abandoned == [(key, upload_id)]


def test_reconcile_never_deletes_what_a_pending_upload_being_checked_may_still_claim(
    session: Session, candidate: User, any_store: ObjectStore
) -> None:
    """The original, and the copy the run holding the check is sealing, stay; once that run let
    go of the check, its copy (a key no row can come to name) is an orphan."""
    upload = make_upload(session, candidate, UploadStatus.PENDING)
    upload.sealed_key = make_object_key(candidate.id)
    upload.check_requested_at = utcnow()
    upload.check_token, upload.check_claimed_until = "a-run", utcnow() + timedelta(minutes=5)
    session.commit()
    copy = run_copy_key(upload.sealed_key, "a-run")
    put(any_store, upload.key, b"x" * 100)
    put(any_store, copy, b"x" * 100)

    report = reconcile(session, any_store, utcnow(), apply=True)
    session.commit()

    assert report.orphans == [] and report.expired == []
    assert {upload.key, copy} <= keys(any_store)
    upload.check_token = upload.check_claimed_until = None  # the run let go of the check
    session.commit()
    assert [info.key for info in reconcile(session, any_store, utcnow()).orphans] == [copy]


def test_an_object_written_moments_ago_waits_out_the_grace_before_it_is_an_orphan(
    app: Flask, session: Session, candidate: User, any_store: ObjectStore
) -> None:
    """A request may write objects for rows it has not committed yet (a portfolio import
    posted as a form): the nightly reconcile leaves young objects alone, then deletes them."""
    young = make_object_key(candidate.id)
    put(any_store, young, b"x" * 10)
    grace = orphan_grace_from(app.config)
    assert grace == timedelta(minutes=15)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["storage", "reconcile", "--apply"])
    assert result.exit_code == 0, result.output
    assert any_store.stat(young) is not None
    later = utcnow() + grace + timedelta(seconds=5)
    assert [o.key for o in reconcile(session, any_store, later, orphan_grace=grace).orphans] == [
        young
    ]
