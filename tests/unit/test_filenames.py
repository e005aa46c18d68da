"""Hostile file names become safe display and download names; keys never contain them."""

from __future__ import annotations

import re
import unicodedata

import pytest

from portfolio.domain.uploads.filenames import (
    candidate_prefix,
    content_disposition,
    make_object_key,
    sanitize_filename,
    split_extension,
)


def test_an_ordinary_name_is_kept() -> None:
    assert sanitize_filename("Annual report 2024.pdf") == "Annual report 2024.pdf"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\Windows\\system.ini", "system.ini"),
        ("/var/www/evil.pdf", "evil.pdf"),
        ("C:\\Users\\pat\\cv.docx", "cv.docx"),
        ("../", "file"),
    ],
)
def test_directory_parts_are_stripped(name: str, expected: str) -> None:
    assert sanitize_filename(name) == expected


def test_nul_and_control_characters_are_removed() -> None:
    assert sanitize_filename("report\x00.pdf.exe") == "report.pdf.exe"
    assert sanitize_filename("line\nbreak\ttab\x7f.txt") == "linebreaktab.txt"


def test_right_to_left_override_cannot_disguise_the_extension() -> None:
    # Displayed as "invoice_exe.pdf" in a browser, but really ends in ".exe".
    name = sanitize_filename("invoice_\u202efdp.exe")

    assert name == "invoice_fdp.exe"
    assert not re.search("[\u200e\u200f\u202a-\u202e\u2066-\u2069]", name)


def test_zero_width_and_bidi_isolate_characters_are_removed() -> None:
    assert sanitize_filename("pa\u200by\u200dpal\ufeff\u2066.pdf\u2069") == "paypal.pdf"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("CON", "_CON"),
        ("con.txt", "_con.txt"),
        ("Prn.pdf", "_Prn.pdf"),
        ("AUX", "_AUX"),
        ("nul.tar.gz", "_nul.tar.gz"),
        ("COM1.docx", "_COM1.docx"),
        ("lpt9", "_lpt9"),
        ("CON .txt", "_CON .txt"),
        ("CONSOLE.txt", "CONSOLE.txt"),
        ("COM10.txt", "COM10.txt"),
    ],
)
def test_windows_reserved_names_are_prefixed(name: str, expected: str) -> None:
    assert sanitize_filename(name) == expected


@pytest.mark.parametrize("name", ["", ".", "..", "...", " . . ", "\u202e", "\x00\x00"])
def test_names_of_only_dots_spaces_or_nothing_become_file(name: str) -> None:
    assert sanitize_filename(name) == "file"


def test_trailing_dots_and_spaces_are_stripped() -> None:
    assert sanitize_filename("notes.txt. . ") == "notes.txt"


def test_characters_windows_forbids_are_replaced() -> None:
    assert sanitize_filename('a<b>c:d"e|f?g*h.txt') == "a_b_c_d_e_f_g_h.txt"


def test_names_are_normalized_to_nfc() -> None:
    decomposed = "Re\u0301sume\u0301.pdf"  # "e" + combining acute accent

    assert sanitize_filename(decomposed) == "R\u00e9sum\u00e9.pdf"
    assert unicodedata.is_normalized("NFC", sanitize_filename(decomposed))


def test_long_ascii_name_is_cut_to_255_bytes_keeping_the_extension() -> None:
    name = sanitize_filename("a" * 400 + ".pdf")

    assert len(name.encode()) == 255
    assert name.endswith(".pdf")


@pytest.mark.parametrize("char", ["é", "日", "😀"])  # 2, 3 and 4 bytes in UTF-8
def test_long_multibyte_name_is_cut_on_a_character_boundary(char: str) -> None:
    name = sanitize_filename(char * 200 + ".docx")

    encoded = name.encode("utf-8")  # would raise if a character were cut in half
    assert 255 - len(char.encode()) < len(encoded) <= 255
    assert name == char * ((255 - 5) // len(char.encode())) + ".docx"


def test_lone_surrogates_are_dropped_so_the_name_can_be_encoded() -> None:
    assert sanitize_filename("\ud800cv.pdf").encode() == b"cv.pdf"


def test_split_extension() -> None:
    assert split_extension("report.final.pdf") == ("report.final", ".pdf")
    assert split_extension("README") == ("README", "")
    assert split_extension("notes.from the meeting") == ("notes.from the meeting", "")


def test_attachment_header_has_ascii_fallback_and_utf8_name() -> None:
    header = content_disposition("../Résumé 2024.pdf")

    assert header == (
        "attachment; filename=\"Resume 2024.pdf\"; filename*=UTF-8''R%C3%A9sum%C3%A9%202024.pdf"
    )


def test_header_for_a_name_without_ascii_letters_falls_back_to_file() -> None:
    header = content_disposition("日本語.pdf", inline=True)

    assert header.startswith('inline; filename="file.pdf"; ')
    assert header.endswith("filename*=UTF-8''%E6%97%A5%E6%9C%AC%E8%AA%9E.pdf")


def test_header_cannot_be_broken_by_quotes_or_semicolons() -> None:
    header = content_disposition('a"; filename="evil.exe.pdf')

    assert header.count('"') == 2
    assert "filename*=UTF-8''a_%3B%20filename%3D_evil.exe.pdf" in header


def test_object_key_is_random_under_the_candidate_prefix() -> None:
    first, second = make_object_key(42), make_object_key(42)

    assert re.fullmatch(r"candidates/42/artifacts/[0-9a-f]{32}", first)
    assert first != second
    assert first.startswith(candidate_prefix(42))
    assert make_object_key(42, "statements").startswith("candidates/42/statements/")


@pytest.mark.parametrize("user_id", [0, -1, True, "7"])
def test_object_key_needs_a_real_user_id(user_id: object) -> None:
    with pytest.raises(ValueError, match="user_id"):
        make_object_key(user_id)  # type: ignore[arg-type]


@pytest.mark.parametrize("purpose", ["../x", "", "Artifacts", "a/b"])
def test_object_key_purpose_is_a_plain_word(purpose: str) -> None:
    with pytest.raises(ValueError, match="purpose"):
        make_object_key(1, purpose)
