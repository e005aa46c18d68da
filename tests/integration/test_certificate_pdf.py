"""The PDF certificate, read back as a person and a scanner would: pdfium renders each paper
size once for the module; the tests read its text, fonts and geometry, and decode the QR code
from the picture with zxing-cpp (independent of segno, which drew it)."""

from __future__ import annotations

import ctypes
import os
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw
import pytest
import zxingcpp
from fontTools.ttLib import TTFont
from PIL import Image

from config import Config
from portfolio.domain.certification.printing import PaperSize, PrintedCertificate, SetMet
from portfolio.services.certification.pdf import (
    CertificateFonts,
    missing_characters,
    render_pdf,
)

# Accents, a Polish Ł, polytonic Greek and Cyrillic: all in DejaVu Sans; long enough to wrap
# on Letter, so the wrapped name is checked too.
HOLDER = "Zoë Łukasiewicz-Núñez Ἀλέξανδρος Дмитриевна Hohenberg-Württemberg"
URL = "https://portfolio.example.org/certificates/7K3QD-M0X2A-9PTRE-4HZ6B"
PRINTED = PrintedCertificate(
    holder=HOLDER,
    program="Library Support Staff Certification (LSSC)",
    issuer="Portfolio Certification Office",
    number="7K3QD-M0X2A-9PTRE-4HZ6B",
    issued_on=date(2026, 1, 5),
    expires_on=date(2031, 1, 4),
    sets=(
        SetMet("FOUND", "Foundations of Library Services", True, "Met by portfolio review"),
        SetMet("COMM", "Communication and Teamwork", True, "Met by a verified approved course"),
        SetMet("TECH", "Technology", True, "Met by portfolio review"),
        SetMet("ACCESS", "Access Services", False, "Met by portfolio review"),
        SetMet("ADULT", "Adult Readers' Advisory Services", False, "Met by portfolio review"),
        SetMet("CAT", "Cataloging and Classification", False, "Met by a verified approved course"),
    ),
    verify_url=URL,
)
SCALE = 3  # 216 dpi: enough for the decoder and for pixel checks
PAGE_POINTS = {PaperSize.A4: (841.89, 595.28), PaperSize.LETTER: (792.0, 612.0)}


@dataclass
class Rendered:
    data: bytes
    document: pdfium.PdfDocument
    page: pdfium.PdfPage
    text: str
    image: Image.Image

    def close(self) -> None:
        self.page.close()
        self.document.close()

    def size_of(self, needle: str) -> float:
        """The type size, in points, of the first character of `needle` on the page."""
        textpage = self.page.get_textpage()
        found = textpage.search(needle).get_next()
        assert found is not None, f"{needle!r} is not on the page"
        return float(pdfium_raw.FPDFText_GetFontSize(textpage.raw, found[0]))

    def box_of(self, needle: str) -> tuple[float, float, float, float]:
        """(left, bottom, right, top) in points of the first match of `needle`, one line."""
        textpage = self.page.get_textpage()
        found = textpage.search(needle).get_next()
        assert found is not None, f"{needle!r} is not on the page"
        index, count = found
        boxes = [textpage.get_charbox(i) for i in range(index, index + count)]
        return (
            min(b[0] for b in boxes),
            min(b[1] for b in boxes),
            max(b[2] for b in boxes),
            max(b[3] for b in boxes),
        )


# The longest a name (200 characters) and a program may be, with ten sets met.
EXTREME = replace(
    PRINTED,
    holder=("Maximiliane Josephine Ἀλεξάνδρα " * 7)[:200].strip(),
    program="Library Support Staff Certification of Everything " * 3,
    sets=tuple(
        SetMet(f"SET{n}", "Supervision, Management and Youth Services " * 2, False, "Met by x")
        for n in range(10)
    ),
)


def read(data: bytes) -> Rendered:
    document = pdfium.PdfDocument(data)
    page = document[0]
    return Rendered(
        data,
        document,
        page,
        page.get_textpage().get_text_range(),
        page.render(scale=SCALE).to_pil().convert("RGB"),
    )


@pytest.fixture(scope="module")
def fonts() -> CertificateFonts:
    return CertificateFonts.in_folder(Path(Config.CERTIFICATE_FONT_DIR))


@pytest.fixture(scope="module")
def rendered(fonts) -> Iterator[dict[PaperSize, Rendered]]:
    out = {paper: read(render_pdf(PRINTED, paper, fonts)) for paper in PaperSize}
    yield out
    for r in out.values():
        r.close()


@pytest.fixture(scope="module")
def extreme(fonts) -> Iterator[Rendered]:
    r = read(render_pdf(EXTREME, PaperSize.LETTER, fonts))
    yield r
    r.close()


def assert_inside_the_frame(r: Rendered) -> None:
    width, height = r.page.get_size()
    frame = 12.5 * 72 / 25.4  # the inner frame, 12.5 mm from each edge
    textpage = r.page.get_textpage()
    for i in range(textpage.count_chars()):
        left, bottom, right, top = textpage.get_charbox(i)
        if right > left:  # spaces and line ends have no box
            assert frame < left and right < width - frame
            assert frame < bottom and top < height - frame


@pytest.mark.parametrize("paper", list(PaperSize))
def test_one_landscape_page_of_the_chosen_paper(rendered, paper):
    document = rendered[paper].document
    assert len(document) == 1
    width, height = document[0].get_size()
    assert (width, height) == pytest.approx(PAGE_POINTS[paper], abs=0.1)


@pytest.mark.parametrize("paper", list(PaperSize))
def test_every_fact_of_the_certificate_is_in_its_text(rendered, paper):
    text = " ".join(rendered[paper].text.split())
    for fact in (
        HOLDER,
        "Library Support Staff Certification (LSSC)",
        "Portfolio Certification Office",
        "Issued on 5 January 2026",
        "Valid until 4 January 2031",
        "Certificate number 7K3QD-M0X2A-9PTRE-4HZ6B",
        "FOUND Foundations of Library Services (required): Met by portfolio review",
        "COMM Communication and Teamwork (required): Met by a verified approved course",
        "CAT Cataloging and Classification (elective): Met by a verified approved course",
        f"Check it at {URL}",
    ):
        assert fact in text


@pytest.mark.parametrize("paper", list(PaperSize))
def test_the_fonts_are_embedded_dejavu(rendered, paper):
    assert embedded_fonts(rendered[paper]) == {("DejaVuSansBook", 1), ("DejaVuSansBold", 1)}


def embedded_fonts(r: Rendered) -> set[tuple[str, int]]:
    """(font name, whether embedded) of every font the page's text uses."""
    fonts = set()
    for obj in r.page.get_objects():
        if obj.type != pdfium_raw.FPDF_PAGEOBJ_TEXT:
            continue
        font = pdfium_raw.FPDFTextObj_GetFont(obj.raw)
        size = pdfium_raw.FPDFFont_GetBaseFontName(font, None, 0)
        name = ctypes.create_string_buffer(size)
        pdfium_raw.FPDFFont_GetBaseFontName(font, name, size)
        fonts.add((name.value.decode().split("+")[-1], pdfium_raw.FPDFFont_GetIsEmbedded(font)))
    return fonts


@pytest.mark.parametrize("paper", list(PaperSize))
def test_the_qr_code_opens_the_public_page(rendered, paper):
    image = rendered[paper].image
    codes = zxingcpp.read_barcodes(image)
    assert [(c.format, c.text) for c in codes] == [(zxingcpp.BarcodeFormat.QRCode, URL)]
    # Its quiet zone (4 modules, here about 4 mm) is white on every side.
    corners = codes[0].position
    xs = [p.x for p in (corners.top_left, corners.top_right, corners.bottom_left)]
    ys = [p.y for p in (corners.top_left, corners.top_right, corners.bottom_left)]
    ring = round(4.5 * SCALE * 72 / 25.4)
    left, top, right, bottom = min(xs), min(ys), max(xs), max(ys)
    outer = image.crop((left - ring, top - ring, right + ring + 1, bottom + ring + 1))
    inner_box = (ring - 3, ring - 3, outer.width - ring + 3, outer.height - ring + 3)
    white = Image.new("RGB", (inner_box[2] - inner_box[0], inner_box[3] - inner_box[1]), "white")
    outer.paste(white, inner_box[:2])  # blank the code itself: only the ring is left
    assert outer.convert("L").getextrema() == (255, 255)


@pytest.mark.parametrize("paper", list(PaperSize))
def test_the_layout_keeps_everything_inside_the_frame_and_apart(rendered, paper):
    r = rendered[paper]
    width, _height = r.page.get_size()
    assert_inside_the_frame(r)
    # The name stands out, in type much larger than the words around it; lines are centred.
    assert r.size_of(HOLDER.split()[0]) > 1.4 * r.size_of("This certifies that")
    for line in ("Certificate", "This certifies that", "has met every requirement of"):
        box = r.box_of(line)
        assert abs((box[0] + box[2]) / 2 - width / 2) < 2
    # The sets end above the QR code's caption and the details at the foot.
    last_set = r.box_of("CAT Cataloging")
    assert last_set[1] > r.box_of("Scan to check")[3] + 30
    assert last_set[1] > r.box_of("Issued on")[3]


@pytest.mark.parametrize("paper", list(PaperSize))
def test_the_picture_has_its_frame_and_white_margins(rendered, paper):
    image = rendered[paper].image
    w, h = image.size
    mm = SCALE * 72 / 25.4
    assert image.getpixel((int(4 * mm), h // 2)) == (255, 255, 255)  # outside the frame
    frame = image.getpixel((int(10 * mm), h // 2))
    assert frame[2] > frame[0] + 40  # the accent blue of the outer frame
    ink = 1 - image.convert("L").histogram()[255] / (w * h)
    assert 0.02 < ink < 0.3  # a page of text, neither blank nor filled


def test_the_document_is_described_and_dated_by_its_issue(rendered):
    metadata = rendered[PaperSize.A4].document.get_metadata_dict()
    assert metadata["Title"] == (
        "Certificate 7K3QD-M0X2A-9PTRE-4HZ6B: Library Support Staff Certification (LSSC)"
    )
    assert metadata["Author"] == "Portfolio Certification Office"
    assert metadata["CreationDate"].startswith("D:20260105")


def test_the_paper_sizes_differ_only_in_their_page(rendered):
    a4, letter = rendered[PaperSize.A4], rendered[PaperSize.LETTER]
    assert " ".join(a4.text.split()) == " ".join(letter.text.split())
    assert a4.data != letter.data


def test_the_longest_name_and_program_and_ten_sets_still_fit(extreme):
    assert_inside_the_frame(extreme)
    text = " ".join(extreme.text.split())
    assert EXTREME.holder in text and EXTREME.program.strip() in text
    assert extreme.size_of("Maximiliane") >= 10
    assert extreme.box_of("SET9 ")[1] > extreme.box_of("Scan to check")[3] + 30
    codes = zxingcpp.read_barcodes(extreme.image)
    assert [c.text for c in codes] == [URL]


# Right-to-left: the Arabic name and the Hebrew program are shaped (HarfBuzz) and laid out
# right to left inside their left-to-right lines.
RIGHT_TO_LEFT = replace(PRINTED, holder="Layla محمد عبد الله Smith", program="תוכנית דוד כהן")


@pytest.fixture(scope="module")
def right_to_left(fonts) -> Iterator[Rendered]:
    r = read(render_pdf(RIGHT_TO_LEFT, PaperSize.A4, fonts))
    yield r
    r.close()


def char_xs(r: Rendered, first: str, last: str) -> list[float]:
    """The left edges of the characters from `first` to `last` (code points) on the page."""
    textpage = r.page.get_textpage()
    return [
        textpage.get_charbox(i)[0]
        for i in range(textpage.count_chars())
        if first <= (textpage.get_text_range(i, 1) or " ") <= last
    ]


def arabic_span(r: Rendered) -> float:
    textpage = r.page.get_textpage()
    boxes = [
        textpage.get_charbox(i)
        for i in range(textpage.count_chars())
        if "\u0600" <= (textpage.get_text_range(i, 1) or " ") <= "\u06ff"
    ]
    return max(b[2] for b in boxes) - min(b[0] for b in boxes)


def isolated_width(fonts: CertificateFonts, text: str, size: float) -> float:
    """The width in points of `text` set letter by letter in their isolated forms (bold)."""
    font = TTFont(fonts.bold)
    cmap, advances = font.getBestCmap(), font["hmtx"].metrics
    units = sum(advances[cmap[ord(c)]][0] for c in text)
    return units * size / font["head"].unitsPerEm


def test_right_to_left_names_read_right_to_left(fonts, right_to_left):
    r = right_to_left
    arabic = char_xs(r, "\u0600", "\u06ff")
    assert len(arabic) == len("محمدعبدالله")
    assert arabic[0] == max(arabic) and arabic[-1] == min(arabic)  # its first letter rightmost
    assert r.box_of("Layla")[2] < min(arabic) and max(arabic) < r.box_of("Smith")[0]
    # Joined: the shaped word is much narrower than its letters' isolated forms side by side.
    assert arabic_span(r) < 0.85 * isolated_width(fonts, "محمد عبد الله", r.size_of("Layla"))
    hebrew = char_xs(r, "\u0590", "\u05ff")
    assert len(hebrew) == len("תוכניתדודכהן")
    # The words run right to left: the first word's letters lie right of the last word's.
    assert min(hebrew[:6]) > max(hebrew[-3:])
    assert_inside_the_frame(r)
    assert [c.text for c in zxingcpp.read_barcodes(r.image)] == [URL]


@pytest.fixture(scope="module")
def cjk_fonts(fonts) -> CertificateFonts:
    with_cjk = CertificateFonts.in_folder(
        Path(Config.CERTIFICATE_FONT_DIR), Path(Config.CERTIFICATE_CJK_FONT_DIR)
    )
    if with_cjk.cjk is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("Noto Sans CJK is required under CI (make tools installs fonts-noto-cjk)")
        pytest.skip("Noto Sans CJK (fonts-noto-cjk) is not installed")
    return with_cjk


@pytest.mark.parametrize(
    ("holder", "face"),
    [
        ("王小明 Ming Wang", "NotoSansCJKSC"),
        ("山田 はなこ Hanako Yamada", "NotoSansCJKJP"),
        ("김민준 Minjun Kim", "NotoSansCJKKR"),
    ],
)
def test_chinese_japanese_and_korean_names_print_in_noto_sans_cjk(cjk_fonts, holder, face):
    assert missing_characters(replace(PRINTED, holder=holder), cjk_fonts) == ()
    r = read(render_pdf(replace(PRINTED, holder=holder), PaperSize.A4, cjk_fonts))
    try:
        assert holder in r.text  # what a reader copies, and a screen reader reads
        # The name's letters come from the face of its language, bold like any name; DejaVu
        # still prints everything it can (the Latin part of the name among it).
        assert embedded_fonts(r) == {
            ("DejaVuSansBook", 1),
            ("DejaVuSansBold", 1),
            (f"{face}Bold", 1),
        }
        assert r.box_of(holder.split()[0])[3] - r.box_of(holder.split()[0])[1] > 15  # big type
        assert_inside_the_frame(r)
        assert len(r.data) < 200_000  # a subset of the 20 MB collection, not all of it
    finally:
        r.close()


def test_a_latin_name_does_not_carry_the_cjk_fonts(cjk_fonts, rendered):
    r = read(render_pdf(PRINTED, PaperSize.A4, cjk_fonts))
    try:
        assert embedded_fonts(r) == {("DejaVuSansBook", 1), ("DejaVuSansBold", 1)}
        assert r.data == rendered[PaperSize.A4].data  # the same document as without them
    finally:
        r.close()


def test_without_the_cjk_fonts_a_chinese_name_is_reported_missing(fonts):
    assert missing_characters(replace(PRINTED, holder="王小明"), fonts) == ("王", "小", "明")
