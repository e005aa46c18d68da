"""The upload flow against moto's S3 server over HTTP, as a browser and the app reach S3.

moto enforces no presigned-POST conditions, so these tests read the policy the app signed, and
the bad-input tests (test_uploads_bad_input.py) check what the server does when it is broken.
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from flask import Flask
from PIL import Image
from sqlalchemy.orm import Session

from portfolio.models import Upload, UploadStatus, User
from portfolio.storage.s3 import S3Store
from tests.upload_helpers import MiB, UploadApi, pdf_bytes, sha256_hex, use_store


@pytest.fixture
def store(app: Flask, s3_store: S3Store) -> Iterator[S3Store]:
    with use_store(app, s3_store):
        yield s3_store


def policy_of(fields: dict[str, str]) -> dict[str, Any]:
    return dict(json.loads(base64.b64decode(fields["policy"])))


def test_presigned_post_allows_only_the_servers_key_and_exactly_the_announced_size(
    api: UploadApi, store: S3Store, candidate: User
) -> None:
    content = pdf_bytes(4096)
    before = datetime.now(UTC)
    started = api.started(content, "My résumé.pdf")

    fields = started["post"]["fields"]
    policy = policy_of(fields)
    key = fields["key"]
    assert key.startswith(f"candidates/{candidate.id}/artifacts/")
    assert "sum" not in key and "pdf" not in key  # nothing of the user's file name
    assert {"key": key} in policy["conditions"]
    assert {"bucket": store.bucket} in policy["conditions"]
    assert ["content-length-range", 4096, 4096] in policy["conditions"]
    assert not any(c[0] == "starts-with" for c in policy["conditions"] if isinstance(c, list))
    expiration = datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00"))
    assert before + timedelta(minutes=4) < expiration <= before + timedelta(minutes=5, seconds=5)
    assert started["post"]["url"].startswith("http://127.0.0.1")


def test_small_file_is_posted_straight_to_s3_and_verified(
    api: UploadApi, store: S3Store, session: Session
) -> None:
    content = pdf_bytes(10_000)
    shown = api.upload(content)
    assert shown["status"] == "verified"
    upload = session.get(Upload, shown["id"])
    assert upload is not None and upload.status == UploadStatus.VERIFIED
    assert upload.sha256 == sha256_hex(content) and upload.content_type == "application/pdf"
    info = store.stat(upload.key)
    assert info is not None and info.size == 10_000


def test_large_file_goes_in_presigned_parts_and_is_verified(
    api: UploadApi, store: S3Store, small_limits: None
) -> None:
    content = pdf_bytes(11 * MiB)
    started = api.started(content)
    assert started["part_count"] == 3
    parts = api.presign(started["upload"]["id"], [1, 2, 3]).get_json()["parts"]
    query = parse_qs(urlsplit(parts[0]["url"]).query)
    assert query["partNumber"] == ["1"] and query["X-Amz-Expires"] == ["300"]
    api.send_parts(started, content)
    shown = api.complete(started["upload"]["id"]).get_json()["upload"]
    assert shown["status"] == "verified"
    assert shown["size"] == 11 * MiB


def test_resume_on_s3_lists_parts_the_store_holds(
    api: UploadApi, store: S3Store, small_limits: None
) -> None:
    content = pdf_bytes(11 * MiB)
    started = api.started(content)
    upload_id = started["upload"]["id"]
    url = api.presign(upload_id, [2]).get_json()["parts"][0]["url"]
    assert requests.put(url, data=content[5 * MiB : 10 * MiB], timeout=30).status_code == 200

    listed = api.parts(upload_id).get_json()
    assert [(p["part_number"], p["size"]) for p in listed["parts"]] == [(2, 5 * MiB)]
    api.send_parts(started, content, skip=frozenset({2}))
    assert api.complete(upload_id).get_json()["upload"]["status"] == "verified"


def test_cancel_aborts_the_multipart_upload(
    api: UploadApi, store: S3Store, small_limits: None, s3_admin: Any
) -> None:
    content = pdf_bytes(6 * MiB)
    started = api.started(content)
    upload_id = started["upload"]["id"]
    url = api.presign(upload_id, [1]).get_json()["parts"][0]["url"]
    assert requests.put(url, data=content[: 5 * MiB], timeout=30).status_code == 200

    assert api.cancel(upload_id).get_json()["upload"]["status"] == "rejected"
    in_flight = s3_admin.list_multipart_uploads(Bucket=store.bucket).get("Uploads", [])
    assert in_flight == []


def test_download_is_a_presigned_get_with_attachment_and_verified_type(
    api: UploadApi, store: S3Store
) -> None:
    content = pdf_bytes(3000)
    shown = api.upload(content, "Évaluation finale.pdf")
    link = api.client.get(shown["urls"]["download"]).headers["Location"]
    query = parse_qs(urlsplit(link).query)
    assert query["response-content-type"] == ["application/pdf"]
    assert query["response-content-disposition"][0].startswith("attachment;")
    assert int(query["X-Amz-Expires"][0]) <= 300

    fetched = requests.get(link, timeout=30)
    assert fetched.status_code == 200 and fetched.content == content
    assert fetched.headers["Content-Type"] == "application/pdf"
    assert "filename*=UTF-8''%C3%89valuation%20finale.pdf" in fetched.headers["Content-Disposition"]


def test_image_may_be_shown_inline(api: UploadApi, store: S3Store) -> None:
    out = io.BytesIO()
    Image.new("RGB", (12, 8), "teal").save(out, "PNG")  # a whole image: its copy is made
    shown = api.upload(out.getvalue(), "photo.png")
    assert shown["content_type"] == "image/png"
    link = api.client.get(shown["urls"]["download"] + "?view=inline").headers["Location"]
    disposition = parse_qs(urlsplit(link).query)["response-content-disposition"][0]
    assert disposition.startswith("inline;")


def test_the_csp_lets_pages_reach_the_s3_endpoint_and_nothing_else(
    api: UploadApi, store: S3Store, client, moto_endpoint: str
) -> None:
    # moto is path-style over plain HTTP on a local port: the browser posts to the bucket's
    # path there, which is all the policy allows (not the endpoint's other buckets).
    started = api.started(pdf_bytes(2048), "notes.pdf")
    post_url = urlsplit(started["post"]["url"])
    assert f"{post_url.scheme}://{post_url.netloc}" == moto_endpoint
    bucket = f"{moto_endpoint}/{store.bucket}"
    assert started["post"]["url"].rstrip("/") == bucket
    csp = client.get("/").headers["Content-Security-Policy"]
    assert f"connect-src 'self' {bucket} {bucket}/;" in csp
