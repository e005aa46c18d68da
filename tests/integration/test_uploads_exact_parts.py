"""Every upload link takes exactly its planned bytes, and unfinished uploads hold bounded space.

What the app signs (S3: Content-Length inside the SigV4 signature of each part URL, checked
here by recomputing the signature; local: the exact size in the token, enforced by the part
route), what it does when a wrong-sized part reaches a store that does not enforce the
signature (moto accepts it), and the per-person quota of announced pending bytes.
"""

from __future__ import annotations

import hashlib
import hmac
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
import requests
from flask import Flask
from sqlalchemy.orm import Session

from portfolio.models import Upload, UploadStatus
from portfolio.storage.local import LocalStore
from portfolio.storage.s3 import S3Store
from portfolio.storage_binding import local_link
from tests.storage_fixtures import Clock
from tests.upload_helpers import MiB, UploadApi, pdf_bytes, use_store

SECRET_ACCESS_KEY = "testing"  # the moto fixtures' credentials


@pytest.fixture
def s3(app: Flask, s3_store: S3Store) -> Iterator[S3Store]:
    with use_store(app, s3_store):
        yield s3_store


@pytest.fixture
def local(app: Flask, tmp_path: Path, clock: Clock) -> Iterator[LocalStore]:
    store = LocalStore(tmp_path / "objects", app.config["SECRET_KEY"], local_link, clock=clock)
    with use_store(app, store):
        yield store


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def signature_holds(url: str, content_length: int) -> bool:
    """Whether a presigned PUT `url` is valid for a body of `content_length` bytes: the SigV4
    query signature recomputed as S3 does (AWS SigV4 documentation, "query string auth")."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    params = dict(query)
    signed = params["X-Amz-SignedHeaders"].split(";")
    headers = {"host": parts.netloc, "content-length": str(content_length)}
    canonical_query = "&".join(
        f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}"
        for k, v in sorted(query)
        if k != "X-Amz-Signature"
    )
    canonical_request = "\n".join(
        [
            "PUT",
            parts.path,
            canonical_query,
            "".join(f"{name}:{headers[name]}\n" for name in signed),
            ";".join(signed),
            "UNSIGNED-PAYLOAD",
        ]
    )
    _access_key, date, region, service, _terminator = params["X-Amz-Credential"].split("/")
    scope = f"{date}/{region}/{service}/aws4_request"
    to_sign = "\n".join(
        [
            "AWS4-HMAC-SHA256",
            params["X-Amz-Date"],
            scope,
            hashlib.sha256(canonical_request.encode()).hexdigest(),
        ]
    )
    key = _hmac(f"AWS4{SECRET_ACCESS_KEY}".encode(), date)
    for step in (region, service, "aws4_request"):
        key = _hmac(key, step)
    return hmac.compare_digest(
        hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest(), params["X-Amz-Signature"]
    )


def test_each_s3_part_url_is_signed_for_exactly_its_planned_length(
    api: UploadApi, s3: S3Store, small_limits: None
) -> None:
    content = pdf_bytes(11 * MiB)  # planned as 5 MiB, 5 MiB and 1 MiB
    started = api.started(content)
    urls = api.presign(started["upload"]["id"], [1, 2, 3]).get_json()["parts"]

    planned = {1: 5 * MiB, 2: 5 * MiB, 3: 1 * MiB}
    for item in urls:
        query = dict(parse_qsl(urlsplit(item["url"]).query))
        assert "content-length" in query["X-Amz-SignedHeaders"].split(";")
        size = planned[item["part_number"]]
        assert signature_holds(item["url"], size)
        assert not signature_holds(item["url"], size - 1)
        assert not signature_holds(item["url"], size + 1)


def test_a_wrong_sized_part_that_reached_s3_is_refused_at_completion(
    api: UploadApi, s3: S3Store, small_limits: None, s3_admin: Any, session: Session
) -> None:
    """moto ignores the signed length. The parts below even add up to the announced file, in
    order, with its checksum: only the check of each part against the plan refuses them."""
    content = pdf_bytes(11 * MiB)
    started = api.started(content)
    upload_id = started["upload"]["id"]
    urls = {
        item["part_number"]: item["url"]
        for item in api.presign(upload_id, [1, 2, 3]).get_json()["parts"]
    }
    cut = 5 * MiB + 1  # one byte too many in part 1, one too few in part 2
    for number, body in (
        (1, content[:cut]),
        (2, content[cut : 10 * MiB]),
        (3, content[10 * MiB :]),
    ):
        assert requests.put(urls[number], data=body, timeout=30).status_code == 200

    shown = api.complete(upload_id).get_json()["upload"]

    assert shown["status"] == "rejected"
    assert shown["reason"] == (
        "Part 1 of the file has 5,242,881 bytes, not the 5,242,880 planned. "
        "It was cut off or changed on the way. Upload the file again."
    )
    upload = session.get(Upload, upload_id)
    assert upload is not None and upload.status == UploadStatus.REJECTED
    assert upload.verified_at is None and upload.sha256 is None
    assert s3.stat(upload.key) is None
    assert s3_admin.list_multipart_uploads(Bucket=s3.bucket).get("Uploads", []) == []


def test_an_oversized_last_part_on_s3_is_refused(
    api: UploadApi, s3: S3Store, small_limits: None
) -> None:
    content = pdf_bytes(11 * MiB)
    started = api.started(content)
    upload_id = started["upload"]["id"]
    api.send_parts(started, content, skip=frozenset({3}))
    url = api.presign(upload_id, [3]).get_json()["parts"][0]["url"]
    assert requests.put(url, data=content[10 * MiB :] + bytes(MiB), timeout=30).status_code == 200

    shown = api.complete(upload_id).get_json()["upload"]

    assert shown["status"] == "rejected"
    assert shown["reason"].startswith("Part 3 of the file has 2,097,152 bytes, not the 1,048,576")


def test_each_local_part_token_carries_its_planned_size(
    api: UploadApi, local: LocalStore, small_limits: None
) -> None:
    started = api.started(pdf_bytes(11 * MiB))
    urls = api.presign(started["upload"]["id"], [1, 2, 3]).get_json()["parts"]

    sizes = {
        item["part_number"]: local.verify_token(item["url"].rsplit("/", 1)[1], "part").size
        for item in urls
    }
    assert sizes == {1: 5 * MiB, 2: 5 * MiB, 3: 1 * MiB}


@pytest.mark.parametrize("number", [1, 3])
def test_the_local_part_route_refuses_a_byte_short_or_a_byte_long(
    api: UploadApi, local: LocalStore, small_limits: None, number: int
) -> None:
    content = pdf_bytes(11 * MiB)
    started = api.started(content)
    upload_id = started["upload"]["id"]
    url = api.presign(upload_id, [number]).get_json()["parts"][0]["url"]
    part = content[(number - 1) * 5 * MiB : number * 5 * MiB]

    short = api.client.put(url, data=part[:-1])
    long = api.client.put(url, data=part + b"x")

    assert short.status_code == 422
    assert (
        f"This part must be exactly {len(part):,} bytes, not {len(part) - 1:,}; nothing was saved."
    ) in short.get_data(as_text=True)
    assert long.status_code == 413
    assert api.parts(upload_id).get_json()["parts"] == []
    assert api.client.put(url, data=part).status_code == 200
    listed = api.parts(upload_id).get_json()["parts"]
    assert listed == [{"part_number": number, "size": len(part)}]


def test_the_local_part_route_counts_the_bytes_when_no_length_is_declared(
    api: UploadApi, local: LocalStore, small_limits: None
) -> None:
    """A chunked body declares no Content-Length: the bytes themselves are counted."""
    content = pdf_bytes(6 * MiB)
    started = api.started(content)
    upload_id = started["upload"]["id"]
    url = api.presign(upload_id, [2]).get_json()["parts"][0]["url"]  # the last: 1 MiB

    def chunked(body: bytes) -> Any:
        # What a WSGI server hands on for a chunked body: a stream it ends, no length.
        return api.client.put(
            url,
            input_stream=io.BytesIO(body),
            headers={"Transfer-Encoding": "chunked"},
            environ_overrides={"wsgi.input_terminated": True},
        )

    short = chunked(content[5 * MiB : -1])
    assert short.status_code == 422
    assert "1,048,575 bytes arrived, but this link takes exactly 1,048,576" in (
        short.get_data(as_text=True)
    )
    assert chunked(content[5 * MiB :] + b"x").status_code == 413
    assert api.parts(upload_id).get_json()["parts"] == []


def test_the_local_post_refuses_a_file_shorter_than_announced(
    api: UploadApi, local: LocalStore
) -> None:
    content = pdf_bytes(1000)
    started = api.started(content)
    assert api.post_file(started["post"], content[:-1]) == 422
    assert list(local.list_keys()) == []
    assert api.post_file(started["post"], content) == 204


def test_pending_bytes_are_limited_per_person_and_cancelling_frees_them(
    app: Flask,
    api: UploadApi,
    local: LocalStore,
    small_limits: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(app.config, "UPLOAD_MAX_PENDING_BYTES", 20 * MiB)
    first = api.started(pdf_bytes(16 * MiB))["upload"]["id"]
    api.started(pdf_bytes(100), size=4 * MiB)  # exactly at the limit: allowed

    refused = api.begin(pdf_bytes(100), size=1024)

    assert refused.status_code == 409
    assert refused.get_json()["message"] == (
        "Your unfinished uploads already hold 20 MB of the 20 MB allowed at once, so this "
        "1 KB file does not fit. Finish or cancel an upload, then try again."
    )
    assert api.cancel(first).status_code == 200
    api.started(pdf_bytes(100), size=16 * MiB)  # the cancelled upload's bytes are free again


def test_finished_uploads_no_longer_count_against_the_quota(
    app: Flask, api: UploadApi, local: LocalStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "UPLOAD_MAX_BYTES", 10_000)
    monkeypatch.setitem(app.config, "UPLOAD_SINGLE_POST_MAX", 10_000)
    monkeypatch.setitem(app.config, "UPLOAD_MAX_PENDING_BYTES", 10_000)
    assert api.upload(pdf_bytes(10_000))["status"] == "verified"
    assert api.begin(pdf_bytes(10_000)).status_code == 201
    assert api.begin(pdf_bytes(1)).status_code == 409
