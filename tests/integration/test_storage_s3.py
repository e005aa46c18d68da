"""S3Store against moto's S3 server over real HTTP, the way browsers and the app reach S3."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
import requests

from portfolio.domain.errors import DomainError
from portfolio.domain.uploads.filenames import make_object_key
from portfolio.storage import (
    InvalidObjectKey,
    ObjectNotFound,
    ObjectStore,
    StorageUnavailable,
    UploadedPart,
    UploadRejected,
    store_from_config,
)
from portfolio.storage.s3 import S3Store
from tests.storage_fixtures import closed_port
from tests.upload_helpers import checksum

pytestmark = pytest.mark.database_independent  # the store alone, against moto

# pytest finds these fixtures by name in this module; naming them here marks the import as used.

MiB = 1024 * 1024


def put(store: S3Store, key: str, body: bytes, content_type: str = "text/plain") -> None:
    store.client.put_object(Bucket=store.bucket, Key=key, Body=body, ContentType=content_type)


def policy_of(fields: dict[str, str]) -> dict[str, object]:
    return json.loads(base64.b64decode(fields["policy"]))


def test_s3_store_implements_the_protocol(s3_store: S3Store) -> None:
    assert isinstance(s3_store, ObjectStore)


def test_presigned_post_policy_pins_exact_key_size_type_and_five_minutes(
    s3_store: S3Store,
) -> None:
    key = make_object_key(7)

    post = s3_store.presign_post(key, size=2 * 1024**3, content_type="application/pdf")

    policy = policy_of(post.fields)
    conditions = policy["conditions"]
    assert {"key": key} in conditions
    assert not [c for c in conditions if isinstance(c, list) and c[0] == "starts-with"]
    assert ["content-length-range", 2 * 1024**3, 2 * 1024**3] in conditions
    assert {"Content-Type": "application/pdf"} in conditions
    assert {"bucket": s3_store.bucket} in conditions
    expiration = datetime.strptime(str(policy["expiration"]), "%Y-%m-%dT%H:%M:%SZ")
    in_five_minutes = datetime.now(UTC).replace(tzinfo=None) + timedelta(minutes=5)
    assert abs(expiration - in_five_minutes) < timedelta(seconds=10)
    assert abs(post.expires_at - datetime.now(UTC) - timedelta(minutes=5)) < timedelta(seconds=10)
    assert post.conditions == conditions
    assert post.fields["key"] == key
    assert post.fields["Content-Type"] == "application/pdf"


def test_presigned_post_without_content_type_sets_no_type_condition(s3_store: S3Store) -> None:
    post = s3_store.presign_post(make_object_key(7), size=100)

    assert not [c for c in post.conditions if isinstance(c, dict) and "Content-Type" in c]
    assert "Content-Type" not in post.fields


def test_browser_form_post_stores_the_file(s3_store: S3Store) -> None:
    key = make_object_key(7)
    body = b"%PDF-1.7\n" + os.urandom(3000)
    post = s3_store.presign_post(key, size=len(body), content_type="application/pdf")

    reply = requests.post(post.url, data=post.fields, files={"file": ("cv.pdf", body)}, timeout=10)

    assert reply.status_code == 204
    info = s3_store.stat(key)
    assert info is not None
    assert (info.size, info.content_type) == (len(body), "application/pdf")
    assert info.etag == hashlib.md5(body, usedforsecurity=False).hexdigest()
    assert s3_store.read_range(key, 0, 8) == b"%PDF-1.7"


def test_multipart_upload_resumes_completes_and_hashes(s3_store: S3Store) -> None:
    key = make_object_key(7, "videos")
    first, second = os.urandom(5 * MiB), os.urandom(123_457)
    upload_id = s3_store.create_multipart(key, "video/mp4")

    url = s3_store.presign_part(key, upload_id, 1, 5 * MiB)
    assert requests.put(url, data=first, timeout=30).status_code == 200
    # The connection drops here; the browser asks what arrived and sends only the rest.
    assert [p.part_number for p in s3_store.list_parts(key, upload_id)] == [1]
    url = s3_store.presign_part(key, upload_id, 2, 123_457)
    reply = requests.put(url, data=second, timeout=30)
    assert reply.status_code == 200

    parts = s3_store.list_parts(key, upload_id)
    assert [(p.part_number, p.size) for p in parts] == [(1, 5 * MiB), (2, 123_457)]
    assert parts[1].etag == reply.headers["ETag"].strip('"')
    s3_store.complete_multipart(key, upload_id, parts)

    info = s3_store.stat(key)
    assert info is not None
    assert (info.size, info.content_type) == (5 * MiB + 123_457, "video/mp4")
    assert info.etag.endswith("-2")
    digest = hashlib.sha256()
    for chunk in s3_store.iter_chunks(key, chunk_size=MiB):
        assert len(chunk) <= MiB
        digest.update(chunk)
    assert digest.hexdigest() == hashlib.sha256(first + second).hexdigest()


def test_part_url_signs_the_parts_exact_length(s3_store: S3Store) -> None:
    """S3 refuses a PUT whose Content-Length differs from a signed one (moto does not check)."""
    key = make_object_key(7)
    upload_id = s3_store.create_multipart(key, "video/mp4")

    url = s3_store.presign_part(key, upload_id, 3, 16 * MiB)

    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-SignedHeaders"] == ["content-length;host"]
    assert query["partNumber"] == ["3"]
    other_length = s3_store.presign_part(key, upload_id, 3, 16 * MiB + 1)
    assert parse_qs(urlsplit(other_length).query)["X-Amz-Signature"] != query["X-Amz-Signature"]
    with pytest.raises(UploadRejected):
        s3_store.presign_part(key, upload_id, 3, 0)


def test_part_url_signs_the_parts_sha256_when_given(s3_store: S3Store) -> None:
    """The checksum becomes a signed header: S3 refuses a PUT without exactly this value (403)
    and bytes whose SHA-256 differs (400 BadDigest); moto checks neither."""
    key = make_object_key(7)
    upload_id = s3_store.create_multipart(key, "video/mp4", sha256_checksums=True)
    data = os.urandom(1000)

    url = s3_store.presign_part(key, upload_id, 1, 1000, checksum_sha256=checksum(data))

    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-SignedHeaders"] == ["content-length;host;x-amz-checksum-sha256"]
    other = s3_store.presign_part(key, upload_id, 1, 1000, checksum_sha256=checksum(b"other"))
    assert parse_qs(urlsplit(other).query)["X-Amz-Signature"] != query["X-Amz-Signature"]
    headers = {"x-amz-checksum-sha256": checksum(data)}
    assert requests.put(url, data=data, headers=headers, timeout=10).status_code == 200


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "abc",
        hashlib.sha256(b"x").hexdigest(),  # hex, not base64
        base64.b64encode(b"x" * 31).decode(),  # 31 bytes
        base64.b64encode(b"x" * 33).decode(),  # 33 bytes
        base64.b64encode(b"x" * 32).decode().rstrip("="),  # unpadded
        "é" * 44,
    ],
)
def test_part_url_for_a_checksum_that_is_not_32_bytes_of_base64_is_refused(
    s3_store: S3Store, bad: str
) -> None:
    key = make_object_key(7)
    upload_id = s3_store.create_multipart(key, "video/mp4", sha256_checksums=True)
    with pytest.raises(UploadRejected, match="32 bytes in base64"):
        s3_store.presign_part(key, upload_id, 1, 1000, checksum_sha256=bad)


def test_completing_an_upload_with_sha256_checksums_lists_each_parts_checksum(
    s3_store: S3Store,
) -> None:
    key = make_object_key(7)
    first, second = os.urandom(5 * MiB), os.urandom(1000)
    upload_id = s3_store.create_multipart(key, "video/mp4", sha256_checksums=True)
    for number, data in ((1, first), (2, second)):
        signed = checksum(data)
        url = s3_store.presign_part(key, upload_id, number, len(data), checksum_sha256=signed)
        headers = {"x-amz-checksum-sha256": checksum(data)}
        assert requests.put(url, data=data, headers=headers, timeout=30).status_code == 200
    sent: list[dict[str, object]] = []
    s3_store._completer.meta.events.register(
        "before-call.s3.CompleteMultipartUpload", lambda params, **_: sent.append(params)
    )
    parts = [
        part._replace(checksum_sha256=checksum(data))
        for part, data in zip(s3_store.list_parts(key, upload_id), (first, second), strict=True)
    ]

    s3_store.complete_multipart(key, upload_id, parts)

    (request,) = sent  # the request as serialized for the store
    body = bytes(request["body"])  # type: ignore[arg-type]
    for number, data in ((1, first), (2, second)):
        assert (
            f'<PartNumber>{number}</PartNumber><ETag>"{parts[number - 1].etag}"</ETag>'
            f"<ChecksumSHA256>{checksum(data)}</ChecksumSHA256>"
        ).encode() in body
    # The store's own composite checksum: the SHA-256 of the parts' digests, as the app's
    # composite fingerprint is made.
    head = s3_store.client.head_object(Bucket=s3_store.bucket, Key=key, ChecksumMode="ENABLED")
    joined = hashlib.sha256(hashlib.sha256(first).digest() + hashlib.sha256(second).digest())
    assert head["ChecksumSHA256"].split("-")[0] == base64.b64encode(joined.digest()).decode()


def test_completing_with_a_wrong_part_etag_is_rejected(s3_store: S3Store) -> None:
    key = make_object_key(7)
    upload_id = s3_store.create_multipart(key, "video/mp4")
    requests.put(s3_store.presign_part(key, upload_id, 1, 100), data=b"x" * 100, timeout=10)

    with pytest.raises(UploadRejected):
        s3_store.complete_multipart(key, upload_id, [UploadedPart(1, "0" * 32)])
    assert s3_store.stat(key) is None


def test_parts_listed_out_of_order_are_rejected_before_any_request(s3_store: S3Store) -> None:
    parts = [UploadedPart(2, "a" * 32), UploadedPart(1, "b" * 32)]
    with pytest.raises(UploadRejected, match="ascending"):
        s3_store.complete_multipart(make_object_key(7), "some-upload", parts)


def test_abort_removes_the_upload_and_is_quiet_the_second_time(s3_store: S3Store) -> None:
    key = make_object_key(7)
    upload_id = s3_store.create_multipart(key, "audio/mpeg")
    requests.put(s3_store.presign_part(key, upload_id, 1, 100), data=b"x" * 100, timeout=10)

    s3_store.abort_multipart(key, upload_id)

    with pytest.raises(ObjectNotFound):
        s3_store.list_parts(key, upload_id)
    s3_store.abort_multipart(key, upload_id)
    assert s3_store.stat(key) is None


def test_presigned_download_is_an_attachment_with_the_sanitized_name(s3_store: S3Store) -> None:
    key = make_object_key(7)
    put(s3_store, key, b"%PDF-1.7 ...", "application/pdf")

    url = s3_store.presign_get(key, "../../Résumé\u202egnp.pdf", "application/pdf")

    query = parse_qs(urlsplit(url).query)
    assert query["response-content-disposition"] == [
        "attachment; filename=\"Resumegnp.pdf\"; filename*=UTF-8''R%C3%A9sum%C3%A9gnp.pdf"
    ]
    reply = requests.get(url, timeout=10)
    assert reply.status_code == 200
    assert reply.content == b"%PDF-1.7 ..."
    assert reply.headers["Content-Type"] == "application/pdf"
    assert reply.headers["Content-Disposition"].startswith('attachment; filename="Resumegnp.pdf"')


@pytest.mark.parametrize(
    ("content_type", "inline", "expected"),
    [
        ("image/png", True, "inline"),
        ("image/png", False, "attachment"),
        ("text/html", True, "attachment"),
        ("image/svg+xml", True, "attachment"),
        ("text/plain", True, "attachment"),
    ],
)
def test_presigned_download_is_inline_only_when_asked_and_safe(
    s3_store: S3Store, content_type: str, inline: bool, expected: str
) -> None:
    url = s3_store.presign_get(make_object_key(7), "a.bin", content_type, inline=inline)

    disposition = parse_qs(urlsplit(url).query)["response-content-disposition"][0]
    assert disposition.split(";")[0] == expected


def test_list_keys_and_delete(s3_store: S3Store) -> None:
    put(s3_store, "candidates/1/artifacts/a", b"aaa")
    put(s3_store, "candidates/1/artifacts/b", b"bbbbb")
    put(s3_store, "candidates/2/artifacts/c", b"c")

    listed = {(o.key, o.size) for o in s3_store.list_keys("candidates/1/")}
    assert listed == {("candidates/1/artifacts/a", 3), ("candidates/1/artifacts/b", 5)}

    s3_store.delete("candidates/1/artifacts/a")
    s3_store.delete("candidates/1/artifacts/a")  # deleting twice is not an error

    assert [o.key for o in s3_store.list_keys("")] == [
        "candidates/1/artifacts/b",
        "candidates/2/artifacts/c",
    ]
    assert s3_store.stat("candidates/1/artifacts/a") is None


def test_delete_many_deletes_in_batches_and_skips_what_is_gone(
    s3_store: S3Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("portfolio.storage.s3.DELETE_BATCH", 2)  # S3 takes 1,000 at once
    for name in "abcde":
        put(s3_store, f"candidates/1/{name}", name.encode())
    calls: list[str] = []
    s3_store.client.meta.events.register(
        "before-call.s3.DeleteObjects", lambda model, **_: calls.append(model.name)
    )
    s3_store.client.meta.events.register(
        "before-call.s3.DeleteObject", lambda model, **_: calls.append(model.name)
    )
    gone = [f"candidates/1/{name}" for name in "abcdx"]  # x was never there
    assert s3_store.delete_many(gone) == []
    assert [o.key for o in s3_store.list_keys("")] == ["candidates/1/e"]
    assert calls == ["DeleteObjects"] * 3
    assert s3_store.delete_many([]) == [] and calls == ["DeleteObjects"] * 3


def test_reading_a_missing_object_is_not_found(s3_store: S3Store) -> None:
    with pytest.raises(ObjectNotFound):
        s3_store.read_range("candidates/1/none", 0, 10)
    with pytest.raises(ObjectNotFound):
        list(s3_store.iter_chunks("candidates/1/none"))


def test_reading_past_the_end_gives_no_bytes(s3_store: S3Store) -> None:
    put(s3_store, "candidates/1/short", b"abc")

    assert s3_store.read_range("candidates/1/short", 1, 100) == b"bc"
    assert s3_store.read_range("candidates/1/short", 50, 10) == b""


@pytest.mark.parametrize("key", ["../x", "/etc/passwd", "a//b", "a/../b", "a/./b", "a b", ""])
def test_unsafe_keys_are_refused(s3_store: S3Store, key: str) -> None:
    with pytest.raises(InvalidObjectKey):
        s3_store.stat(key)


OPERATIONS = {
    "stat": lambda store: store.stat("candidates/1/a"),
    "read_range": lambda store: store.read_range("candidates/1/a", 0, 16),
    "iter_chunks": lambda store: list(store.iter_chunks("candidates/1/a")),
    "create_multipart": lambda store: store.create_multipart("candidates/1/a", "video/mp4"),
    "list_parts": lambda store: store.list_parts("candidates/1/a", "u"),
    "list_keys": lambda store: list(store.list_keys("candidates/")),
    "delete": lambda store: store.delete("candidates/1/a"),
}


@pytest.mark.parametrize("operation", OPERATIONS.values(), ids=OPERATIONS.keys())
def test_a_store_nobody_listens_on_is_unavailable(
    operation: Callable[[S3Store], object], boto_session: boto3.session.Session
) -> None:
    store = S3Store(
        "bucket",
        endpoint_url=f"http://127.0.0.1:{closed_port()}",
        access_key="testing",
        secret_key="testing",
        max_attempts=1,
        session=boto_session,
    )

    with pytest.raises(StorageUnavailable) as caught:
        operation(store)

    assert isinstance(caught.value, DomainError)
    assert caught.value.status == 503
    assert "not reachable right now" in caught.value.message


def test_a_store_that_never_answers_times_out_as_unavailable(silent_endpoint: str) -> None:
    store = S3Store(
        "bucket",
        endpoint_url=silent_endpoint,
        access_key="testing",
        secret_key="testing",
        connect_timeout=0.5,
        read_timeout=0.5,
        max_attempts=1,
    )

    with pytest.raises(StorageUnavailable):
        store.stat("candidates/1/a")


def test_a_store_answering_503_is_unavailable(failing_endpoint: str) -> None:
    store = S3Store(
        "bucket",
        endpoint_url=failing_endpoint,
        access_key="testing",
        secret_key="testing",
        max_attempts=1,
    )

    with pytest.raises(StorageUnavailable):
        store.stat("candidates/1/a")
    with pytest.raises(StorageUnavailable):
        list(store.list_keys(""))


def test_config_with_an_s3_url_makes_a_working_s3_store(moto_endpoint: str, s3_bucket: str) -> None:
    store = store_from_config(
        {
            "OBJECT_STORE_URL": f"s3://{s3_bucket}",
            "S3_ENDPOINT_URL": moto_endpoint,
            "S3_REGION": "us-east-1",
            "S3_ACCESS_KEY_ID": "testing",
            "S3_SECRET_ACCESS_KEY": "testing",
        }
    )

    assert isinstance(store, S3Store)
    assert store.bucket == s3_bucket
    assert list(store.list_keys("")) == []


def test_s3_url_with_a_path_is_refused() -> None:
    with pytest.raises(ValueError, match="only a bucket"):
        store_from_config({"OBJECT_STORE_URL": "s3://bucket/some/prefix"})


def test_completing_an_upload_outlasts_the_short_read_timeout(
    moto_endpoint: str, s3_bucket: str, boto_session: boto3.session.Session, monkeypatch
) -> None:
    """A store slow to join the parts (a large file, a busy server) still completes the upload;
    every other call keeps its short timeout."""
    from moto.s3.models import S3Backend

    store = S3Store(
        s3_bucket,
        endpoint_url=moto_endpoint,
        access_key="testing",
        secret_key="testing",
        session=boto_session,
        read_timeout=1,
        complete_timeout=30,
        max_attempts=1,
    )
    key = make_object_key(7, "videos")
    upload_id = store.create_multipart(key, "video/mp4")
    assert requests.put(store.presign_part(key, upload_id, 1, 10), data=b"x" * 10, timeout=30).ok
    parts = store.list_parts(key, upload_id)
    joining = S3Backend.complete_multipart_upload

    def slow_join(self: S3Backend, *args: object, **kwargs: object) -> object:
        time.sleep(2)
        return joining(self, *args, **kwargs)

    monkeypatch.setattr(S3Backend, "complete_multipart_upload", slow_join)
    store.complete_multipart(key, upload_id, parts)
    info = store.stat(key)
    assert info is not None and info.size == 10

    monkeypatch.setattr(S3Backend, "head_object", lambda *_a, **_k: time.sleep(2))
    with pytest.raises(StorageUnavailable):
        store.stat(key)


def test_a_long_stream_is_stored_in_parts_without_being_held(s3_store: S3Store) -> None:
    body = bytes(range(256)) * (40 * MiB // 256)  # over the 16 MiB part size: sent in parts
    s3_store.put_stream("candidates/1/streamed", io.BytesIO(body), "application/octet-stream")
    info = s3_store.stat("candidates/1/streamed")
    assert info is not None and info.size == len(body) and info.etag.endswith("-3")
    assert b"".join(s3_store.iter_chunks("candidates/1/streamed")) == body
