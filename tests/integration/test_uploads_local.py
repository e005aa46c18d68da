"""The upload flow on the local backend: the app's own routes stand in for S3's links."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from portfolio.models import AuditEvent, Upload, UploadStatus
from portfolio.storage import ObjectStore
from portfolio.storage.local import LocalStore
from portfolio.storage_binding import local_link
from tests.storage_fixtures import Clock
from tests.upload_helpers import MiB, UploadApi, pdf_bytes, sha256_hex, use_store


@pytest.fixture
def store(app: Flask, tmp_path: Path, clock: Clock) -> Iterator[ObjectStore]:
    """A fresh local store with a clock the test moves, signing with the app's secret."""
    local = LocalStore(tmp_path / "objects", app.config["SECRET_KEY"], local_link, clock=clock)
    with use_store(app, local):
        yield local


def test_small_file_goes_by_one_post_and_is_verified(
    api: UploadApi, store: LocalStore, session: Session
) -> None:
    content = pdf_bytes(5000)
    started = api.started(content, "Annual report.pdf")
    assert "post" in started and "part_size" not in started
    assert started["upload"]["status"] == "pending"

    api.send(started, content)
    reply = api.complete(started["upload"]["id"])

    assert reply.status_code == 200
    shown = reply.get_json()["upload"]
    assert shown["status"] == "verified"
    assert shown["content_type"] == "application/pdf"
    assert shown["sha256"] == sha256_hex(content)
    assert shown["name"] == "Annual report.pdf"
    upload = session.get(Upload, shown["id"])
    assert upload is not None and upload.status == UploadStatus.VERIFIED
    assert upload.size == 5000 and upload.verified_at is not None
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.object_id == str(upload.id))
    ).all()
    assert {"upload.started", "upload.verified"} <= set(actions)


def test_the_post_route_is_not_held_to_max_content_length(
    app: Flask, api: UploadApi, store: LocalStore
) -> None:
    content = pdf_bytes(app.config["MAX_CONTENT_LENGTH"] + 1 * MiB)
    assert api.upload(content)["status"] == "verified"


def test_large_file_goes_in_parts_and_is_verified(
    api: UploadApi, store: LocalStore, small_limits: None
) -> None:
    content = pdf_bytes(11 * MiB)
    started = api.started(content)
    assert "post" not in started
    assert (started["part_size"], started["part_count"]) == (5 * MiB, 3)
    api.send_parts(started, content)
    reply = api.complete(started["upload"]["id"])
    assert reply.get_json()["upload"]["status"] == "verified"
    assert reply.get_json()["upload"]["sha256"] == sha256_hex(content)


def test_part_route_answers_an_etag(api: UploadApi, store: LocalStore, small_limits: None) -> None:
    content = pdf_bytes(6 * MiB)
    started = api.started(content)
    url = api.presign(started["upload"]["id"], [1]).get_json()["parts"][0]["url"]
    reply = api.client.put(url, data=content[: 5 * MiB])
    assert reply.status_code == 200
    assert reply.headers["ETag"].strip('"') and len(reply.headers["ETag"]) == 34


def test_resume_lists_received_parts_and_sends_only_the_rest(
    api: UploadApi, store: LocalStore, small_limits: None
) -> None:
    content = pdf_bytes(11 * MiB)
    started = api.started(content)
    upload_id = started["upload"]["id"]
    first = api.presign(upload_id, [1]).get_json()["parts"][0]["url"]
    assert api.put_part(first, content[: 5 * MiB]) == 200
    # The connection drops here; the widget asks what arrived before going on.

    listed = api.parts(upload_id).get_json()
    assert [p["part_number"] for p in listed["parts"]] == [1]
    assert listed["parts"][0]["size"] == 5 * MiB
    api.send_parts(started, content, skip=frozenset({1}))
    assert api.complete(upload_id).get_json()["upload"]["status"] == "verified"


def test_cancel_drops_the_parts_and_marks_the_upload(
    api: UploadApi, store: LocalStore, small_limits: None, session: Session
) -> None:
    content = pdf_bytes(6 * MiB)
    started = api.started(content)
    upload_id = started["upload"]["id"]
    url = api.presign(upload_id, [1]).get_json()["parts"][0]["url"]
    assert api.put_part(url, content[: 5 * MiB]) == 200

    reply = api.cancel(upload_id)

    assert reply.status_code == 200
    assert reply.get_json()["upload"]["status"] == "rejected"
    assert reply.get_json()["upload"]["reason"] == "You cancelled this upload."
    assert not list((store.root / ".uploads").iterdir())
    assert api.put_part(url, content[: 5 * MiB]) == 404  # the multipart upload is gone
    assert api.cancel(upload_id).status_code == 409


def test_cancel_after_a_post_deletes_the_object(api: UploadApi, store: LocalStore) -> None:
    content = pdf_bytes(3000)
    started = api.started(content)
    api.send(started, content)
    assert len(list(store.list_keys())) == 1
    assert api.cancel(started["upload"]["id"]).status_code == 200
    assert list(store.list_keys()) == []


def test_completing_twice_answers_the_same_result(api: UploadApi, store: LocalStore) -> None:
    content = pdf_bytes(3000)
    started = api.started(content)
    api.send(started, content)
    first = api.complete(started["upload"]["id"]).get_json()
    second = api.complete(started["upload"]["id"])
    assert second.status_code == 200
    assert second.get_json() == first


def test_download_redirects_to_a_signed_link_with_the_original_name(
    api: UploadApi, store: LocalStore
) -> None:
    content = pdf_bytes(3000)
    shown = api.upload(content, "Café notes.pdf")

    reply = api.client.get(shown["urls"]["download"])
    assert reply.status_code == 303
    assert reply.headers["Cache-Control"] == "no-store"
    link = reply.headers["Location"]
    assert link.startswith("/files/download/")

    fetched = api.client.get(link)
    assert fetched.status_code == 200
    assert fetched.data == content
    assert fetched.mimetype == "application/pdf"
    disposition = fetched.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''Caf%C3%A9%20notes.pdf" in disposition


def test_pdf_may_be_viewed_inline(api: UploadApi, store: LocalStore) -> None:
    shown = api.upload(pdf_bytes(3000))
    link = api.client.get(shown["urls"]["download"] + "?view=inline").headers["Location"]
    assert api.client.get(link).headers["Content-Disposition"].startswith("inline;")


def test_text_file_is_never_inline(api: UploadApi, store: LocalStore) -> None:
    shown = api.upload(b"plain notes about the reference desk\n", "notes.txt")
    assert shown["content_type"] == "text/plain"
    link = api.client.get(shown["urls"]["download"] + "?view=inline").headers["Location"]
    assert api.client.get(link).headers["Content-Disposition"].startswith("attachment;")


def test_download_link_expires(api: UploadApi, store: LocalStore, clock: Clock) -> None:
    shown = api.upload(pdf_bytes(3000))
    link = api.client.get(shown["urls"]["download"]).headers["Location"]
    clock.advance(301)
    reply = api.client.get(link)
    assert reply.status_code == 403
    assert "expired" in reply.get_data(as_text=True)


def test_pending_upload_cannot_be_downloaded(api: UploadApi, store: LocalStore) -> None:
    content = pdf_bytes(3000)
    started = api.started(content)
    api.send(started, content)
    assert api.client.get(f"/files/{started['upload']['id']}").status_code == 404


def test_signed_out_person_cannot_use_the_api(client, store: LocalStore) -> None:
    reply = client.post("/api/uploads", json={})
    assert reply.status_code in (400, 401)  # CSRF refuses first; without it sign-in would
    assert client.get("/api/uploads/1").status_code == 401
