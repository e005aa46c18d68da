"""File types come from the bytes, against an allow-list; the name cannot smuggle a type in."""

from __future__ import annotations

import gzip
import io
import struct
import wave
import zipfile
import zlib

import pytest

from portfolio.domain.errors import InvalidInput
from portfolio.domain.uploads.filetypes import (
    ACCEPTED_EXTENSIONS,
    SNIFF_BYTES,
    DetectedType,
    FileFamily,
    FileTypeRefused,
    detect_type,
    inline_allowed,
)

OOXML_TYPES = b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/"/>'


def png_1x1() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def small_pdf() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    )


def wav_tone() -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x00\x01" * 800)
    return out.getvalue()


def office_zip(folder: str) -> bytes:
    """A document laid out the way Office writes one: [Content_Types].xml first."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", OOXML_TYPES)
        z.writestr("_rels/.rels", "<Relationships/>")
        z.writestr(f"{folder}/document.xml", "<document>" + "text " * 2000 + "</document>")
    return out.getvalue()


def odf_zip(mime: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("mimetype", mime, compress_type=zipfile.ZIP_STORED)
        z.writestr("content.xml", "<office:document-content/>", compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def ole2(stream_name: str | None) -> bytes:
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    directory = (stream_name + "\x00").encode("utf-16-le") if stream_name else b""
    return header + b"Root Entry".decode().encode("utf-16-le") + b"\x00" * 60 + directory


def ebml(doctype: bytes) -> bytes:
    return b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82" + bytes([0x80 | len(doctype)]) + doctype


def id3(after: bytes) -> bytes:
    return b"ID3\x04\x00\x00\x00\x00\x00\x0a" + b"\x00" * 10 + after


def refused(head: bytes, name: str) -> FileTypeRefused:
    with pytest.raises(FileTypeRefused) as caught:
        detect_type(head, name)
    assert isinstance(caught.value, InvalidInput)  # shown to the user as 422, never a 500
    return caught.value


@pytest.mark.parametrize(
    ("head", "name", "mime", "family"),
    [
        (small_pdf(), "cv.pdf", "application/pdf", FileFamily.PDF),
        (png_1x1(), "photo.png", "image/png", FileFamily.IMAGE),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "photo.jpg", "image/jpeg", FileFamily.IMAGE),
        (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "anim.gif", "image/gif", FileFamily.IMAGE),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "pic.webp", "image/webp", FileFamily.IMAGE),
        (id3(b"\xff\xfb\x90\x64" + b"\x00" * 100), "talk.mp3", "audio/mpeg", FileFamily.AUDIO),
        (b"\xff\xfb\x90\x64" + b"\x00" * 100, "talk.mp3", "audio/mpeg", FileFamily.AUDIO),
        (wav_tone(), "tone.wav", "audio/wav", FileFamily.AUDIO),
        (b"OggS\x00\x02" + b"\x00" * 30, "talk.ogg", "audio/ogg", FileFamily.AUDIO),
        (b"fLaC\x00\x00\x00\x22", "talk.flac", "audio/flac", FileFamily.AUDIO),
        (id3(b"fLaC\x00\x00\x00\x22"), "talk.flac", "audio/flac", FileFamily.AUDIO),
        (b"\xff\xf1\x50\x80\x02\x1f\xfc", "talk.aac", "audio/aac", FileFamily.AUDIO),
        (b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00", "talk.m4a", "audio/mp4", FileFamily.AUDIO),
        (b"\x00\x00\x00\x20ftypmp42\x00\x00\x00\x00", "talk.m4a", "audio/mp4", FileFamily.AUDIO),
        (b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00", "clip.mp4", "video/mp4", FileFamily.VIDEO),
        (b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00", "a.mov", "video/quicktime", FileFamily.VIDEO),
        (ebml(b"webm"), "clip.webm", "video/webm", FileFamily.VIDEO),
        (office_zip("word"), "essay.docx", "application/vnd.openxmlformats-officedocument."
         "wordprocessingml.document", FileFamily.DOCUMENT),
        (office_zip("xl"), "hours.xlsx", "application/vnd.openxmlformats-officedocument."
         "spreadsheetml.sheet", FileFamily.DOCUMENT),
        (office_zip("ppt"), "talk.pptx", "application/vnd.openxmlformats-officedocument."
         "presentationml.presentation", FileFamily.DOCUMENT),
        (odf_zip("application/vnd.oasis.opendocument.text"), "essay.odt",
         "application/vnd.oasis.opendocument.text", FileFamily.DOCUMENT),
        (ole2("WordDocument"), "old.doc", "application/msword", FileFamily.DOCUMENT),
        (ole2("Workbook"), "old.xls", "application/vnd.ms-excel", FileFamily.DOCUMENT),
        (ole2(None), "old.ppt", "application/vnd.ms-powerpoint", FileFamily.DOCUMENT),
        ("Plain notes, café ☕\n".encode(), "notes.txt", "text/plain", FileFamily.TEXT),
        (b"date,hours\n2024-01-02,7.5\n", "hours.csv", "text/plain", FileFamily.TEXT),
    ],
)  # fmt: skip
def test_accepted_types(head: bytes, name: str, mime: str, family: str) -> None:
    detected = detect_type(head[:SNIFF_BYTES], name)

    assert (detected.mime, detected.family) == (mime, family)
    # Its downloads are named with the type's own extension (downloads.download_name).
    assert ACCEPTED_EXTENSIONS[mime][0] == detected.extension


def test_the_name_does_not_decide_the_type() -> None:
    assert detect_type(png_1x1(), "scan.pdf") == DetectedType("image/png", FileFamily.IMAGE, ".png")


def test_utf8_text_cut_inside_a_character_by_the_sample_is_still_text() -> None:
    head = ("a" + "é" * (SNIFF_BYTES // 2)).encode()[:SNIFF_BYTES]  # ends on half an é

    assert detect_type(head, "notes.txt").family == FileFamily.TEXT


def test_a_whole_file_ending_inside_a_character_is_not_utf8_text() -> None:
    """Shorter than the sample, the head is the whole file: Latin-1 "café" ends on 0xE9, which
    UTF-8 would read as the start of a character, and showing it as UTF-8 garbled the é."""
    refusal = refused("café au lait, thé".encode("latin-1"), "menu.txt")
    assert refusal.code == "legacy_text"
    assert "Save it again with the encoding UTF-8" in refusal.message


def test_svg_with_a_script_is_refused() -> None:
    svg = (
        b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg">'
        b"<script>fetch('/api/me')</script></svg>"
    )

    assert refused(svg, "drawing.svg").code == "extension"
    assert refused(svg, "drawing.png").code == "svg"
    assert "SVG" in refused(svg, "drawing.png").message


def test_svg_without_prolog_named_png_is_refused() -> None:
    assert refused(b'  <svg width="10" onload="alert(1)"/>', "logo.png").code == "svg"


def test_html_named_pdf_is_refused() -> None:
    page = b"<!DOCTYPE html><html><body onload=steal()>Hi</body></html>"

    error = refused(page, "transcript.pdf")

    assert error.code == "html"
    assert "HTML" in error.message


@pytest.mark.parametrize(
    "head",
    [
        b"\xef\xbb\xbf\n  <HTML><p>hi",
        b"<body>hello",
        b"<!-- comment --><p>x",
        b"Dear reviewer,\n<script>alert(1)</script>",
        b"<iframe src=//evil>",
    ],
)
def test_html_in_any_disguise_is_refused(head: bytes) -> None:
    assert refused(head, "letter.txt").code == "html"


def test_an_empty_file_is_refused() -> None:
    error = refused(b"", "cv.pdf")

    assert error.code == "empty"
    assert error.message == "The file is empty."


@pytest.mark.parametrize(
    ("head", "name"),
    [
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 50, "cv.pdf"),
        (b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 50, "notes"),
        (b"\xcf\xfa\xed\xfe\x07\x00\x00\x01" + b"\x00" * 50, "app"),
    ],
)
def test_executables_are_refused_whatever_their_name(head: bytes, name: str) -> None:
    assert refused(head, name).code == "executable"


@pytest.mark.parametrize(
    "head", [b"#!/bin/sh\nrm -rf ~\n", b"<?php system($_GET['c']); ?>", b"<% eval request %>"]
)
def test_scripts_are_refused_even_named_txt(head: bytes) -> None:
    assert refused(head, "readme.txt").code == "script"


@pytest.mark.parametrize(
    "name", ["run.exe", "notes.js", "setup.msi", "macro.docm", "page.html", "x.PNG.Exe", "s.ps1"]
)
def test_names_that_would_run_or_render_are_refused_even_with_harmless_bytes(name: str) -> None:
    assert refused(png_1x1(), name).code == "extension"


def test_ole2_file_that_is_not_an_office_document_is_refused() -> None:
    error = refused(ole2(None), "thing.dat")

    assert error.code == "unknown"
    assert "Microsoft compound file" in error.message


def test_plain_zip_archive_is_refused() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("payload.bin", b"\x00" * 10)

    error = refused(out.getvalue(), "archive.docx")

    assert error.code == "unknown"
    assert "ZIP archive" in error.message


@pytest.mark.parametrize(
    ("head", "code"),
    [
        (b"{\\rtf1\\ansi hello}", "rtf"),
        (b'<?xml version="1.0"?><note>hi</note>', "xml"),
        (ebml(b"matroska"), "unknown"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00", "unknown"),
        (b"Caf\xe9 au lait\n", "legacy_text"),  # Latin-1, not UTF-8
        (b"text with a\x00NUL", "unknown"),
    ],
)
def test_other_types_are_refused(head: bytes, code: str) -> None:
    assert refused(head, "upload.dat" if code == "unknown" else "upload.txt").code == code


def test_refusal_names_what_the_file_looks_like() -> None:
    error = refused(gzip.compress(b"hello" * 100), "backup.dat")

    assert error.code == "unknown"
    assert "looks like" in error.message.lower()
    assert "Accepted: PDF" in error.message


@pytest.mark.parametrize(
    "mime", ["image/png", "image/jpeg", "application/pdf", "audio/mpeg", "video/mp4", "VIDEO/WEBM"]
)
def test_inline_allowed_for_images_pdf_audio_video(mime: str) -> None:
    assert inline_allowed(mime)


@pytest.mark.parametrize(
    "mime",
    [
        "image/svg+xml",
        "text/html",
        "text/plain",
        "application/xhtml+xml",
        "application/msword",
        "application/octet-stream",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "",
    ],
)
def test_inline_refused_for_everything_else(mime: str) -> None:
    assert not inline_allowed(mime)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-be"])
def test_text_saved_as_utf16_or_utf32_is_refused_with_what_to_do(encoding: str) -> None:
    """Notepad's and Excel's "Unicode" text: not named some other type ("Windows INI file")
    and told that plain text is accepted, but told to save it as UTF-8."""
    text = "Name,Hours\r\nCasey,12\r\n"
    head = text.encode(encoding)
    if not encoding.endswith(("16", "32")):  # the explicit byte orders write no mark
        head = "\ufeff".encode(encoding) + head

    error = refused(head, "hours.txt")

    assert error.code == "wide_text"
    assert "UTF-8" in error.message
    assert "looks like" not in error.message
