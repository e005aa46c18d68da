"""A download's name always ends in an extension its verified type allows."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portfolio.domain.uploads.downloads import (
    UNKNOWN_TYPE_EXTENSION,
    download_disposition,
    download_name,
)
from portfolio.domain.uploads.filenames import MAX_NAME_BYTES, split_extension
from portfolio.domain.uploads.filetypes import ACCEPTED_EXTENSIONS, INLINE_MIMES

HOSTILE = [".iqy", ".slk", ".appref-ms", ".desktop", ".xht", ".library-ms", ".csv", ".IQY"]


@pytest.mark.parametrize("extension", HOSTILE)
def test_text_under_a_hostile_extension_downloads_as_txt(extension: str) -> None:
    assert download_name(f"evil{extension}", "text/plain") == "evil.txt"


@pytest.mark.parametrize(
    ("name", "mime", "expected"),
    [
        ("photo.JPEG", "image/jpeg", "photo.JPEG"),
        ("photo.jpeg", "image/jpeg", "photo.jpeg"),
        ("photo.png", "image/jpeg", "photo.jpg"),
        ("README", "text/plain", "README.txt"),
        ("notes.txt", "text/plain; charset=utf-8", "notes.txt"),
        ("report.pdf.iqy", "text/plain", "report.pdf.txt"),
        (
            "essay.doc",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "essay.docx",
        ),
        ("x.settingcontent-ms", "text/plain", "x.settingcontent-ms.txt"),  # too long to split
        ("old.iqy", "application/x-something-we-no-longer-take", "old" + UNKNOWN_TYPE_EXTENSION),
        ("", "application/pdf", "file.pdf"),
    ],
)
def test_download_names(name: str, mime: str, expected: str) -> None:
    assert download_name(name, mime) == expected


def test_a_long_name_keeps_the_forced_extension_within_the_limit() -> None:
    name = download_name("é" * 300 + ".iqy", "text/plain")
    assert name.endswith(".txt") and len(name.encode()) <= MAX_NAME_BYTES


@given(name=st.text(max_size=300), mime=st.sampled_from(sorted(ACCEPTED_EXTENSIONS)))
def test_every_download_name_ends_in_an_extension_its_type_allows(name: str, mime: str) -> None:
    result = download_name(name, mime)
    assert split_extension(result)[1].lower() in ACCEPTED_EXTENSIONS[mime]
    assert len(result.encode()) <= MAX_NAME_BYTES


def test_every_type_shown_inline_is_on_the_list() -> None:
    assert set(ACCEPTED_EXTENSIONS) >= INLINE_MIMES


def test_the_disposition_carries_the_safe_name_in_both_forms() -> None:
    value = download_disposition("evil.iqy", "text/plain", inline=True)
    assert value == "attachment; filename=\"evil.txt\"; filename*=UTF-8''evil.txt"
