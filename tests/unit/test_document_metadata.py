"""Reviewers' copies of documents (domain.uploads.documents): PDFs, Word and OpenDocument files
without their authors; hostile bytes are never anything but 'not cleaned', and nothing too large
is read."""

from __future__ import annotations

import contextlib
import io
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portfolio.domain.uploads.documents import (
    MAX_DOCUMENT_BYTES,
    MAX_UNPACKED_BYTES,
    DocumentNotCleaned,
    clean_document,
    strip_pdf_metadata,
)
from portfolio.domain.uploads.filetypes import detect_type
from tests.integration.test_reviewer_image_copies import pdf_with_author

pytestmark = pytest.mark.database_independent


def test_a_pdf_larger_than_the_bound_is_not_read() -> None:
    with pytest.raises(DocumentNotCleaned, match="too large"):
        strip_pdf_metadata(b"%PDF-1.7\n" + bytes(MAX_DOCUMENT_BYTES))


def test_the_copy_keeps_no_property_and_cleaning_it_again_changes_nothing() -> None:
    once = strip_pdf_metadata(pdf_with_author())
    assert b"Casey" not in once and b"/Author" not in once
    assert strip_pdf_metadata(once) == once  # deterministic: the same bytes every time


@settings(max_examples=100, deadline=None)
@given(cut=st.integers(min_value=0, max_value=2000), noise=st.binary(max_size=64))
def test_damaged_pdfs_are_not_cleaned_and_never_crash(cut: int, noise: bytes) -> None:
    whole = pdf_with_author()
    damaged = whole[:cut] + noise + whole[cut + len(noise) :]
    try:
        cleaned = strip_pdf_metadata(damaged)
    except DocumentNotCleaned:
        return
    assert b"Casey" not in cleaned


WORD = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"


def word_with_author() -> bytes:
    """A .docx as Word writes it: the author and company in its properties, a tracked change
    and a comment signed with the author's name."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"/>',
        )
        z.writestr("_rels/.rels", "<Relationships/>")
        z.writestr(
            "docProps/core.xml",
            '<cp:coreProperties xmlns:cp="c" xmlns:dc="d"><dc:creator>Casey Candidate'
            "</dc:creator><cp:lastModifiedBy>Casey Candidate</cp:lastModifiedBy>"
            "</cp:coreProperties>",
        )
        z.writestr(
            "docProps/app.xml", "<Properties><Company>Springfield Library</Company></Properties>"
        )
        z.writestr(
            "word/document.xml",
            '<w:document xmlns:w="w"><w:body><w:p><w:ins w:id="1" w:author="Casey Candidate" '
            'w:date="2026-01-01T00:00:00Z"><w:r><w:t>Shelving plan</w:t></w:r></w:ins></w:p>'
            "</w:body></w:document>",
        )
        z.writestr(
            "word/comments.xml",
            '<w:comments xmlns:w="w"><w:comment w:id="0" w:author="Casey Candidate" '
            'w:initials="CC"><w:p><w:r><w:t>Check this</w:t></w:r></w:p></w:comment>'
            "</w:comments>",
        )
        z.writestr("word/media/photo.bin", b"\x00\x01 not xml, kept as it is")
    return out.getvalue()


def odt_with_author() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("mimetype", ODT, compress_type=zipfile.ZIP_STORED)
        z.writestr(
            "meta.xml",
            "<office:document-meta><office:meta><meta:initial-creator>Casey Candidate"
            "</meta:initial-creator><dc:creator>Casey Candidate</dc:creator></office:meta>"
            "</office:document-meta>",
            compress_type=zipfile.ZIP_DEFLATED,
        )
        z.writestr(
            "content.xml",
            "<office:document-content><office:annotation><dc:creator>Casey Candidate"
            "</dc:creator><meta:creator-initials>CC</meta:creator-initials><text:p>Check"
            "</text:p></office:annotation><text:p>Shelving plan</text:p>"
            "</office:document-content>",
            compress_type=zipfile.ZIP_DEFLATED,
        )
    return out.getvalue()


def parts(package: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(package)) as z:
        return {info.filename: z.read(info) for info in z.infolist()}


def test_a_word_file_loses_its_author_and_keeps_its_text() -> None:
    original = word_with_author()
    cleaned = clean_document(original, WORD)
    kept = parts(cleaned)
    assert list(kept) == list(parts(original))  # the same parts, in the same order
    for part in kept.values():
        assert b"Casey" not in part and b"Springfield" not in part and b'"CC"' not in part
    assert b"Shelving plan" in kept["word/document.xml"]
    assert b"Check this" in kept["word/comments.xml"]
    assert kept["word/media/photo.bin"] == parts(original)["word/media/photo.bin"]
    assert detect_type(cleaned, "plan.docx").mime == WORD  # still a Word file


def test_an_opendocument_file_loses_its_author_and_keeps_its_first_part_stored() -> None:
    cleaned = clean_document(odt_with_author(), ODT)
    with zipfile.ZipFile(io.BytesIO(cleaned)) as z:
        first = z.infolist()[0]
        assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
    assert all(b"Casey" not in part and b">CC<" not in part for part in parts(cleaned).values())
    assert b"Shelving plan" in parts(cleaned)["content.xml"]
    assert detect_type(cleaned, "plan.odt").mime == ODT


def test_a_package_that_lies_about_a_part_or_unpacks_too_large_is_not_cleaned() -> None:
    honest = word_with_author()
    with pytest.raises(DocumentNotCleaned):
        clean_document(honest[:-40], WORD)  # cut off: its directory is gone
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", b"\0" * (MAX_UNPACKED_BYTES + 1))
    with pytest.raises(DocumentNotCleaned, match="too large unpacked"):
        clean_document(bomb.getvalue(), WORD)


@settings(max_examples=100, deadline=None)
@given(cut=st.integers(min_value=0, max_value=1500), noise=st.binary(max_size=64))
def test_damaged_packages_are_not_cleaned_and_never_crash(cut: int, noise: bytes) -> None:
    whole = word_with_author()
    damaged = whole[:cut] + noise + whole[cut + len(noise) :]
    with contextlib.suppress(DocumentNotCleaned):  # refused is fine; anything else fails
        clean_document(damaged, WORD)


def test_excel_and_powerpoint_commenters_go_and_an_excel_tables_name_stays() -> None:
    excel = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/tables/table1.xml", '<table id="1" name="Hours" displayName="Hours"/>')
        z.writestr("xl/comments1.xml", "<comments><authors><author>Casey</author></authors>"
                   "</comments>")
        z.writestr("xl/persons/person.xml", '<personList><person displayName="Casey" '
                   'id="{1}" userId="casey@example.org" providerId="AD"/></personList>')
        z.writestr("ppt/commentAuthors.xml", '<p:cmAuthorLst><p:cmAuthor id="0" name="Casey" '
                   'initials="CC" lastIdx="1"/></p:cmAuthorLst>')
    kept = parts(clean_document(out.getvalue(), excel))
    assert kept["xl/tables/table1.xml"] == b'<table id="1" name="Hours" displayName="Hours"/>'
    assert all(b"Casey" not in part and b"casey@" not in part for part in kept.values())
    assert b'initials=""' in kept["ppt/commentAuthors.xml"]
