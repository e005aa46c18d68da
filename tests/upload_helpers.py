"""Driving the upload API as the browser widget does: begin, send the bytes, complete.

Bytes go where the app's answer says: to moto's S3 server over real HTTP, or to the local
backend's routes through the Flask test client. The fixtures (`api`, `small_limits`) are a
plugin (tests/conftest.py's pytest_plugins); `api` signs in application_fixtures' `candidate`.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from portfolio.models import User
from portfolio.storage import ObjectStore
from portfolio.storage_binding import EXTENSION_KEY
from tests.helpers import csrf_token, login_as

MiB = 1024 * 1024
PDF_HEAD = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
PNG_HEAD = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"


def checksum(data: bytes) -> str:
    """A part's SHA-256 as S3 takes it (x-amz-checksum-sha256): base64 of the digest."""
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def pdf_bytes(size: int = 2048) -> bytes:
    """`size` bytes that start like a PDF (the type check reads only the first bytes)."""
    return (PDF_HEAD + os.urandom(size))[:size]


def sha256_hex(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def fingerprint_of(content: bytes, part_bytes: int) -> str:
    """The composite fingerprint, computed here from its definition (README, "File
    fingerprints"): SHA-256 of the parts' raw SHA-256s, "-" part count, "x" part size."""
    parts = [content[at : at + part_bytes] for at in range(0, len(content), part_bytes)]
    joined = b"".join(hashlib.sha256(part).digest() for part in parts)
    return f"{hashlib.sha256(joined).hexdigest()}-{len(parts)}x{part_bytes}"


class UploadApi:
    """One signed-in browser: JSON calls with the CSRF header, bytes to the presigned target."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.headers = {"X-CSRFToken": csrf_token(client, "/")}

    def begin(
        self, content: bytes, name: str = "evidence.pdf", **overrides: object
    ) -> TestResponse:
        body: dict[str, object] = {
            "filename": name,
            "size": len(content),
            "sha256": sha256_hex(content),
            "content_type": "application/pdf",
        }
        body.update(overrides)
        return self.client.post("/api/uploads", json=body, headers=self.headers)

    def started(self, content: bytes, name: str = "evidence.pdf", **overrides: object) -> Any:
        reply = self.begin(content, name, **overrides)
        assert reply.status_code == 201, reply.get_json()
        return reply.get_json()

    def post_file(self, post: dict[str, Any], content: bytes) -> int:
        """Send the whole file as the presigned form POST says; returns the HTTP status."""
        if post["url"].startswith("http"):
            reply = requests.post(
                post["url"], data=post["fields"], files={"file": ("blob", content)}, timeout=30
            )
            return reply.status_code
        data: dict[str, object] = dict(post["fields"])
        data["file"] = (io.BytesIO(content), "blob")
        return self.client.post(post["url"], data=data).status_code

    def presign(self, upload_id: int, numbers: list[int]) -> TestResponse:
        return self.client.post(
            f"/api/uploads/{upload_id}/parts", json={"parts": numbers}, headers=self.headers
        )

    def part_link(self, upload_id: int, number: int, digest: object) -> TestResponse:
        """Report one part's SHA-256 (hex) and get its link back, as the widget does for a
        file checked by parts: {url, headers}."""
        url = f"/api/uploads/{upload_id}/parts/{number}"
        return self.client.post(url, json={"sha256": digest}, headers=self.headers)

    def put_part(self, url: str, content: bytes, headers: dict[str, str] | None = None) -> int:
        if url.startswith("http"):
            return requests.put(url, data=content, headers=headers, timeout=30).status_code
        return self.client.put(url, data=content, headers=headers).status_code

    def send_parts(
        self, started: dict[str, Any], content: bytes, skip: frozenset[int] = frozenset()
    ) -> None:
        """Every part not in `skip`: for a file checked by parts each with its SHA-256 reported
        and signed into its link, as the widget sends them; else from one batch of links."""
        upload_id = started["upload"]["id"]
        size, count = started["part_size"], started["part_count"]
        numbers = [n for n in range(1, count + 1) if n not in skip]
        if started["upload"]["by_parts"]:
            for n in numbers:
                part = content[(n - 1) * size : n * size]
                link = self.part_link(upload_id, n, sha256_hex(part))
                assert link.status_code == 200, link.get_json()
                assert self.put_part(link.json["url"], part, link.json["headers"]) == 200
            return
        urls = self.presign(upload_id, numbers).get_json()["parts"]
        for item in urls:
            n = item["part_number"]
            assert self.put_part(item["url"], content[(n - 1) * size : n * size]) == 200

    def send(self, started: dict[str, Any], content: bytes) -> None:
        if "post" in started:
            assert self.post_file(started["post"], content) in (200, 201, 204)
        else:
            self.send_parts(started, content)

    def ask_check(self, upload_id: int) -> TestResponse:
        """POST complete as it is: 202 while the check runs (it ran after the commit)."""
        return self.client.post(f"/api/uploads/{upload_id}/complete", headers=self.headers)

    def show(self, upload_id: int) -> TestResponse:
        return self.client.get(f"/api/uploads/{upload_id}")

    def complete(self, upload_id: int) -> TestResponse:
        """Ask for the check and, once accepted (202), answer what the widget's poll then shows:
        in tests the check runs eagerly right after the request's commit."""
        reply = self.ask_check(upload_id)
        if reply.status_code != 202:
            return reply
        assert reply.get_json()["upload"]["status"] == "checking"
        return self.show(upload_id)

    def cancel(self, upload_id: int) -> TestResponse:
        return self.client.delete(f"/api/uploads/{upload_id}", headers=self.headers)

    def parts(self, upload_id: int) -> TestResponse:
        return self.client.get(f"/api/uploads/{upload_id}/parts")

    def upload(self, content: bytes, name: str = "evidence.pdf", **overrides: object) -> Any:
        """Begin, send and complete; the final JSON of the upload."""
        started = self.started(content, name, **overrides)
        self.send(started, content)
        reply = self.complete(started["upload"]["id"])
        assert reply.status_code == 200, reply.get_json()
        return reply.get_json()["upload"]


@pytest.fixture
def api(client: FlaskClient, candidate: User) -> UploadApi:
    login_as(client, candidate)
    return UploadApi(client)


@pytest.fixture
def small_limits(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """Multipart from 1 MiB on, in 5 MiB parts (S3's minimum), at most 16 MiB per file."""
    monkeypatch.setitem(app.config, "UPLOAD_SINGLE_POST_MAX", 1 * MiB)
    monkeypatch.setitem(app.config, "UPLOAD_PART_BYTES", 5 * MiB)
    monkeypatch.setitem(app.config, "UPLOAD_MAX_BYTES", 16 * MiB)


@contextmanager
def use_store(app: Flask, store: ObjectStore) -> Iterator[ObjectStore]:
    """Make `store` the app's store for one test (the app is shared by the whole session)."""
    previous = app.extensions[EXTENSION_KEY]
    app.extensions[EXTENSION_KEY] = store
    try:
        yield store
    finally:
        app.extensions[EXTENSION_KEY] = previous


SMALL_PART = 5 * MiB  # the part size of the small_limits fixture


def part_of(content: bytes, number: int, part_size: int = SMALL_PART) -> bytes:
    """Part `number` (from 1) of `content`, as the widget cuts it."""
    return content[(number - 1) * part_size : number * part_size]


def begin_by_parts(api: UploadApi, content: bytes) -> dict[str, Any]:
    """Announced without a whole-file SHA-256, as the widget does for a file sent in parts."""
    started = api.started(content, sha256=None)
    assert started["upload"]["by_parts"] is True
    return dict(started)


def signed_part_link(api: UploadApi, upload_id: int, number: int, data: bytes) -> dict[str, Any]:
    """A part's link, asked for with its digest as the widget does: {url, headers}."""
    reply = api.part_link(upload_id, number, sha256_hex(data))
    assert reply.status_code == 200, reply.get_json()
    return dict(reply.json)


def report_sent(api: UploadApi, upload_id: int, number: object) -> Any:
    """The widget's report that a part has landed (the server reads it back)."""
    return api.client.post(
        f"/api/uploads/{upload_id}/parts/{number}/sent", json={}, headers=api.headers
    )


def send_staged_part(api: UploadApi, upload_id: int, number: int, data: bytes) -> Any:
    """As the widget does: the link (signed for the part's digest), the PUT, the report."""
    given = signed_part_link(api, upload_id, number, data)
    assert api.put_part(given["url"], data, given["headers"]) == 200
    return report_sent(api, upload_id, number)


def finish_by_parts(api: UploadApi, upload_id: int, content: bytes, part_bytes: int) -> Any:
    """`complete` with the file's composite fingerprint, as the widget sends it: the upload as
    the API shows it then."""
    reply = api.client.post(
        f"/api/uploads/{upload_id}/complete",
        json={"fingerprint": fingerprint_of(content, part_bytes)},
        headers=api.headers,
    )
    assert reply.status_code in (200, 202), reply.get_json()
    return dict(api.show(upload_id).get_json()["upload"])


def staged_objects(s3_admin: Any, bucket: str, key: str) -> list[str]:
    """The staged parts ("<key>.part00001", ...) the S3 bucket still holds for an upload."""
    listed = s3_admin.list_objects_v2(Bucket=bucket, Prefix=f"{key}.part")
    return [item["Key"] for item in listed.get("Contents", [])]
