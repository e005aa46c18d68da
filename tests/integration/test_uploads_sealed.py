"""A verified file cannot be swapped: the upload link stays valid for minutes, so the server
moves the bytes to a key no link names before it checks them."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from portfolio.models import Upload, UploadStatus
from portfolio.storage.local import LocalStore
from portfolio.storage.s3 import S3Store
from portfolio.storage_binding import local_link
from tests.storage_fixtures import Clock
from tests.upload_helpers import UploadApi, pdf_bytes, use_store

SWAP = b"<html><script>alert(1)</script></html>" + b" " * 2010


@pytest.fixture
def local_store(app: Flask, tmp_path: Path, clock: Clock) -> Iterator[LocalStore]:
    local = LocalStore(tmp_path / "objects", app.config["SECRET_KEY"], local_link, clock=clock)
    with use_store(app, local):
        yield local


@pytest.fixture
def s3_app_store(app: Flask, s3_store: S3Store) -> Iterator[S3Store]:
    with use_store(app, s3_store):
        yield s3_store


def resend_after_verification(api: UploadApi, session: Session, store) -> Upload:
    content = pdf_bytes(2048)
    started = api.started(content)
    assert api.post_file(started["post"], content) in (200, 201, 204)
    shown = api.complete(started["upload"]["id"]).get_json()["upload"]
    assert shown["status"] == "verified"
    # The same, still valid link used again with other bytes of the same size.
    api.post_file(started["post"], SWAP)
    upload = session.get(Upload, started["upload"]["id"])
    assert upload is not None and upload.status == UploadStatus.VERIFIED
    stored = b"".join(store.iter_chunks(upload.key))
    expected = hashlib.sha256(content).hexdigest()
    assert hashlib.sha256(stored).hexdigest() == upload.sha256 == expected
    return upload


def test_local_upload_link_reused_after_verification_changes_nothing(
    api: UploadApi, session: Session, local_store: LocalStore
) -> None:
    resend_after_verification(api, session, local_store)


def test_s3_upload_link_reused_after_verification_changes_nothing(
    api: UploadApi, session: Session, s3_app_store: S3Store
) -> None:
    resend_after_verification(api, session, s3_app_store)
