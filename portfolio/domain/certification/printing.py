"""What a printed certificate says, on which paper, and when there is none to print.

The PDF (services.certification.pdf) lays out a PrintedCertificate; everything it prints is
decided here: the sets met and how, the paper sizes offered, and the rule that only a valid
certificate prints (a printout is read as a claim that it is valid, and paper cannot be
revoked; the public page keeps the record of an expired or revoked one).
"""

from __future__ import annotations

import enum
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from portfolio.domain.certification.evaluation import CertificateStatus, Route, SetState
from portfolio.domain.dates import format_date
from portfolio.domain.errors import Conflict, Gone, InvalidInput


class PaperSize(enum.StrEnum):
    """The paper sizes a certificate prints on (landscape); the value is the URL's `paper`."""

    A4 = "a4"
    LETTER = "letter"

    @property
    def label(self) -> str:
        return "A4" if self is PaperSize.A4 else "US Letter"

    @property
    def size_mm(self) -> tuple[float, float]:
        """Width and height in millimetres, landscape."""
        return (297.0, 210.0) if self is PaperSize.A4 else (279.4, 215.9)


DEFAULT_PAPER = PaperSize.A4
UNKNOWN_PAPER = "Choose A4 or US Letter paper."


def paper_size(text: str | None) -> PaperSize:
    """The paper named by a URL's `paper` ("a4" or "letter", any case); A4 when absent.

    InvalidInput (field "paper") for anything else.
    """
    if text is None:
        return DEFAULT_PAPER
    try:
        return PaperSize(text.strip().lower())
    except ValueError:
        raise InvalidInput(UNKNOWN_PAPER, field="paper") from None


@dataclass(frozen=True)
class SetMet:
    """One competency set the certificate certifies, and how it was met."""

    code: str
    name: str
    required: bool
    how: str  # "Met by portfolio review" or "Met by a verified approved course"


def sets_met(states: Sequence[SetState]) -> tuple[SetMet, ...]:
    """The sets met, required ones first, each in the order given."""
    met = [s for s in states if s.met]
    ordered = [s for s in met if s.required] + [s for s in met if not s.required]
    return tuple(SetMet(s.code, s.name, s.required, _how(s)) for s in ordered)


def _how(state: SetState) -> str:
    if state.route is Route.COURSE:
        return "Met by a verified approved course"
    return "Met by portfolio review"


@dataclass(frozen=True)
class PrintedCertificate:
    """Everything the PDF prints, already in words."""

    holder: str
    program: str
    issuer: str
    number: str
    issued_on: date
    expires_on: date
    sets: tuple[SetMet, ...]
    verify_url: str

    @property
    def issued(self) -> str:
        return format_date(self.issued_on)

    @property
    def valid_until(self) -> str:
        return format_date(self.expires_on)

    @property
    def texts(self) -> tuple[str, ...]:
        """Every text the page prints from data (the rest is fixed wording)."""
        return (
            self.holder,
            self.program,
            self.issuer,
            self.number,
            self.verify_url,
            *self.set_lines,
        )

    @property
    def set_lines(self) -> tuple[str, ...]:
        """One line per set met; the office's decision when the rule met none (an override)."""
        if not self.sets:
            return ("Certified by decision of the program office.",)
        return tuple(
            f"{s.code} {s.name} ({'required' if s.required else 'elective'}): {s.how}"
            for s in self.sets
        )


def require_printable(status: CertificateStatus, number: str) -> None:
    """Gone (410) unless the certificate is valid: revoked and expired ones have no PDF."""
    if status.revoked:
        raise Gone(
            f"{status.label}: certificate {number} was revoked, so it has no PDF to print or "
            "share. Its public page says it is revoked."
        )
    if not status.valid:
        raise Gone(
            f"{status.label}: certificate {number} has expired, so it has no PDF to print or "
            "share. Its public page still shows when it was valid."
        )


def unprintable_characters(texts: Sequence[str], covered: frozenset[int]) -> tuple[str, ...]:
    """The distinct characters of `texts` the font has no glyph for, in order of appearance;
    spaces and other invisible characters do not count."""
    missing: dict[str, None] = {}
    for text in texts:
        for char in text:
            if ord(char) not in covered and not char.isspace() and char.isprintable():
                missing[char] = None
    return tuple(missing)


def needs_shaping(texts: Sequence[str]) -> bool:
    """Whether any text has right-to-left letters or combining marks: those print right only
    through a shaping engine (which costs time, so Latin, Greek and Cyrillic names skip it)."""
    return any(
        unicodedata.bidirectional(char) in ("R", "AL", "AN") or unicodedata.combining(char)
        for text in texts
        for char in text
    )


def require_printable_text(missing: Sequence[str]) -> None:
    """Conflict (409) when the certificate has characters its font cannot print: a name in
    empty boxes would be no certificate at all."""
    if missing:
        shown = ", ".join(missing[:12]) + (" and more" if len(missing) > 12 else "")
        raise Conflict(
            f"This certificate cannot be printed yet: its font has no letters for {shown}. "
            "Its public page shows it as it is; ask the program office for a printed copy."
        )
