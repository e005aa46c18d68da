"""A copy of an uploaded document without the properties that say who made it, for reviewers.

A PDF carries its author in places no page shows: the document information dictionary (/Info:
Author, Creator, Producer, Title, Subject, Keywords), XMP metadata streams (the catalog's and
any object's /Metadata), applications' private data (/PieceInfo), and the author of each
comment or highlight (a markup annotation's /T). In a blind review any of it can name the
candidate, so reviewers get a copy written by qpdf (pikepdf) without them; the pages, their
text and images, links and form fields stay as they are.

Only a PDF that qpdf reads as it is, without repairing it, is cleaned: a repaired copy could
lose pages that a viewer still shows. Work is bounded by MAX_DOCUMENT_BYTES, read in memory.

Word, Excel and PowerPoint files (OOXML) and OpenDocument files are zip packages: the copy has
the same parts in the same order, with the properties parts emptied (docProps/core.xml, app.xml
and custom.xml; meta.xml) and the names on comments and tracked changes blanked. Unpacking is
bounded (MAX_MEMBERS parts, MAX_UNPACKED_BYTES in all); the regular expressions are linear.
"""

from __future__ import annotations

import io
import re
import zipfile

import pikepdf

MAX_DOCUMENT_BYTES = 64 * 1024 * 1024
MAX_MEMBERS = 10_000
MAX_UNPACKED_BYTES = 256 * 1024 * 1024
PDF = "application/pdf"
_OOXML_PREFIX = "application/vnd.openxmlformats-officedocument."
OOXML_TYPES = frozenset(
    _OOXML_PREFIX + kind
    for kind in (
        "wordprocessingml.document",
        "spreadsheetml.sheet",
        "presentationml.presentation",
    )
)
ODF_TYPES = frozenset(
    f"application/vnd.oasis.opendocument.{kind}" for kind in ("text", "spreadsheet", "presentation")
)
CLEANED_DOCUMENT_TYPES = frozenset({PDF}) | OOXML_TYPES | ODF_TYPES

_XML = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_EMPTY_PARTS = {
    "docProps/core.xml": _XML
    + b'<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
    b'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
    b'xmlns:dcterms="http://purl.org/dc/terms/"/>',
    "docProps/app.xml": _XML
    + b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'extended-properties"/>',
    "docProps/custom.xml": _XML
    + b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'custom-properties"/>',
    "meta.xml": _XML
    + b'<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    b'office:version="1.2"><office:meta/></office:document-meta>',
}
# Who wrote a comment or made a change. In every XML part: Word's w:author and w:initials, and
# OpenDocument's dc:creator and creator initials (each attribute or element empty afterwards).
_NAMES_ANYWHERE: tuple[tuple[re.Pattern[bytes], bytes], ...] = (
    (re.compile(rb'\b(w:author|w:initials)="[^"]*"'), rb'\1=""'),
    (re.compile(rb"<dc:creator>[^<]*</dc:creator>"), b"<dc:creator></dc:creator>"),
    (
        re.compile(rb"<meta:creator-initials>[^<]*</meta:creator-initials>"),
        b"<meta:creator-initials></meta:creator-initials>",
    ),
)
# In the parts that list commenters only (elsewhere these names mean other things: an Excel
# table's displayName must stay): Excel's comment authors and threaded-comment people,
# PowerPoint's comment authors.
_PEOPLE = re.compile(rb'\b(name|initials|displayName|userId|providerId)="[^"]*"')
_EXCEL_AUTHOR = re.compile(rb"<author>[^<]*</author>")
_PEOPLE_PARTS = re.compile(r"(xl/persons/[^/]+|ppt/(commentAuthors|authors))\.xml")
_EXCEL_COMMENTS = re.compile(r"xl/comments[^/]*\.xml")
# Properties that name people or the tools on their machine, wherever they are found.
_PRIVATE_KEYS = ("/Metadata", "/PieceInfo")


class DocumentNotCleaned(Exception):
    """No clean copy can be made: the document is damaged, locked by a password, too large to
    clean in memory, or a package that unpacks beyond the bounds."""


def clean_document(data: bytes, mime: str) -> bytes:
    """`data` (of verified type `mime`, one of CLEANED_DOCUMENT_TYPES) without the properties
    that say who made it. DocumentNotCleaned when no clean copy can be made."""
    if len(data) > MAX_DOCUMENT_BYTES:
        raise DocumentNotCleaned("too large to clean in memory")
    if mime == PDF:
        return strip_pdf_metadata(data)
    if mime in OOXML_TYPES or mime in ODF_TYPES:
        return strip_package_metadata(data)
    raise DocumentNotCleaned(f"no cleaner for {mime}")


def strip_package_metadata(data: bytes) -> bytes:
    """An OOXML or OpenDocument package with its properties parts emptied and the names on
    its comments and changes blanked; every other byte of every part as it was, in the same
    order, each stored as it came (OpenDocument's first part must stay uncompressed)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            members = package.infolist()
            if len(members) > MAX_MEMBERS:
                raise DocumentNotCleaned("too many parts")
            if sum(member.file_size for member in members) > MAX_UNPACKED_BYTES:
                raise DocumentNotCleaned("too large unpacked")
            out = io.BytesIO()
            with zipfile.ZipFile(out, "w") as copy:
                for member in members:
                    content = _read(package, member)
                    copy.writestr(member, _cleaned_part(member.filename, content))
        return out.getvalue()
    except DocumentNotCleaned:
        raise
    except Exception as exc:  # a damaged or hostile zip: zipfile raises many kinds
        raise DocumentNotCleaned(type(exc).__name__) from exc


def _read(package: zipfile.ZipFile, member: zipfile.ZipInfo) -> bytes:
    """The part's bytes, never more than its directory entry announced (a zip bomb whose
    entry lies is cut off and refused; zipfile checks the CRC of what it reads whole)."""
    with package.open(member) as part:
        content = part.read(member.file_size + 1)
    if len(content) != member.file_size:
        raise DocumentNotCleaned(f"{member.filename} is not the size its entry says")
    return content


def _cleaned_part(name: str, content: bytes) -> bytes:
    if name in _EMPTY_PARTS:
        return _EMPTY_PARTS[name]
    if not name.endswith(".xml"):
        return content
    cleaned = content
    for pattern, replacement in _NAMES_ANYWHERE:
        cleaned = pattern.sub(replacement, cleaned)
    if _PEOPLE_PARTS.fullmatch(name):
        cleaned = _PEOPLE.sub(rb'\1=""', cleaned)
    if _EXCEL_COMMENTS.fullmatch(name):
        cleaned = _EXCEL_AUTHOR.sub(b"<author></author>", cleaned)
    return cleaned


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
