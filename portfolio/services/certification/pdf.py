"""The PDF certificate: one landscape page, A4 or US Letter, drawn with fpdf2.

It prints a domain.certification.printing.PrintedCertificate: the holder, the program, the
sets met and how, the dates, the number, and a QR code (segno) that opens the public page
that verifies it. DejaVu Sans is embedded (subset), so names with accents, Greek or Cyrillic
print the same in every reader (data/fonts/dejavu/README.md says where the files come from);
text is shaped by HarfBuzz, so Hebrew and Arabic names read right to left, Arabic joined.
Chinese, Japanese and Korean letters, which DejaVu lacks, come from Noto Sans CJK (Debian's
`fonts-noto-cjk`, CERTIFICATE_CJK_FONT_DIR) when it is installed: embedded (subset) only in the
certificates that need it, since reading the 20 MB collections takes a second or two.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time
from functools import lru_cache
from pathlib import Path

import segno
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos

from portfolio.domain.certification.printing import (
    PaperSize,
    PrintedCertificate,
    needs_shaping,
    unprintable_characters,
)

FAMILY = "DejaVu"
CJK_FAMILY = "NotoSansCJK"
INK = (33, 37, 41)
MUTED = (90, 96, 104)
ACCENT = (31, 78, 121)
MARGIN = 18.0
QR_SIZE = 30.0  # mm: scans from arm's length
QUIET_ZONE = 5.0  # mm left white around the code: more than the 4 modules scanners need


@dataclass(frozen=True)
class CjkFonts:
    """Noto Sans CJK, regular and bold: collections of one face per language (Han characters
    are drawn the way each language writes them)."""

    regular: Path
    bold: Path

    # The faces in Debian's collections: 0 Japanese, 1 Korean, 2 Simplified Chinese.
    JAPANESE, KOREAN, CHINESE = 0, 1, 2

    @classmethod
    def in_folder(cls, folder: Path) -> CjkFonts | None:
        """The fonts in `folder` (fonts-noto-cjk's), or None when they are not installed."""
        fonts = cls(folder / "NotoSansCJK-Regular.ttc", folder / "NotoSansCJK-Bold.ttc")
        return fonts if fonts.regular.is_file() and fonts.bold.is_file() else None

    def covered(self) -> frozenset[int]:
        face = self.CHINESE  # every face has the same characters; only their shapes differ
        return _code_points(self.regular, face) & _code_points(self.bold, face)


@dataclass(frozen=True)
class CertificateFonts:
    """The two TrueType files embedded in every certificate, and the CJK fonts for the
    characters they lack (None where Noto Sans CJK is not installed)."""

    regular: Path
    bold: Path
    cjk: CjkFonts | None = None

    @classmethod
    def in_folder(cls, folder: Path, cjk_folder: Path | None = None) -> CertificateFonts:
        cjk = CjkFonts.in_folder(cjk_folder) if cjk_folder is not None else None
        return cls(folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf", cjk)

    def main_covered(self) -> frozenset[int]:
        """The code points both DejaVu fonts have a glyph for."""
        return _code_points(self.regular) & _code_points(self.bold)

    def covered(self) -> frozenset[int]:
        """The code points a certificate can print, with the CJK fonts if there are any."""
        if self.cjk is None:
            return self.main_covered()
        return self.main_covered() | self.cjk.covered()


@lru_cache(maxsize=8)
def _code_points(path: Path, face: int = -1) -> frozenset[int]:
    # Reads the character map only (about 50 ms for DejaVu, half a second for a CJK
    # collection; once per process), not the glyphs. `face`: the font in a collection.
    font = TTFont(path, lazy=True, fontNumber=face)
    try:
        return frozenset(font.getBestCmap())
    finally:
        font.close()


def missing_characters(printed: PrintedCertificate, fonts: CertificateFonts) -> tuple[str, ...]:
    """The characters of the certificate its fonts cannot print (none, for most names)."""
    return unprintable_characters(printed.texts, fonts.covered())


def render_pdf(printed: PrintedCertificate, paper: PaperSize, fonts: CertificateFonts) -> bytes:
    """The certificate as a one-page PDF on `paper`, landscape, fonts embedded.

    Callers check missing_characters first: a character the fonts lack prints as a box.
    """
    pdf = FPDF(orientation="L", unit="mm", format=paper.size_mm[::-1])
    pdf.set_auto_page_break(False)
    pdf.set_margins(MARGIN, MARGIN)
    pdf.add_font(FAMILY, "", fonts.regular)
    pdf.add_font(FAMILY, "B", fonts.bold)
    if fonts.cjk is not None and unprintable_characters(printed.texts, fonts.main_covered()):
        # Only what DejaVu lacks is drawn from the CJK fonts (fpdf2's fallback fonts).
        face = cjk_face(printed.texts)
        pdf.add_font(CJK_FAMILY, "", fonts.cjk.regular, collection_font_number=face)
        pdf.add_font(CJK_FAMILY, "B", fonts.cjk.bold, collection_font_number=face)
        pdf.set_fallback_fonts([CJK_FAMILY])
    if needs_shaping(printed.texts):
        # HarfBuzz: right-to-left runs (Hebrew, Arabic) in visual order, Arabic joined.
        pdf.set_text_shaping(True)
    _describe(pdf, printed)
    pdf.add_page()
    _frame(pdf)
    _heading(pdf, printed)
    _sets(pdf, printed)
    _details(pdf, printed)
    _qr_code(pdf, printed.verify_url)
    return bytes(pdf.output())


def cjk_face(texts: Sequence[str]) -> int:
    """The face of the CJK collections to draw with: Japanese when there is kana, Korean when
    there is hangul, otherwise Chinese."""
    letters = "".join(texts)
    if any("\u3040" <= c <= "\u30ff" or "\u31f0" <= c <= "\u31ff" for c in letters):
        return CjkFonts.JAPANESE
    if any("\uac00" <= c <= "\ud7af" or "\u1100" <= c <= "\u11ff" for c in letters):
        return CjkFonts.KOREAN
    return CjkFonts.CHINESE


def _describe(pdf: FPDF, printed: PrintedCertificate) -> None:
    pdf.set_title(f"Certificate {printed.number}: {printed.program}")
    pdf.set_author(printed.issuer)
    pdf.set_subject(f"{printed.holder}, {printed.program}")
    pdf.set_creator("Portfolio")
    pdf.set_lang("en")
    # The issue date, not the download's: the same certificate gives the same document.
    pdf.set_creation_date(datetime.combine(printed.issued_on, time(), UTC))


def _frame(pdf: FPDF) -> None:
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(0.8)
    pdf.rect(10, 10, pdf.w - 20, pdf.h - 20)
    pdf.set_line_width(0.2)
    pdf.rect(12.5, 12.5, pdf.w - 25, pdf.h - 25)


def _centred(pdf: FPDF, text: str, size: float, *, bold: bool = False, gap: float = 2) -> None:
    pdf.set_font(FAMILY, "B" if bold else "", size)
    pdf.multi_cell(pdf.epw, size * 0.45, text, align=Align.C, new_x=XPos.LMARGIN)
    pdf.ln(gap)


def _heading(pdf: FPDF, printed: PrintedCertificate) -> None:
    pdf.set_y(22)
    pdf.set_text_color(*MUTED)
    _centred(pdf, printed.issuer, 11, gap=3)
    pdf.set_text_color(*ACCENT)
    _centred(pdf, "Certificate", 30, bold=True, gap=4)
    pdf.set_text_color(*INK)
    _centred(pdf, "This certifies that", 12, gap=2)
    _emphasised(pdf, printed.holder, NAME_SIZES, gap=2)
    _centred(pdf, "has met every requirement of", 12, gap=2)
    _emphasised(pdf, printed.program, PROGRAM_SIZES, gap=5)


def _emphasised(pdf: FPDF, text: str, sizes: list[tuple[float, int]], *, gap: float) -> None:
    _centred(pdf, text, _fitting_size(pdf, text, sizes), bold=True, gap=gap)


# (size, lines): a name prints on one line in large type, else on two in smaller type.
NAME_SIZES = [(float(s), 1) for s in range(30, 19, -1)] + [(float(s), 2) for s in range(22, 9, -1)]
PROGRAM_SIZES = [(float(s), 1) for s in range(18, 13, -1)] + [
    (float(s), 2) for s in range(15, 8, -1)
]


def _fitting_size(pdf: FPDF, text: str, sizes: list[tuple[float, int]]) -> float:
    """The first size at which `text` (bold, centred) takes no more lines than allowed."""
    for size, most_lines in sizes:
        pdf.set_font(FAMILY, "B", size)
        if len(_lines(pdf, pdf.epw, size * 0.45, text)) <= most_lines:
            return size
    return sizes[-1][0]


def _lines(pdf: FPDF, width: float, line_height: float, text: str) -> list[str]:
    lines = pdf.multi_cell(width, line_height, text, dry_run=True, output="LINES")
    return lines if isinstance(lines, list) else [text]


BULLET = 4.0  # mm: the bullet's column; a set's wrapped lines hang from its text


def _sets(pdf: FPDF, printed: PrintedCertificate) -> None:
    """The sets, one bullet each, in the largest type that leaves room for the code."""
    left = MARGIN + 12
    width = pdf.w - 2 * left - BULLET
    pdf.set_x(left)
    pdf.set_font(FAMILY, "B", 11)
    pdf.cell(width, 6, "Competency sets met", new_x=XPos.LEFT, new_y=YPos.NEXT)
    lines = printed.set_lines
    # The code stands higher than the details: the sets end above it and its quiet zone.
    room = _qr_top(pdf) - QUIET_ZONE - pdf.get_y()
    for size in (10.0, 9.0, 8.0, 7.0):
        pdf.set_font(FAMILY, "", size)
        height = size * 0.52
        if sum(height * len(_lines(pdf, width, height, line)) for line in lines) <= room:
            break
    for line in lines:
        pdf.set_x(left)
        pdf.cell(BULLET, height, "•")
        pdf.multi_cell(width, height, line, align=Align.L, new_x=XPos.LMARGIN)


DETAIL_ROW = 6.5


def _details_top(pdf: FPDF) -> float:
    return pdf.h - MARGIN - 8 - DETAIL_ROW * 3


def _qr_top(pdf: FPDF) -> float:
    return pdf.h - MARGIN - 4 - QUIET_ZONE - QR_SIZE


def _details(pdf: FPDF, printed: PrintedCertificate) -> None:
    rows = (
        ("Issued on", printed.issued),
        ("Valid until", printed.valid_until),
        ("Certificate number", printed.number),
    )
    y = _details_top(pdf)
    for label, value in rows:
        pdf.set_xy(MARGIN + 12, y)
        pdf.set_font(FAMILY, "", 10)
        pdf.set_text_color(*MUTED)
        pdf.cell(42, DETAIL_ROW, label)
        pdf.set_font(FAMILY, "B", 11)
        pdf.set_text_color(*INK)
        pdf.cell(90, DETAIL_ROW, value)
        y += DETAIL_ROW
    # For readers who cannot scan the code: the same address, printed.
    pdf.set_xy(MARGIN + 12, y + 1)
    pdf.set_font(FAMILY, "", 8.5)
    pdf.set_text_color(*MUTED)
    pdf.cell(pdf.w - 2 * MARGIN - QR_SIZE - 40, 4, f"Check it at {printed.verify_url}")


def _qr_code(pdf: FPDF, url: str) -> None:
    """The QR code, drawn as filled squares (sharp at any zoom), its caption under it."""
    qr = segno.make(url, error="m", micro=False)
    rows = qr.matrix
    module = QR_SIZE / len(rows)
    x0 = pdf.w - MARGIN - 12 - QR_SIZE
    y0 = _qr_top(pdf)
    pdf.set_fill_color(0, 0, 0)
    for r, row in enumerate(rows):
        c = 0
        while c < len(row):
            if not row[c]:
                c += 1
                continue
            start = c
            while c < len(row) and row[c]:
                c += 1
            pdf.rect(x0 + start * module, y0 + r * module, (c - start) * module, module, "F")
    pdf.set_xy(x0 - 20, y0 + QR_SIZE + QUIET_ZONE)
    pdf.set_font(FAMILY, "", 8)
    pdf.set_text_color(*MUTED)
    pdf.cell(QR_SIZE + 40, 4, "Scan to check it is valid today", align=Align.C)
