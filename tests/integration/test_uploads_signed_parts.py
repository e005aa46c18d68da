"""Parts signed for their SHA-256: a file checked by parts is created as a multipart upload with
S3's SHA-256 checksums, each part's link is handed out only for the digest the client reports
and is signed for it, and completing lists every part's checksum.

S3 then refuses a part whose bytes differ as it arrives; moto checks neither signatures nor
checksums, so against moto these tests assert what the app signs and sends, and the local
store (whose routes check the header and the bytes themselves) shows the refusals. Uploads
begun before (their multipart upload made without a checksum algorithm) still complete.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from portfolio.models import Upload
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
    sha256_hex,
    use_store,
)

PART = 5 * MiB  # small_limits' part size
SECRET = "testing"  # the s3_store fixture's secret key


@pytest.fixture
def store(app: Flask, s3_store: S3Store) -> Iterator[S3Store]:
    with use_store(app, s3_store):
        yield s3_store


def sigv4_signature(url: str, headers: dict[str, str]) -> str:
    """The SigV4 query signature of a PUT to `url` sending `headers` (and Host), computed here
    from AWS's definition: equal to the link's own only if it signs exactly these values."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "X-Amz-Signature"]
    canonical_query = "&".join(
        f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in sorted(query)
    )
    signed = dict(query)["X-Amz-SignedHeaders"].split(";")
    values = {**{k.lower(): v for k, v in headers.items()}, "host": parts.netloc}
    canonical_headers = "".join(f"{name}:{values[name].strip()}\n" for name in signed)
    path = quote(parts.path, safe="/-_.~")
    lines = ["PUT", path, canonical_query, canonical_headers, ";".join(signed), "UNSIGNED-PAYLOAD"]
    request = "\n".join(lines)
    _key_id, date, region, service, _end = dict(query)["X-Amz-Credential"].split("/")
    scope = f"{date}/{region}/{service}/aws4_request"
    to_sign = "\n".join(
        [
            "AWS4-HMAC-SHA256",
            dict(query)["X-Amz-Date"],
            scope,
            hashlib.sha256(request.encode()).hexdigest(),
        ]
    )
    key = f"AWS4{SECRET}".encode()
    for step in (date, region, service, "aws4_request"):
        key = hmac.new(key, step.encode(), hashlib.sha256).digest()
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


def test_a_parts_link_is_signed_for_the_sha256_its_client_reported(
    api: UploadApi, store: S3Store, small_limits: None, session: Session
) -> None:
    content = pdf_bytes(11 * MiB)
    upload_id = begin_by_parts(api, content)["upload"]["id"]
    first = part_of(content, 1)

    link = api.part_link(upload_id, 1, sha256_hex(first))

    assert link.status_code == 200, link.get_json()
    assert link.json["headers"] == {"x-amz-checksum-sha256": checksum(first)}
    url = link.json["url"]
    query = dict(parse_qsl(urlsplit(url).query))
    assert query["X-Amz-SignedHeaders"] == "content-length;host;x-amz-checksum-sha256"
    # A staged part: an object of its own next to the file's key, not a part of an S3 upload.
    key = session.get(Upload, upload_id).key
    assert urlsplit(url).path == f"/{store.bucket}/{key}.part00001"
    assert "partNumber" not in query
    sent = {"Content-Length": str(PART), **link.json["headers"]}
    assert sigv4_signature(url, sent) == query["X-Amz-Signature"]
    other = {**sent, "x-amz-checksum-sha256": checksum(b"other bytes")}
    assert sigv4_signature(url, other) != query["X-Amz-Signature"]
    assert session.get(Upload, upload_id).checksum_algorithm == "SHA256"


def test_the_store_joins_the_parts_with_each_parts_checksum_listed(
    api: UploadApi, store: S3Store, small_limits: None, s3_admin: Any, session: Session
) -> None:
    created: list[dict[str, Any]] = []
    completed: list[dict[str, Any]] = []
    store.client.meta.events.register(
        "provide-client-params.s3.CreateMultipartUpload", lambda params, **_: created.append(params)
    )
    store._completer.meta.events.register(
        "provide-client-params.s3.CompleteMultipartUpload",
        lambda params, **_: completed.append(params),
    )
    content = pdf_bytes(11 * MiB + 77)
    started = begin_by_parts(api, content)
    upload_id = started["upload"]["id"]
    api.send_parts(started, content)

    shown = finish_by_parts(api, upload_id, content, PART)

    assert shown["status"] == "verified"
    assert [c.get("ChecksumAlgorithm") for c in created] == ["SHA256"]
    (request,) = completed
    assert [
        (p["PartNumber"], p["ChecksumSHA256"]) for p in request["MultipartUpload"]["Parts"]
    ] == [(n, checksum(part_of(content, n))) for n in (1, 2, 3)]
    # The store's composite SHA-256 of the joined object is the app's fingerprint, in base64.
    key = session.get(Upload, upload_id).key
    head = s3_admin.head_object(Bucket=store.bucket, Key=key, ChecksumMode="ENABLED")
    composite = bytes.fromhex(shown["fingerprint"].split("-")[0])
    assert head["ChecksumSHA256"].split("-")[0] == base64.b64encode(composite).decode()


def test_links_for_a_batch_of_parts_without_their_digests_are_refused(
    api: UploadApi, small_limits: None
) -> None:
    upload_id = begin_by_parts(api, pdf_bytes(11 * MiB))["upload"]["id"]
    reply = api.presign(upload_id, [1, 2])
    assert reply.status_code == 409
    assert reply.get_json()["message"] == (
        "Each part of this upload is sent with its SHA-256 checksum: ask for a part's link with "
        "its checksum (POST /api/uploads/<id>/parts/<n> with {sha256})."
    )


def test_the_local_store_refuses_a_part_whose_bytes_or_header_differ_from_the_signed_sha256(
    api: UploadApi, small_limits: None, session: Session
) -> None:
    content = pdf_bytes(11 * MiB)
    started = begin_by_parts(api, content)
    upload_id = started["upload"]["id"]
    first = part_of(content, 1)
    link = api.part_link(upload_id, 1, sha256_hex(first)).json
    signed = link["headers"]
    assert signed == {"x-amz-checksum-sha256": checksum(first)}
    damaged = first[:100] + bytes([first[100] ^ 1]) + first[101:]

    other_bytes = api.client.put(link["url"], data=damaged, headers=signed)
    no_header = api.client.put(link["url"], data=first)
    other_header = api.client.put(
        link["url"], data=damaged, headers={"x-amz-checksum-sha256": checksum(damaged)}
    )

    assert other_bytes.status_code == 422
    assert (
        "This part does not have the SHA-256 checksum its link was signed for: it was changed "
        "on the way. Nothing was saved."
    ) in other_bytes.get_data(as_text=True)
    assert (no_header.status_code, other_header.status_code) == (403, 403)
    assert (
        "This link takes the part with its SHA-256 checksum in the x-amz-checksum-sha256 "
        "header, exactly as it was signed; nothing was saved."
    ) in other_header.get_data(as_text=True)
    assert api.parts(upload_id).get_json()["parts"] == []  # nothing kept
    assert api.client.put(link["url"], data=first, headers=signed).status_code == 200
    api.send_parts(started, content)  # all three: part 1 again, with the same digest
    assert finish_by_parts(api, upload_id, content, PART)["status"] == "verified"


def test_an_upload_begun_before_parts_were_signed_still_completes(
    api: UploadApi, store: S3Store, small_limits: None, session: Session
) -> None:
    """A row from before this release: its multipart upload was created without a checksum
    algorithm (checksum_algorithm NULL). An old page sends its parts from a batch of links and
    reports digests after; the new widget asks for each link with the digest: unsigned links
    both, a digest reported again replaces the old one, and nothing lists a checksum."""
    content = pdf_bytes(11 * MiB)
    upload_id = begin_by_parts(api, content)["upload"]["id"]
    upload = session.get(Upload, upload_id)
    store.abort_multipart(upload.key, upload.multipart_upload_id)
    upload.multipart_upload_id = store.create_multipart(upload.key, "application/octet-stream")
    upload.checksum_algorithm = None
    upload.parts_staged = False  # parts went into the store's multipart upload then
    session.flush()
    completed: list[dict[str, Any]] = []
    store._completer.meta.events.register(
        "provide-client-params.s3.CompleteMultipartUpload",
        lambda params, **_: completed.append(params),
    )

    # The old page: links for parts 1 and 2 in one batch, the digests reported once sent.
    batch = api.presign(upload_id, [1, 2])
    assert batch.status_code == 200, batch.get_json()
    for item in batch.json["parts"]:
        assert "x-amz-checksum-sha256" not in item["url"]
        number = item["part_number"]
        assert api.put_part(item["url"], part_of(content, number)) == 200
        reported = api.part_link(upload_id, number, sha256_hex(part_of(content, number)))
        assert reported.status_code == 200
    # The new widget, resuming: the digest first, then the part, with the headers given (none).
    assert api.part_link(upload_id, 3, "0" * 64).status_code == 200  # replaced just below
    link = api.part_link(upload_id, 3, sha256_hex(part_of(content, 3)))
    assert link.json["headers"] == {}
    assert "x-amz-checksum-sha256" not in link.json["url"]
    assert api.put_part(link.json["url"], part_of(content, 3)) == 200

    shown = finish_by_parts(api, upload_id, content, PART)

    assert (shown["status"], shown["fingerprint"]) == ("verified", fingerprint_of(content, PART))
    (request,) = completed
    assert all("ChecksumSHA256" not in p for p in request["MultipartUpload"]["Parts"])
