"""A copy of an uploaded PDF without the properties that say who made it, for reviewers.

A PDF carries its author in places no page shows: the document information dictionary (/Info:
Author, Creator, Producer, Title, Subject, Keywords), XMP metadata streams (the catalog's and
any object's /Metadata), applications' private data (/PieceInfo), and the author of each
comment or highlight (a markup annotation's /T). In a blind review any of it can name the
candidate, so reviewers get a copy written by qpdf (pikepdf) without them; the pages, their
text and images, links and form fields stay as they are.

Only a PDF that qpdf reads as it is, without repairing it, is cleaned: a repaired copy could
lose pages that a viewer still shows. Work is bounded by MAX_DOCUMENT_BYTES, read in memory.
"""

from __future__ import annotations

import io

import pikepdf

MAX_DOCUMENT_BYTES = 64 * 1024 * 1024
CLEANED_DOCUMENT_TYPES = frozenset({"application/pdf"})
# Properties that name people or the tools on their machine, wherever they are found.
_PRIVATE_KEYS = ("/Metadata", "/PieceInfo")


class DocumentNotCleaned(Exception):
    """The PDF could not be read without repair (damaged, or locked by a password)."""


def strip_pdf_metadata(data: bytes) -> bytes:
    """`data` (a PDF of at most MAX_DOCUMENT_BYTES) written again without its document
    properties, XMP metadata, private application data and annotation authors.

    Raises DocumentNotCleaned when qpdf cannot read it as it is, or the copy still carries
    document properties; never any other error for hostile bytes."""
    if len(data) > MAX_DOCUMENT_BYTES:
        raise DocumentNotCleaned("too large to clean in memory")
    try:
        with pikepdf.open(io.BytesIO(data), attempt_recovery=False) as pdf:
            _strip(pdf)
            out = io.BytesIO()
            pdf.save(out, fix_metadata_version=False, deterministic_id=True)
        cleaned = out.getvalue()
        with pikepdf.open(io.BytesIO(cleaned), attempt_recovery=False) as check:
            if "/Info" in check.trailer or "/Metadata" in check.Root:
                raise DocumentNotCleaned("the copy still carries document properties")
    except DocumentNotCleaned:
        raise
    except Exception as exc:
        # qpdf reports damage, a password or an unsupported feature in several exception
        # types (PdfError, PasswordError, DataDecodingError, ValueError...): all mean the
        # same here, that no clean copy can be made.
        raise DocumentNotCleaned(type(exc).__name__) from exc
    return cleaned


def _strip(pdf: pikepdf.Pdf) -> None:
    if "/Info" in pdf.trailer:
        del pdf.trailer["/Info"]
    for obj in pdf.objects:
        if not isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
            continue
        for key in _PRIVATE_KEYS:
            if key in obj:
                del obj[key]
        # A comment's or highlight's author; a form field's /T is its name, and stays.
        annotation = obj.get("/Type") == pikepdf.Name.Annot or (
            "/Subtype" in obj and "/Rect" in obj
        )
        if annotation and obj.get("/Subtype") != pikepdf.Name.Widget and "/T" in obj:
            del obj["/T"]
