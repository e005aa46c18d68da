"""Hostile or broken files sent to moto's S3 server: refused, deleted, and the user told why.

moto does not enforce presigned-POST conditions, so a file that breaks the policy still lands
in the bucket here, as it could on a store that enforced less than S3: the server's own checks
at "complete" are what must catch it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from portfolio.models import AuditEvent, Upload, UploadStatus
from portfolio.storage.s3 import S3Store
from tests.upload_helpers import MiB, UploadApi, pdf_bytes, sha256_hex, use_store

SVG_WITH_SCRIPT = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg">'
    b"<script>alert(document.cookie)</script></svg>\n"
)
HTML_PAGE = b"<!doctype html>\n<html><body><script>alert(1)</script></body></html>\n"


@pytest.fixture
def store(app: Flask, s3_store: S3Store) -> Iterator[S3Store]:
    with use_store(app, s3_store):
        yield s3_store


def refused(
    api: UploadApi, session: Session, store: S3Store, started: dict[str, Any]
) -> tuple[str, Upload]:
    """Complete, expect a refusal; the reason shown, and the row (object already deleted)."""
    upload_id = started["upload"]["id"]
    reply = api.complete(upload_id)
    assert reply.status_code == 200
    shown = reply.get_json()["upload"]
    assert shown["status"] == "rejected"
    assert "download" not in shown["urls"]
    upload = session.get(Upload, upload_id)
    assert upload is not None and upload.status == UploadStatus.REJECTED
    assert upload.rejection_reason == shown["reason"]
    assert store.stat(upload.key) is None, "a refused object must be deleted"
    assert api.client.get(f"/files/{upload_id}").status_code == 404
    return shown["reason"], upload


def test_svg_with_script_is_refused_by_its_bytes(
    api: UploadApi, session: Session, store: S3Store
) -> None:
    started = api.started(SVG_WITH_SCRIPT, "drawing.png")  # the name claims an image
    api.send(started, SVG_WITH_SCRIPT)
    reason, upload = refused(api, session, store, started)
    assert "SVG images can carry scripts" in reason
    codes = session.scalars(
        select(AuditEvent.details).where(
            AuditEvent.object_id == str(upload.id), AuditEvent.action == "upload.rejected"
        )
    ).all()
    assert codes == [{"code": "type_svg", "reason": reason}]


def test_svg_by_name_is_refused_before_any_byte_is_sent(api: UploadApi) -> None:
    reply = api.begin(SVG_WITH_SCRIPT, "drawing.svg")
    assert reply.status_code == 422
    assert "Files named .svg are not accepted" in reply.get_json()["message"]


def test_html_named_pdf_is_refused(api: UploadApi, session: Session, store: S3Store) -> None:
    started = api.started(HTML_PAGE, "certificate.pdf")
    api.send(started, HTML_PAGE)
    reason, _upload = refused(api, session, store, started)
    assert "Web pages (HTML) are not accepted" in reason


def test_empty_file_is_refused_when_announced(api: UploadApi) -> None:
    reply = api.begin(b"", "empty.pdf")
    assert reply.status_code == 422
    assert reply.get_json()["message"] == "The file is empty; choose a file with something in it."


def test_empty_file_sent_despite_the_policy_is_refused(
    api: UploadApi, session: Session, store: S3Store
) -> None:
    started = api.started(pdf_bytes(100))
    assert api.post_file(started["post"], b"") == 204  # moto ignores content-length-range
    reason, _upload = refused(api, session, store, started)
    assert reason == "The file is empty; choose a file with something in it."


def test_file_over_the_size_limit_is_refused_when_announced(
    api: UploadApi, store: S3Store, small_limits: None
) -> None:
    reply = api.begin(pdf_bytes(100), size=16 * MiB + 1)
    assert reply.status_code == 413
    assert reply.get_json()["message"] == "The file is 16.0 MB; files can be at most 16 MB."
    assert api.begin(pdf_bytes(100), size=3 * 1024**3).status_code == 413


def test_file_over_the_size_limit_sent_despite_the_policy_is_refused_and_deleted(
    api: UploadApi, session: Session, store: S3Store, small_limits: None
) -> None:
    announced = pdf_bytes(1 * MiB)
    started = api.started(announced)
    policy_max = 1 * MiB
    too_big = pdf_bytes(17 * MiB)
    assert api.post_file(started["post"], too_big) == 204
    info = store.stat(started["post"]["fields"]["key"])
    assert info is not None and info.size > policy_max  # it did land
    reason, _upload = refused(api, session, store, started)
    assert reason == "The file is 17 MB; files can be at most 16 MB."


def test_file_bigger_than_announced_is_refused_and_deleted(
    api: UploadApi, session: Session, store: S3Store
) -> None:
    started = api.started(pdf_bytes(1000))
    assert api.post_file(started["post"], pdf_bytes(1500)) == 204
    reason, _upload = refused(api, session, store, started)
    assert "has 1,500 bytes, not the 1,000 announced" in reason


def test_a_last_part_larger_than_planned_is_refused_and_aborted(
    api: UploadApi, session: Session, store: S3Store, small_limits: None, s3_admin: Any
) -> None:
    content = pdf_bytes(6 * MiB)
    started = api.started(content)
    urls = api.presign(started["upload"]["id"], [1, 2]).get_json()["parts"]
    assert requests.put(urls[0]["url"], data=content[: 5 * MiB], timeout=30).status_code == 200
    assert requests.put(urls[1]["url"], data=pdf_bytes(3 * MiB), timeout=30).status_code == 200
    reason, _upload = refused(api, session, store, started)
    assert reason.startswith("Part 2 of the file has 3,145,728 bytes, not the 1,048,576 planned.")
    assert s3_admin.list_multipart_uploads(Bucket=store.bucket).get("Uploads", []) == []


def test_missing_part_is_refused(
    api: UploadApi, session: Session, store: S3Store, small_limits: None
) -> None:
    content = pdf_bytes(11 * MiB)
    started = api.started(content)
    urls = api.presign(started["upload"]["id"], [1, 3]).get_json()["parts"]
    requests.put(urls[0]["url"], data=content[: 5 * MiB], timeout=30)
    requests.put(urls[1]["url"], data=content[10 * MiB :], timeout=30)
    reason, _upload = refused(api, session, store, started)
    assert reason.startswith("Part 2 of the file never arrived.")


def test_bytes_that_differ_from_the_announced_sha256_are_refused_and_deleted(
    api: UploadApi, session: Session, store: S3Store
) -> None:
    chosen = pdf_bytes(5000)
    started = api.started(chosen)
    tampered = chosen[:4000] + b"X" * 1000  # same size, same type, other bytes
    assert sha256_hex(tampered) != started["upload"]["sha256"]
    api.send(started, tampered)
    reason, upload = refused(api, session, store, started)
    assert "SHA-256 checksum differs" in reason
    assert upload.sha256 is None


def test_multipart_bytes_that_differ_from_the_sha256_are_refused(
    api: UploadApi, session: Session, store: S3Store, small_limits: None
) -> None:
    chosen = pdf_bytes(6 * MiB)
    started = api.started(chosen)
    api.send_parts(started, chosen[:-1] + bytes([chosen[-1] ^ 1]))  # the last bit flipped
    reason, _upload = refused(api, session, store, started)
    assert "SHA-256 checksum differs" in reason


def test_sha256_that_is_not_64_hex_digits_is_refused(api: UploadApi) -> None:
    for bad in ("abc", "g" * 64, 12, None, "0" * 63):
        reply = api.begin(pdf_bytes(100), sha256=bad)
        assert reply.status_code == 422, bad
        assert reply.get_json()["field"] == "sha256"


def test_size_that_is_not_a_whole_number_is_refused(api: UploadApi) -> None:
    for bad in ("100", 1.5, True, None, -5):
        reply = api.begin(pdf_bytes(100), size=bad)
        assert reply.status_code == 422, bad
        assert reply.get_json()["field"] == "size"
