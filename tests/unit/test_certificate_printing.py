"""What a printed certificate says, on which paper, and when there is none to print."""

from __future__ import annotations

from datetime import date

import pytest

from portfolio.domain.certification.evaluation import Route, SetState, certificate_status
from portfolio.domain.certification.printing import (
    DEFAULT_PAPER,
    UNKNOWN_PAPER,
    PaperSize,
    PrintedCertificate,
    needs_shaping,
    paper_size,
    require_printable,
    require_printable_text,
    sets_met,
    unprintable_characters,
)
from portfolio.domain.errors import Conflict, Gone, InvalidInput
from portfolio.domain.lifecycle import SetLifecycle

TODAY = date(2027, 6, 1)


def state(code, required, route, status=SetLifecycle.NOT_STARTED, verified=False):
    return SetState(code, f"{code} name", required, route, status, course_verified=verified)


@pytest.mark.parametrize(
    ("text", "paper"),
    [
        (None, PaperSize.A4),
        ("a4", PaperSize.A4),
        ("A4", PaperSize.A4),
        (" Letter ", PaperSize.LETTER),
    ],
)
def test_paper_sizes_are_read_forgivingly_and_default_to_a4(text, paper):
    assert paper_size(text) is paper
    assert DEFAULT_PAPER is PaperSize.A4


@pytest.mark.parametrize("text", ["", "a3", "legal", "a4\x00", "letter;a4"])
def test_any_other_paper_is_refused(text):
    with pytest.raises(InvalidInput) as refused:
        paper_size(text)
    assert (refused.value.message, refused.value.field) == (UNKNOWN_PAPER, "paper")


def test_papers_are_landscape_in_millimetres():
    assert PaperSize.A4.size_mm == (297.0, 210.0)
    assert PaperSize.LETTER.size_mm == (279.4, 215.9)
    assert [p.label for p in PaperSize] == ["A4", "US Letter"]


def test_only_the_sets_met_print_required_first_with_how():
    states = [
        state("E1", False, Route.PORTFOLIO, SetLifecycle.MET),
        state("R1", True, Route.COURSE, verified=True),
        state("E2", False, Route.PORTFOLIO, SetLifecycle.IN_REVIEW),
        state("R2", True, Route.PORTFOLIO, SetLifecycle.MET),
        state("E3", False, Route.COURSE, verified=False),
        state("E4", False, Route.UNDECIDED),
    ]
    met = sets_met(states)
    assert [(s.code, s.required, s.how) for s in met] == [
        ("R1", True, "Met by a verified approved course"),
        ("R2", True, "Met by portfolio review"),
        ("E1", False, "Met by portfolio review"),
    ]
    printed = PrintedCertificate(
        "A", "P", "I", "N", date(2026, 1, 5), date(2031, 1, 4), met, "https://x/"
    )
    assert printed.set_lines[0] == "R1 R1 name (required): Met by a verified approved course"
    assert printed.set_lines[2] == "E1 E1 name (elective): Met by portfolio review"
    assert (printed.issued, printed.valid_until) == ("5 January 2026", "4 January 2031")


def test_a_certificate_certified_by_the_office_alone_says_so():
    printed = PrintedCertificate("A", "P", "I", "N", TODAY, TODAY, (), "https://x/")
    assert printed.set_lines == ("Certified by decision of the program office.",)


def test_a_valid_certificate_prints_up_to_its_last_day():
    require_printable(certificate_status(TODAY, None, "", TODAY), "N")


def test_a_revoked_or_expired_certificate_has_no_pdf():
    revoked = certificate_status(date(2030, 1, 1), date(2027, 5, 2), "Forged.", TODAY)
    with pytest.raises(Gone, match=r"^Revoked on 2 May 2027: certificate N was revoked") as gone:
        require_printable(revoked, "N")
    assert gone.value.status == 410 and "Forged" not in gone.value.message
    expired = certificate_status(date(2027, 5, 31), None, "", TODAY)
    with pytest.raises(Gone, match=r"^Expired on 1 June 2027: certificate N has expired"):
        require_printable(expired, "N")


def test_characters_the_font_lacks_are_listed_once_in_order():
    covered = frozenset(map(ord, "abc -"))
    assert unprintable_characters(["ab 王小", "c-王明\u200b\t"], covered) == ("王", "小", "明")
    assert unprintable_characters(["abc", "a b"], covered) == ()


def test_a_certificate_its_font_cannot_print_is_refused_with_the_letters():
    require_printable_text(())
    with pytest.raises(Conflict, match="font has no letters for 王, 小, 明") as refused:
        require_printable_text(("王", "小", "明"))
    assert refused.value.status == 409
    with pytest.raises(Conflict, match=r"for 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, a, b and more\."):
        require_printable_text(tuple("0123456789abc"))


@pytest.mark.parametrize(
    ("text", "shaped"),
    [
        ("Zoë Łukasiewicz Ἀλέξανδρος Дмитриевна", False),  # precomposed: no shaping needed
        ("דוד כהן", True),
        ("Layla محمد", True),
        ("Zoe\u0308", True),  # a combining diaeresis
    ],
)
def test_only_right_to_left_letters_and_combining_marks_need_shaping(text, shaped):
    assert needs_shaping([text]) is shaped
