"""Hostile file names: each is cleaned for display and download, and never reaches the key."""

from __future__ import annotations

import re

import pytest
from sqlalchemy.orm import Session

from portfolio.models import Upload, User
from tests.upload_helpers import UploadApi, pdf_bytes


def begin_named(api: UploadApi, session: Session, name: str) -> Upload:
    reply = api.begin(pdf_bytes(3000), name)
    assert reply.status_code == 201, reply.get_json()
    upload = session.get(Upload, reply.get_json()["upload"]["id"])
    assert upload is not None
    assert reply.get_json()["upload"]["name"] == upload.original_name
    return upload


def assert_server_key(upload: Upload, owner: User) -> None:
    assert re.fullmatch(rf"candidates/{owner.id}/artifacts/[0-9a-f]{{32}}", upload.key)


def test_name_with_dot_dot_slash_keeps_only_its_last_part(
    api: UploadApi, session: Session, candidate: User
) -> None:
    upload = begin_named(api, session, "../../../etc/passwd.pdf")
    assert upload.original_name == "passwd.pdf"
    assert_server_key(upload, candidate)


def test_name_with_backslashes_keeps_only_its_last_part(
    api: UploadApi, session: Session, candidate: User
) -> None:
    upload = begin_named(api, session, "..\\..\\Windows\\win.ini.pdf")
    assert upload.original_name == "win.ini.pdf"
    assert_server_key(upload, candidate)


def test_name_with_nul_is_refused_before_anything_is_stored(api: UploadApi) -> None:
    reply = api.begin(b"%PDF-1.4 x", name="report\x00.pdf")
    assert reply.status_code == 400
    assert reply.get_json()["field"] == "filename"


def test_name_over_255_bytes_is_cut_keeping_the_extension(
    api: UploadApi, session: Session, candidate: User
) -> None:
    upload = begin_named(api, session, "é" * 300 + ".pdf")
    assert len(upload.original_name.encode()) <= 255
    assert upload.original_name.endswith("é.pdf")
    assert_server_key(upload, candidate)


def test_right_to_left_override_hiding_an_exe_is_refused(api: UploadApi) -> None:
    # Shown by a bidi-aware screen as "invoiceexe.pdf", it really ends in ".exe".
    reply = api.begin(pdf_bytes(3000), "invoice\u202efdp.exe")
    assert reply.status_code == 422
    assert "Files named .exe are not accepted" in reply.get_json()["message"]


def test_right_to_left_override_is_dropped_from_a_harmless_name(
    api: UploadApi, session: Session, candidate: User
) -> None:
    upload = begin_named(api, session, "photo\u202egnp.pdf")
    assert upload.original_name == "photognp.pdf"
    assert "\u202e" not in upload.original_name
    assert_server_key(upload, candidate)


@pytest.mark.parametrize(
    ("name", "shown"), [("CON.pdf", "_CON.pdf"), ("nul", "_nul"), ("LPT1.txt", "_LPT1.txt")]
)
def test_windows_reserved_name_is_defused(
    api: UploadApi, session: Session, candidate: User, name: str, shown: str
) -> None:
    upload = begin_named(api, session, name)
    assert upload.original_name == shown
    assert_server_key(upload, candidate)


def test_name_of_only_dots_becomes_file(api: UploadApi, session: Session, candidate: User) -> None:
    upload = begin_named(api, session, "....")
    assert upload.original_name == "file"
    assert_server_key(upload, candidate)


def test_hostile_name_reaches_the_download_header_only_sanitized(api: UploadApi) -> None:
    shown = api.upload(pdf_bytes(3000), '../"quoted"\u202e\r\nSet-Cookie: x.pdf')
    link = api.client.get(shown["urls"]["download"]).headers["Location"]
    disposition = api.client.get(link).headers["Content-Disposition"]
    assert "\r" not in disposition and "\n" not in disposition and "\u202e" not in disposition
    assert disposition.startswith('attachment; filename="_quoted_Set-Cookie_ x.pdf"')


def test_name_missing_or_not_text_is_refused(api: UploadApi) -> None:
    for name in ("", "   ", 42, None):
        reply = api.begin(pdf_bytes(100), "x.pdf", filename=name)
        assert reply.status_code == 422, name
        assert reply.get_json()["field"] == "filename"
