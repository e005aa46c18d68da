"""Every download of a verified file is named for its verified type, on S3 and on local disk.

Text uploaded as "evil.iqy" (an Excel web query on Windows) or "evil.desktop" (a launcher on
Linux) is verified as text/plain; whoever downloads it must get "evil.txt", whatever link
they follow: the Content-Disposition S3 answers with, and the one the local route sends.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from flask import Flask

from portfolio.storage import ObjectStore
from portfolio.storage.local import LocalStore
from portfolio.storage_binding import local_link
from tests.upload_helpers import UploadApi, pdf_bytes, use_store

HOSTILE = [".iqy", ".slk", ".appref-ms", ".desktop", ".xht", ".library-ms", ".csv"]


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, app: Flask, tmp_path: Path) -> Iterator[ObjectStore]:
    chosen: ObjectStore
    if request.param == "s3":
        chosen = request.getfixturevalue("s3_store")
    else:
        chosen = LocalStore(tmp_path / "objects", app.config["SECRET_KEY"], local_link)
    with use_store(app, chosen):
        yield chosen


def downloaded(api: UploadApi, shown: dict[str, object], *, inline: bool = False) -> tuple:
    """(Content-Disposition, Content-Type, body) of following the app's download link."""
    urls = shown["urls"]
    assert isinstance(urls, dict)
    reply = api.client.get(urls["download"] + ("?view=inline" if inline else ""))
    assert reply.status_code == 303
    link = reply.headers["Location"]
    if link.startswith("http"):  # S3: the headers come from the store itself
        fetched = requests.get(link, timeout=30)
        assert fetched.status_code == 200
        return (
            fetched.headers["Content-Disposition"],
            fetched.headers["Content-Type"],
            fetched.content,
        )
    local = api.client.get(link)
    assert local.status_code == 200
    return local.headers["Content-Disposition"], local.mimetype, local.data


@pytest.mark.parametrize("extension", HOSTILE)
def test_text_under_a_hostile_extension_downloads_as_txt(
    api: UploadApi, store: ObjectStore, extension: str
) -> None:
    content = b"a=1\tb=2\nhttp://attacker.example/query\n"
    shown = api.upload(content, f"evil{extension}", content_type="text/plain")
    assert shown["content_type"] == "text/plain"
    assert shown["name"] == f"evil{extension}"  # the page still shows what was uploaded

    for inline in (False, True):
        disposition, content_type, body = downloaded(api, shown, inline=inline)
        assert disposition == "attachment; filename=\"evil.txt\"; filename*=UTF-8''evil.txt"
        assert content_type.startswith("text/plain")
        assert body == content


def test_a_pdf_under_another_name_downloads_as_pdf(api: UploadApi, store: ObjectStore) -> None:
    shown = api.upload(pdf_bytes(3000), "Résumé.docx")
    assert shown["content_type"] == "application/pdf"
    disposition, _type, _body = downloaded(api, shown)
    assert (
        disposition == "attachment; filename=\"Resume.pdf\"; filename*=UTF-8''R%C3%A9sum%C3%A9.pdf"
    )


def test_an_honest_name_is_kept(api: UploadApi, store: ObjectStore) -> None:
    shown = api.upload(pdf_bytes(3000), "Annual report.PDF")
    disposition, _type, _body = downloaded(api, shown, inline=True)
    assert disposition.startswith('inline; filename="Annual report.PDF";')
