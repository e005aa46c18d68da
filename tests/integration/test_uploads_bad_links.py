"""Keys the client may not choose, links that were tampered with or expired, others' uploads."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from portfolio.models import Upload, User
from portfolio.models.base import utcnow
from portfolio.services.uploads.reconcile import reconcile
from portfolio.storage.local import LocalStore
from portfolio.storage.s3 import S3Store
from portfolio.storage_binding import local_link
from tests.helpers import login_as
from tests.storage_fixtures import Clock
from tests.upload_helpers import MiB, UploadApi, pdf_bytes, use_store


@pytest.fixture
def store(app: Flask, tmp_path: Path, clock: Clock) -> Iterator[LocalStore]:
    local = LocalStore(tmp_path / "objects", app.config["SECRET_KEY"], local_link, clock=clock)
    with use_store(app, local):
        yield local


def test_a_key_sent_by_the_client_is_ignored(
    api: UploadApi, store: LocalStore, session: Session, candidate: User, other_candidate: User
) -> None:
    foreign = f"candidates/{other_candidate.id}/artifacts/{'0' * 32}"
    started = api.started(pdf_bytes(100), key=foreign, prefix="candidates/")
    upload = session.get(Upload, started["upload"]["id"])
    assert upload is not None
    assert upload.key != foreign and upload.key.startswith(f"candidates/{candidate.id}/")
    assert "key" not in started["upload"]  # the API never even shows the key


def test_a_key_field_in_the_local_form_post_is_ignored(
    api: UploadApi, store: LocalStore, session: Session, other_candidate: User
) -> None:
    content = pdf_bytes(100)
    started = api.started(content)
    foreign = f"candidates/{other_candidate.id}/artifacts/{'0' * 32}"
    data: dict[str, object] = {**started["post"]["fields"], "key": foreign}
    data["file"] = (io.BytesIO(content), "x.pdf")
    assert api.client.post(started["post"]["url"], data=data).status_code == 204
    assert store.stat(foreign) is None
    assert [info.key for info in store.list_keys()] == [
        session.get(Upload, started["upload"]["id"]).key
    ]


def test_a_tampered_local_token_is_refused(api: UploadApi, store: LocalStore) -> None:
    content = pdf_bytes(100)
    started = api.started(content)
    url = started["post"]["url"]
    payload, _, signature = url.rpartition(".")
    forged = payload + "." + ("A" if signature[0] != "A" else "B") + signature[1:]
    data: dict[str, object] = {"file": (io.BytesIO(content), "x.pdf")}
    reply = api.client.post(forged, data=data)
    assert reply.status_code == 403
    assert list(store.list_keys()) == []


def test_a_local_token_for_another_purpose_is_refused(api: UploadApi, store: LocalStore) -> None:
    shown = api.upload(pdf_bytes(100))
    download = api.client.get(shown["urls"]["download"]).headers["Location"]
    token = download.rsplit("/", 1)[1]  # a download link's token names a key too
    data: dict[str, object] = {"file": (io.BytesIO(pdf_bytes(100)), "x.pdf")}
    assert api.client.post(f"/files/upload/{token}", data=data).status_code == 403
    assert api.client.put(f"/files/part/{token}", data=b"x" * 100).status_code == 403


def test_local_post_link_used_after_expiry_is_refused(
    api: UploadApi, store: LocalStore, clock: Clock
) -> None:
    content = pdf_bytes(100)
    started = api.started(content)
    clock.advance(301)
    data: dict[str, object] = {**started["post"]["fields"], "file": (io.BytesIO(content), "x")}
    reply = api.client.post(started["post"]["url"], data=data)
    assert reply.status_code == 403
    assert "This link has expired" in reply.get_data(as_text=True)
    assert list(store.list_keys()) == []


def test_local_part_link_used_after_expiry_is_refused(
    api: UploadApi, store: LocalStore, clock: Clock, small_limits: None
) -> None:
    content = pdf_bytes(6 * MiB)
    started = api.started(content)
    url = api.presign(started["upload"]["id"], [1]).get_json()["parts"][0]["url"]
    clock.advance(301)
    assert api.client.put(url, data=content[: 5 * MiB]).status_code == 403
    assert api.parts(started["upload"]["id"]).get_json()["parts"] == []


def test_local_post_beyond_the_tokens_limit_is_refused_and_nothing_kept(
    api: UploadApi, store: LocalStore
) -> None:
    started = api.started(pdf_bytes(1000))
    data: dict[str, object] = {
        **started["post"]["fields"],
        "file": (io.BytesIO(pdf_bytes(1001)), "x.pdf"),
    }
    reply = api.client.post(started["post"]["url"], data=data)
    assert reply.status_code == 413
    assert list(store.list_keys()) == []


@pytest.fixture
def s3_app_store(app: Flask, s3_store: S3Store) -> Iterator[S3Store]:
    with use_store(app, s3_store):
        yield s3_store


def test_s3_post_to_another_key_lands_nowhere_the_app_looks(
    api: UploadApi, s3_app_store: S3Store, session: Session, other_candidate: User
) -> None:
    """moto accepts a form whose key breaks the policy; the app still only reads its own key."""
    s3_store = s3_app_store
    content = pdf_bytes(500)
    started = api.started(content)
    foreign = f"candidates/{other_candidate.id}/artifacts/{'f' * 32}"
    fields = {**started["post"]["fields"], "key": foreign}
    reply = requests.post(
        started["post"]["url"], data=fields, files={"file": ("x", content)}, timeout=30
    )
    assert reply.status_code == 204
    shown = api.complete(started["upload"]["id"]).get_json()["upload"]
    assert shown["status"] == "rejected"
    assert shown["reason"] == "The file never arrived in storage. Upload the file again."
    report = reconcile(session, s3_store, utcnow())
    assert [info.key for info in report.orphans] == [foreign]


def test_s3_part_links_expire_after_five_minutes(
    api: UploadApi, s3_app_store: S3Store, small_limits: None
) -> None:
    started = api.started(pdf_bytes(6 * MiB))
    urls = api.presign(started["upload"]["id"], [1, 2]).get_json()["parts"]
    assert all("X-Amz-Expires=300" in item["url"] for item in urls)


def test_another_candidates_upload_is_not_found_anywhere(
    client: FlaskClient, api: UploadApi, store: LocalStore, other_candidate: User
) -> None:
    shown = api.upload(pdf_bytes(100))
    pending = api.started(pdf_bytes(100))["upload"]["id"]
    login_as(client, other_candidate)
    intruder = UploadApi(client)
    for upload_id in (shown["id"], pending):
        assert client.get(f"/api/uploads/{upload_id}").status_code == 404
        assert client.get(f"/api/uploads/{upload_id}/parts").status_code == 404
        assert intruder.presign(upload_id, [1]).status_code == 404
        assert intruder.complete(upload_id).status_code == 404
        assert intruder.cancel(upload_id).status_code == 404
        assert client.get(f"/files/{upload_id}").status_code == 404
    reply = client.get(f"/api/uploads/{pending}")
    assert reply.get_json() == {"error": "Not found", "message": "We could not find that page."}


def test_a_missing_upload_id_is_not_found(api: UploadApi, store: LocalStore) -> None:
    assert api.client.get("/api/uploads/999999").status_code == 404
    assert api.complete(999999).status_code == 404
    assert api.client.get("/api/uploads/not-a-number").status_code == 404


def test_part_numbers_outside_the_plan_are_refused(
    api: UploadApi, store: LocalStore, small_limits: None
) -> None:
    started = api.started(pdf_bytes(6 * MiB))
    upload_id = started["upload"]["id"]
    for bad in ([0], [3], [1, "2"], [], "1", [True], list(range(1, 100))):
        reply = api.presign(upload_id, bad)
        assert reply.status_code == 422, bad
        assert reply.get_json()["field"] == "parts"


def test_parts_for_a_single_post_upload_are_refused(api: UploadApi, store: LocalStore) -> None:
    started = api.started(pdf_bytes(100))
    reply = api.presign(started["upload"]["id"], [1])
    assert reply.status_code == 409


def test_a_finished_upload_takes_no_more_parts(
    api: UploadApi, store: LocalStore, small_limits: None
) -> None:
    content = pdf_bytes(6 * MiB)
    started = api.started(content)
    api.send_parts(started, content)
    api.complete(started["upload"]["id"])
    assert api.presign(started["upload"]["id"], [1]).status_code == 409
    assert api.parts(started["upload"]["id"]).status_code == 409


def test_body_that_is_not_a_json_object_is_refused(api: UploadApi, store: LocalStore) -> None:
    for body in ("[1, 2]", "not json", '"text"'):
        reply = api.client.post(
            "/api/uploads", data=body, content_type="application/json", headers=api.headers
        )
        assert reply.status_code == 400
        assert reply.get_json()["message"] == "Send a JSON object."


def test_api_call_without_the_csrf_header_is_refused(api: UploadApi, store: LocalStore) -> None:
    reply = api.client.post("/api/uploads", json={"filename": "a.pdf"})
    assert reply.status_code == 400
    assert "not sent from this site" in reply.get_json()["message"]


def test_more_than_two_gigabytes_is_refused_up_front(api: UploadApi, store: LocalStore) -> None:
    reply = api.begin(pdf_bytes(100), size=2 * 1024**3 + 1)
    assert reply.status_code == 413
    assert "files can be at most 2 GB" in reply.get_json()["message"]
    assert list(store.list_keys()) == []


def test_too_many_uploads_in_flight_are_refused(
    api: UploadApi, store: LocalStore, monkeypatch: pytest.MonkeyPatch, app: Flask
) -> None:
    monkeypatch.setitem(app.config, "UPLOAD_MAX_PENDING", 2)
    api.started(pdf_bytes(100))
    api.started(pdf_bytes(100))
    reply: Any = api.begin(pdf_bytes(100))
    assert reply.status_code == 409
    assert "2 uploads in progress" in reply.get_json()["message"]
