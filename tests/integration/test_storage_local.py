"""LocalStore on a temporary folder: signed links, all-or-nothing writes, keys kept inside."""

from __future__ import annotations

import base64
import hashlib
import io
import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from portfolio.domain.uploads.filenames import content_disposition, make_object_key
from portfolio.storage import (
    InvalidObjectKey,
    InvalidStorageLink,
    ObjectNotFound,
    ObjectStore,
    UploadedPart,
    UploadRejected,
    UploadTooLarge,
    store_from_config,
)
from portfolio.storage.local import LocalStore
from tests.storage_fixtures import TEST_SECRET, Clock, local_url
from tests.upload_helpers import checksum

pytestmark = pytest.mark.database_independent  # the store alone, on a temporary folder


def token_of(url: str) -> str:
    return urlsplit(url).path.rsplit("/", 1)[-1]


def files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def upload(store: LocalStore, key: str, body: bytes, content_type: str = "text/plain") -> None:
    post = store.presign_post(key, size=len(body), content_type=content_type)
    claims = store.verify_token(post.fields["token"], "upload")
    store.write_upload(claims.key, io.BytesIO(body), claims.size, claims.content_type)


def test_local_store_implements_the_protocol(local_store: LocalStore) -> None:
    assert isinstance(local_store, ObjectStore)


def test_presigned_post_carries_key_exact_size_and_type_in_a_signed_token(
    local_store: LocalStore,
) -> None:
    key = make_object_key(3)

    post = local_store.presign_post(key, size=2048, content_type="application/pdf")

    assert post.url.startswith("http://localhost/files/upload/")
    assert token_of(post.url) == post.fields["token"]
    assert {"key": key} in post.conditions
    assert ["content-length-range", 2048, 2048] in post.conditions
    assert {"Content-Type": "application/pdf"} in post.conditions
    claims = local_store.verify_token(post.fields["token"], "upload")
    assert (claims.key, claims.size, claims.content_type) == (key, 2048, "application/pdf")
    assert claims.expires_at == post.expires_at


def test_upload_through_the_token_stores_the_file(local_store: LocalStore) -> None:
    key = make_object_key(3)
    body = b"%PDF-1.7\n" + os.urandom(5000)

    upload(local_store, key, body, "application/pdf")

    info = local_store.stat(key)
    assert info is not None
    assert (info.size, info.content_type) == (len(body), "application/pdf")
    assert info.etag == hashlib.md5(body, usedforsecurity=False).hexdigest()
    assert local_store.read_range(key, 0, 8) == b"%PDF-1.7"
    assert local_store.read_range(key, len(body) - 3, 100) == body[-3:]
    digest = hashlib.sha256(b"".join(local_store.iter_chunks(key, chunk_size=1000)))
    assert digest.hexdigest() == hashlib.sha256(body).hexdigest()


def test_expired_token_is_refused(local_store: LocalStore, clock: Clock) -> None:
    post = local_store.presign_post(make_object_key(3), size=100)
    clock.advance(301)

    with pytest.raises(InvalidStorageLink, match="expired"):
        local_store.verify_token(post.fields["token"], "upload")


def test_token_is_still_good_just_before_it_expires(local_store: LocalStore, clock: Clock) -> None:
    post = local_store.presign_post(make_object_key(3), size=100)
    clock.advance(299)

    assert local_store.verify_token(post.fields["token"], "upload").size == 100


def test_tampered_token_is_refused(local_store: LocalStore) -> None:
    token = local_store.presign_post(make_object_key(3), size=100).fields["token"]
    payload, signature = token.rsplit(".", 1)
    # Swap in the payload of a link with a far bigger limit, keeping the old signature.
    bigger = local_store.presign_post(make_object_key(3), size=10**12).fields["token"]

    for forged in (bigger.rsplit(".", 1)[0] + "." + signature, payload + "." + signature[::-1]):
        with pytest.raises(InvalidStorageLink, match="not valid"):
            local_store.verify_token(forged, "upload")


def test_token_signed_with_another_secret_is_refused(
    local_store: LocalStore, tmp_path: Path
) -> None:
    other = LocalStore(tmp_path / "other", "another-secret", local_url)
    token = other.presign_post(make_object_key(3), size=100).fields["token"]

    with pytest.raises(InvalidStorageLink):
        local_store.verify_token(token, "upload")


def test_token_for_another_purpose_is_refused(local_store: LocalStore) -> None:
    key = make_object_key(3)
    upload(local_store, key, b"hello")
    download_token = token_of(local_store.presign_get(key, "a.txt", "text/plain"))

    with pytest.raises(InvalidStorageLink):
        local_store.verify_token(download_token, "upload")


@pytest.mark.parametrize(
    "key",
    [
        "../escape",
        "candidates/1/../../../escape",
        "/etc/passwd",
        "candidates\\1\\x",
        ".meta/candidates/1/x.json",
        ".uploads/x",
        "candidates//x",
        "candidates/1/x\x00y",
        "candidates/1/ü",
        "",
    ],
)
def test_keys_that_could_leave_the_store_are_refused(
    local_store: LocalStore, tmp_path: Path, key: str
) -> None:
    with pytest.raises(InvalidObjectKey):
        local_store.write_upload(key, io.BytesIO(b"data"), 100)

    assert files_under(tmp_path) == []


def test_a_symlink_planted_under_the_root_cannot_lead_out(
    local_store: LocalStore, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (local_store.root / "candidates").symlink_to(outside)

    with pytest.raises(InvalidObjectKey):
        local_store.write_upload("candidates/1/x", io.BytesIO(b"data"), 100)

    assert list(outside.iterdir()) == []


def test_write_over_the_limit_is_refused_and_leaves_nothing(
    local_store: LocalStore, tmp_path: Path
) -> None:
    key = make_object_key(3)

    with pytest.raises(UploadTooLarge) as caught:
        local_store.write_upload(key, io.BytesIO(b"x" * 101), size=100)

    assert caught.value.status == 413
    assert files_under(tmp_path) == []
    assert local_store.stat(key) is None


def test_write_of_exactly_the_limit_is_accepted(local_store: LocalStore) -> None:
    key = make_object_key(3)

    local_store.write_upload(key, io.BytesIO(b"x" * 100), size=100)

    assert local_store.stat(key) is not None


def test_empty_write_is_refused_and_leaves_nothing(local_store: LocalStore, tmp_path: Path) -> None:
    with pytest.raises(UploadRejected, match="empty"):
        local_store.write_upload(make_object_key(3), io.BytesIO(b""), size=100)

    assert files_under(tmp_path) == []


def test_multipart_upload_resumes_replaces_parts_and_completes(local_store: LocalStore) -> None:
    key = make_object_key(3, "videos")
    upload_id = local_store.create_multipart(key, "video/mp4")
    first, second = os.urandom(40), os.urandom(7)

    link = local_store.presign_part(key, upload_id, 1, 40)
    claims = local_store.verify_token(token_of(link), "part")
    assert (claims.key, claims.upload_id, claims.part_number) == (key, upload_id, 1)
    assert claims.size == 40
    local_store.write_part(key, upload_id, 1, io.BytesIO(b"stale" * 8), claims.size)
    etag = local_store.write_part(key, upload_id, 1, io.BytesIO(first), 40)  # sent again
    # The connection drops; the browser asks what arrived.
    assert local_store.list_parts(key, upload_id) == [UploadedPart(1, etag, 40)]
    local_store.write_part(key, upload_id, 2, io.BytesIO(second), 7)

    local_store.complete_multipart(key, upload_id, local_store.list_parts(key, upload_id))

    info = local_store.stat(key)
    assert info is not None
    assert (info.size, info.content_type) == (47, "video/mp4")
    assert info.etag.endswith("-2")
    assert b"".join(local_store.iter_chunks(key)) == first + second
    with pytest.raises(ObjectNotFound):
        local_store.list_parts(key, upload_id)


def test_a_part_signed_for_its_sha256_takes_only_those_bytes(local_store: LocalStore) -> None:
    key = make_object_key(3)
    upload_id = local_store.create_multipart(key, "video/mp4", sha256_checksums=True)
    data = os.urandom(40)

    link = local_store.presign_part(key, upload_id, 1, 40, checksum_sha256=checksum(data))

    claims = local_store.verify_token(token_of(link), "part")
    assert claims.checksum_sha256 == checksum(data)
    other = data[:-1] + bytes([data[-1] ^ 1])
    with pytest.raises(UploadRejected, match="does not have the SHA-256 checksum its link"):
        local_store.write_part(key, upload_id, 1, io.BytesIO(other), 40, claims.checksum_sha256)
    assert local_store.list_parts(key, upload_id) == []
    with pytest.raises(UploadRejected, match="needs its SHA-256 checksum"):
        local_store.write_part(key, upload_id, 1, io.BytesIO(data), 40)
    etag = local_store.write_part(key, upload_id, 1, io.BytesIO(data), 40, checksum(data))
    assert local_store.list_parts(key, upload_id) == [UploadedPart(1, etag, 40)]


@pytest.mark.parametrize("bad", ["", "abc", "0" * 64, base64.b64encode(b"x" * 31).decode()])
def test_a_part_link_for_a_checksum_that_is_not_32_bytes_of_base64_is_refused(
    local_store: LocalStore, bad: str
) -> None:
    key = make_object_key(3)
    upload_id = local_store.create_multipart(key, "video/mp4", sha256_checksums=True)
    with pytest.raises(UploadRejected, match="32 bytes in base64"):
        local_store.presign_part(key, upload_id, 1, 40, checksum_sha256=bad)


def test_completing_with_a_missing_part_is_rejected(local_store: LocalStore) -> None:
    key = make_object_key(3)
    upload_id = local_store.create_multipart(key, "video/mp4")
    etag = local_store.write_part(key, upload_id, 1, io.BytesIO(b"x" * 40), 40)

    with pytest.raises(UploadRejected, match="Part 2"):
        local_store.complete_multipart(
            key, upload_id, [UploadedPart(1, etag), UploadedPart(2, "0" * 32)]
        )
    assert local_store.stat(key) is None


def test_completing_with_a_small_middle_part_is_rejected(local_store: LocalStore) -> None:
    key = make_object_key(3)
    upload_id = local_store.create_multipart(key, "video/mp4")
    local_store.write_part(key, upload_id, 1, io.BytesIO(b"x" * 5), 5)
    local_store.write_part(key, upload_id, 2, io.BytesIO(b"y" * 40), 40)

    with pytest.raises(UploadRejected, match="smaller"):
        local_store.complete_multipart(key, upload_id, local_store.list_parts(key, upload_id))


def test_part_of_any_size_but_its_own_is_refused(local_store: LocalStore) -> None:
    key = make_object_key(3)
    upload_id = local_store.create_multipart(key, "video/mp4")

    with pytest.raises(UploadTooLarge):
        local_store.write_part(key, upload_id, 1, io.BytesIO(b"x" * 11), 10)
    with pytest.raises(UploadRejected, match="9 bytes arrived, but this link takes exactly 10"):
        local_store.write_part(key, upload_id, 1, io.BytesIO(b"x" * 9), 10)
    assert local_store.list_parts(key, upload_id) == []
    local_store.write_part(key, upload_id, 1, io.BytesIO(b"x" * 10), 10)
    assert [part.size for part in local_store.list_parts(key, upload_id)] == [10]


def test_upload_short_of_its_size_is_refused_and_leaves_nothing(
    local_store: LocalStore, tmp_path: Path
) -> None:
    with pytest.raises(UploadRejected, match="99 bytes arrived, but this link takes exactly 100"):
        local_store.write_upload(make_object_key(3), io.BytesIO(b"x" * 99), size=100)

    assert files_under(tmp_path) == []


def test_an_upload_id_does_not_work_for_another_key(local_store: LocalStore) -> None:
    upload_id = local_store.create_multipart(make_object_key(3), "video/mp4")

    with pytest.raises(ObjectNotFound):
        local_store.write_part(make_object_key(4), upload_id, 1, io.BytesIO(b"x"), 1)
    with pytest.raises(ObjectNotFound):
        local_store.list_parts(make_object_key(3), "../../candidates")


def test_abort_removes_the_upload(local_store: LocalStore, tmp_path: Path) -> None:
    key = make_object_key(3)
    upload_id = local_store.create_multipart(key, "video/mp4")
    local_store.write_part(key, upload_id, 1, io.BytesIO(b"x" * 40), 40)

    local_store.abort_multipart(key, upload_id)
    local_store.abort_multipart(key, upload_id)  # twice is quiet

    with pytest.raises(ObjectNotFound):
        local_store.list_parts(key, upload_id)
    assert files_under(tmp_path) == []


def test_download_link_carries_the_sanitized_attachment_name(local_store: LocalStore) -> None:
    key = make_object_key(3)
    upload(local_store, key, b"%PDF-1.7")

    url = local_store.presign_get(key, "..\\..\\Résumé\u202egnp.pdf", "application/pdf")

    claims = local_store.verify_token(token_of(url), "download")
    assert claims.key == key
    assert claims.content_type == "application/pdf"
    assert claims.content_disposition == content_disposition("Résumégnp.pdf")
    assert claims.content_disposition.startswith('attachment; filename="Resumegnp.pdf"')
    assert local_store.path_for(key).read_bytes() == b"%PDF-1.7"


def test_download_link_is_inline_only_for_safe_types(local_store: LocalStore) -> None:
    key = make_object_key(3)
    inline_png = local_store.presign_get(key, "a.png", "image/png", inline=True)
    inline_html = local_store.presign_get(key, "a.html", "text/html", inline=True)

    png = local_store.verify_token(token_of(inline_png), "download").content_disposition
    html = local_store.verify_token(token_of(inline_html), "download").content_disposition
    assert (png or "").startswith("inline;")
    assert (html or "").startswith("attachment;")


def test_list_keys_delete_and_missing_objects(local_store: LocalStore) -> None:
    upload(local_store, "candidates/1/artifacts/a", b"aaa")
    upload(local_store, "candidates/1/artifacts/b", b"bbbbb")
    upload(local_store, "candidates/12/artifacts/c", b"c")
    local_store.create_multipart("candidates/1/artifacts/d", "video/mp4")  # not an object yet

    listed = [(o.key, o.size) for o in local_store.list_keys("candidates/1/")]
    assert listed == [("candidates/1/artifacts/a", 3), ("candidates/1/artifacts/b", 5)]
    assert len(list(local_store.list_keys("candidates/1"))) == 3  # a bare prefix, as on S3

    local_store.delete("candidates/1/artifacts/a")
    local_store.delete("candidates/1/artifacts/a")  # twice is quiet

    assert local_store.stat("candidates/1/artifacts/a") is None
    assert [o.key for o in local_store.list_keys()] == [
        "candidates/1/artifacts/b",
        "candidates/12/artifacts/c",
    ]
    # Several at once, those already gone skipped.
    assert local_store.delete_many(["candidates/1/artifacts/a", "candidates/12/artifacts/c"]) == []
    assert [o.key for o in local_store.list_keys()] == ["candidates/1/artifacts/b"]
    with pytest.raises(ObjectNotFound):
        local_store.read_range("candidates/1/artifacts/a", 0, 1)
    with pytest.raises(ObjectNotFound):
        list(local_store.iter_chunks("candidates/1/artifacts/a"))


def test_config_with_a_file_url_makes_a_local_store(tmp_path: Path) -> None:
    store = store_from_config(
        {"OBJECT_STORE_URL": f"file://{tmp_path / 'objects'}", "SECRET_KEY": TEST_SECRET},
        url_builder=local_url,
    )

    assert isinstance(store, LocalStore)
    assert store.root == (tmp_path / "objects").resolve()
    token = store.presign_post("candidates/1/x", size=5).fields["token"]
    assert store.verify_token(token, "upload").key == "candidates/1/x"


@pytest.mark.parametrize("url", ["file://relative/path", "ftp://host/x", "", "objects"])
def test_config_with_an_unusable_store_url_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="OBJECT_STORE_URL"):
        store_from_config({"OBJECT_STORE_URL": url, "SECRET_KEY": TEST_SECRET})


def test_a_stream_is_stored_whole_and_a_bad_key_writes_nothing(local_store: LocalStore) -> None:
    body = b"%PDF-1.7 " + bytes(3 * 1024 * 1024)
    local_store.put_stream("candidates/1/streamed", io.BytesIO(body), "application/pdf")
    info = local_store.stat("candidates/1/streamed")
    assert info is not None and info.size == len(body)
    assert info.etag == hashlib.md5(body, usedforsecurity=False).hexdigest()
    assert b"".join(local_store.iter_chunks("candidates/1/streamed")) == body
    with pytest.raises(InvalidObjectKey):
        local_store.put_stream("../outside", io.BytesIO(body), "application/pdf")
    assert not (local_store.root.parent / "outside").exists()
