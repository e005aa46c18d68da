"""The type of an uploaded file, decided from its first bytes against an allow-list.

The declared name and the browser's Content-Type are never trusted: the name only breaks ties
between formats that share a container (M4A and MP4, the three legacy Office formats) and
refuses names that would make a desktop run the file (".exe", ".js", ".html").
"""

from __future__ import annotations

import codecs
import enum
from dataclasses import dataclass

import puremagic

from portfolio.domain.errors import InvalidInput
from portfolio.domain.uploads.filenames import sanitize_filename, split_extension
from portfolio.domain.uploads.markup import markup_kind

# Read this many bytes from the start of an object to sniff it.
SNIFF_BYTES = 64 * 1024

ACCEPTED_SUMMARY = (
    "PDF, images (PNG, JPEG, GIF, WebP), audio (MP3, WAV, OGG, M4A, AAC, FLAC), "
    "video (MP4, WebM, MOV), Word, Excel, PowerPoint or OpenDocument files, and plain text"
)

# Names a desktop would run, open in a browser, or open with macros, whatever the content.
_DANGEROUS = (
    ".exe .dll .com .scr .pif .msi .msp .msc .cpl .sys .drv .bat .cmd .ps1 .psm1 .psd1 .vb "
    ".vbs .vbe .js .jse .mjs .wsf .wsh .wsc .hta .jar .class .sh .bash .zsh .csh .ksh .py .pyw "
    ".pl .rb .php .phtml .cgi .asp .aspx .jsp .app .apk .dmg .pkg .deb .rpm .lnk .url .reg "
    ".inf .scf .html .htm .xhtml .shtml .mht .mhtml .svg .svgz .xml .xsl .xslt .swf .docm "
    ".dotm .xlsm .xltm .xlam .pptm .potm .ppsm .ppam .iso .img .vhd .vhdx .appimage .elf "
    ".so .dylib .bin .run .command .gadget .application .settingcontent-ms"
)
DANGEROUS_EXTENSIONS = frozenset(_DANGEROUS.split())


class FileFamily(enum.StrEnum):
    PDF = "pdf"
    IMAGE = "image"
    AUDIO = "audio"
    VIDEO = "video"
    DOCUMENT = "document"
    TEXT = "text"


@dataclass(frozen=True)
class DetectedType:
    mime: str
    family: FileFamily
    extension: str  # the usual extension of this type, e.g. ".pdf"


class FileTypeRefused(InvalidInput):
    """The file's content is not on the allow-list. `code` says why, for logs and tests."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message, field="file")
        self.code = code


# Only these may be shown in the browser (Content-Disposition: inline); the rest download.
INLINE_MIMES = frozenset(
    {
        "application/pdf",
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "audio/mpeg",
        "audio/wav",
        "audio/ogg",
        "audio/mp4",
        "audio/aac",
        "audio/flac",
        "video/mp4",
        "video/webm",
        "video/quicktime",
    }
)


_WORD = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_EXCEL = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_POWERPOINT = "application/vnd.openxmlformats-officedocument.presentationml.presentation"

# Every type detect_type accepts, with the names a file of that type may keep when it is
# downloaded; the first is the type's own (DetectedType.extension). A desktop chooses the
# program by the name, so a text file named ".iqy" or ".desktop" would open as a web query or
# a launcher: downloads.download_name gives such a file its type's own extension instead.
ACCEPTED_EXTENSIONS: dict[str, tuple[str, ...]] = {
    "application/pdf": (".pdf",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/gif": (".gif",),
    "image/webp": (".webp",),
    "audio/mpeg": (".mp3",),
    "audio/wav": (".wav",),
    "audio/ogg": (".ogg", ".oga", ".opus"),
    "audio/mp4": (".m4a", ".m4b"),
    "audio/aac": (".aac",),
    "audio/flac": (".flac",),
    "video/mp4": (".mp4", ".m4v"),
    "video/webm": (".webm",),
    "video/quicktime": (".mov",),
    _WORD: (".docx",),
    _EXCEL: (".xlsx",),
    _POWERPOINT: (".pptx",),
    "application/vnd.oasis.opendocument.text": (".odt",),
    "application/vnd.oasis.opendocument.spreadsheet": (".ods",),
    "application/vnd.oasis.opendocument.presentation": (".odp",),
    "application/msword": (".doc",),
    "application/vnd.ms-excel": (".xls",),
    "application/vnd.ms-powerpoint": (".ppt",),
    "text/plain": (".txt",),
}


def inline_allowed(mime: str) -> bool:
    """True only for the accepted images, PDF, audio and video types (never SVG or HTML)."""
    return mime.split(";", 1)[0].strip().lower() in INLINE_MIMES


def detect_type(head: bytes, declared_name: str) -> DetectedType:
    """The accepted type of a file whose first bytes are `head` (ideally SNIFF_BYTES of them).

    Raises FileTypeRefused (422) with a message for the user when the file is empty, has a
    name that would run as a program, is SVG, HTML or other markup, an executable or script,
    or anything else not on the allow-list.
    """
    extension = split_extension(sanitize_filename(declared_name))[1].lower()
    if not head:
        raise FileTypeRefused("The file is empty.", "empty")
    if extension in DANGEROUS_EXTENSIONS:
        raise FileTypeRefused(
            f"Files named {extension} are not accepted. Accepted: {ACCEPTED_SUMMARY}.",
            "extension",
        )
    found = _binary_type(head, extension)
    if found is not None:
        mime, family, usual = found
        return DetectedType(mime, FileFamily(family), usual)
    if _is_utf8_text(head):
        _refuse_markup(head)
        return DetectedType("text/plain", FileFamily.TEXT, ".txt")
    if head.startswith(_WIDE_TEXT_BOMS):
        raise FileTypeRefused(
            "This text file is saved as UTF-16 or UTF-32 (“Unicode” in some programs); "
            "plain text is accepted as UTF-8 only. Save it again with the encoding UTF-8, "
            "or as PDF, and upload it again.",
            "wide_text",
        )
    matches = _puremagic_matches(head)
    if not matches and _is_8bit_text(head):
        raise FileTypeRefused(
            "This text file is not saved as UTF-8 (perhaps as Windows-1252 or Latin-1, "
            "“ANSI” in some programs); plain text is accepted as UTF-8 only. Save it again "
            "with the encoding UTF-8, or as PDF, and upload it again.",
            "legacy_text",
        )
    if head.startswith(_EXECUTABLE_PREFIXES) or any(
        "executable" in m.name.lower() for m in matches
    ):
        raise FileTypeRefused("Programs and scripts are not accepted.", "executable")
    # puremagic calls any ZIP a .docx and any Matroska a WebM: name those containers ourselves.
    names = [name for prefix, name in _CONTAINERS.items() if head.startswith(prefix)]
    names += [m.name.strip() for m in matches if m.name.strip()]
    looks_like = f" (it looks like: {names[0]})" if names else ""
    raise FileTypeRefused(
        f"This type of file is not accepted{looks_like}. Accepted: {ACCEPTED_SUMMARY}.",
        "unknown",
    )


def _refuse_markup(head: bytes) -> None:
    kind = markup_kind(head)
    if kind == "svg":
        raise FileTypeRefused(
            "SVG images can carry scripts, so they are not accepted. "
            "Export the image as PNG or JPEG.",
            "svg",
        )
    if kind == "html":
        raise FileTypeRefused(
            "Web pages (HTML) are not accepted. Save the page as PDF instead.", "html"
        )
    if kind == "xml":
        raise FileTypeRefused(
            "XML documents are not accepted. Save it as PDF or plain text.", "xml"
        )
    if kind == "script":
        raise FileTypeRefused("Programs and scripts are not accepted.", "script")
    if kind == "rtf":
        raise FileTypeRefused(
            "RTF documents are not accepted. Save it as PDF, Word or OpenDocument.", "rtf"
        )


def _is_utf8_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    # A sample of SNIFF_BYTES may end inside a multi-byte character; an incremental decoder
    # allows that. A shorter one is the whole file, which must end on a whole character: a
    # Latin-1 "café" (ending in 0xE9) is not UTF-8 text.
    decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
    try:
        decoder.decode(head, final=len(head) < SNIFF_BYTES)
    except UnicodeDecodeError:
        return False
    return True


def _is_8bit_text(head: bytes) -> bool:
    """Text in a one-byte encoding: no NUL or other control but tab and line breaks, mostly
    ASCII, with some bytes above 0x7F (the letters UTF-8 would have spelt in two)."""
    if any(b < 0x20 and b not in b"\t\n\r\x0c" for b in head) or 0x7F in head:
        return False
    high = sum(b >= 0x80 for b in head)
    return 0 < high <= len(head) // 2


def _puremagic_matches(head: bytes) -> list[puremagic.PureMagicWithConfidence]:
    try:
        return list(puremagic.magic_string(head))
    except puremagic.PureError:
        return []


# --- signatures -----------------------------------------------------------------------------
# Our own checks: exact, and they tell apart what puremagic lumps together (ZIP vs. DOCX vs.
# ODT, the brands inside an ISO-BMFF "ftyp" box, WebM vs. other Matroska, FLAC behind ID3).

_Found = tuple[str, str, str]  # (mime, family, usual extension)

_PREFIXES: tuple[tuple[bytes, _Found], ...] = (
    (b"%PDF-", ("application/pdf", "pdf", ".pdf")),
    (b"\x89PNG\r\n\x1a\n", ("image/png", "image", ".png")),
    (b"\xff\xd8\xff", ("image/jpeg", "image", ".jpg")),
    (b"GIF87a", ("image/gif", "image", ".gif")),
    (b"GIF89a", ("image/gif", "image", ".gif")),
    (b"fLaC", ("audio/flac", "audio", ".flac")),
    (b"OggS", ("audio/ogg", "audio", ".ogg")),
)
_RIFF = {b"WAVE": ("audio/wav", "audio", ".wav"), b"WEBP": ("image/webp", "image", ".webp")}
_AUDIO_BRANDS = (b"M4A ", b"M4B ", b"M4P ", b"F4A ")
_VIDEO_BRANDS = (b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"dash")
_OOXML = {b"word/": (_WORD, ".docx"), b"xl/": (_EXCEL, ".xlsx"), b"ppt/": (_POWERPOINT, ".pptx")}
_ODF = {
    b"application/vnd.oasis.opendocument.text": ".odt",
    b"application/vnd.oasis.opendocument.spreadsheet": ".ods",
    b"application/vnd.oasis.opendocument.presentation": ".odp",
}
_OLE2 = {  # stream name in the compound file directory (UTF-16LE) -> type
    "WordDocument": ("application/msword", ".doc"),
    "Workbook": ("application/vnd.ms-excel", ".xls"),
    "Book": ("application/vnd.ms-excel", ".xls"),
    "PowerPoint Document": ("application/vnd.ms-powerpoint", ".ppt"),
}
# Windows PE, ELF, Mach-O (both byte orders, 32/64 bit, fat), WebAssembly, Android DEX.
_EXECUTABLE_PREFIXES = (
    *(b"MZ", b"\x7fELF", b"\x00asm", b"dex\n"),
    *(b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe"),
    b"\xca\xfe\xba\xbe",
)
# A text file that starts with the byte order mark of UTF-32 or UTF-16 (Notepad's and
# Excel's "Unicode"): the longer UTF-32LE mark starts like UTF-16LE's, so it comes first.
_WIDE_TEXT_BOMS = (
    codecs.BOM_UTF32_LE,
    codecs.BOM_UTF32_BE,
    codecs.BOM_UTF16_LE,
    codecs.BOM_UTF16_BE,
)
_CONTAINERS = {
    b"PK\x03\x04": "a ZIP archive",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1": "a Microsoft compound file",
    b"\x1a\x45\xdf\xa3": "a Matroska video",
}


def _binary_type(head: bytes, extension: str) -> _Found | None:
    for prefix, found in _PREFIXES:
        if head.startswith(prefix):
            return found
    if head[:4] == b"RIFF" and head[8:12] in _RIFF:
        return _RIFF[head[8:12]]
    if head[4:8] == b"ftyp":
        return _iso_media(head[8:12], extension)
    if head.startswith(b"\x1a\x45\xdf\xa3") and b"webm" in head[:64]:
        return ("video/webm", "video", ".webm")
    if head.startswith(b"PK\x03\x04"):
        return _office_zip(head, extension)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return _ole2(head, extension)
    return _mpeg_audio(head)


def _iso_media(brand: bytes, extension: str) -> _Found | None:
    if brand == b"qt  ":
        return ("video/quicktime", "video", ".mov")
    if brand in _AUDIO_BRANDS or (brand in _VIDEO_BRANDS and extension in {".m4a", ".m4b"}):
        return ("audio/mp4", "audio", ".m4a")
    if brand in _VIDEO_BRANDS:
        return ("video/mp4", "video", ".mp4")
    return None  # HEIC, 3GP, AVIF, JPEG 2000 ... are not on the list


def _office_zip(head: bytes, extension: str) -> _Found | None:
    names = _zip_entry_names(head)
    if names[:1] == [b"mimetype"]:
        # ODF stores its type uncompressed as the first entry, right after its local header.
        data_start = 38 + int.from_bytes(head[28:30], "little")  # 30 + len("mimetype") + extra
        for odf_mime, usual in _ODF.items():
            if head[data_start : data_start + len(odf_mime)] == odf_mime:
                return (odf_mime.decode(), "document", usual)
        return None
    if b"[Content_Types].xml" not in names:
        return None  # a plain ZIP archive
    for folder, (mime, usual) in _OOXML.items():
        if any(name.startswith(folder) for name in names):
            return (mime, "document", usual)
    by_extension = {usual: mime for mime, usual in _OOXML.values()}
    return (by_extension[extension], "document", extension) if extension in by_extension else None


def _zip_entry_names(head: bytes) -> list[bytes]:
    """Names of the ZIP entries whose local headers fall inside the sample, in order."""
    names = []
    start = head.find(b"PK\x03\x04")
    while start != -1 and start + 30 <= len(head):
        length = int.from_bytes(head[start + 26 : start + 28], "little")
        names.append(head[start + 30 : start + 30 + length])
        start = head.find(b"PK\x03\x04", start + 30 + length)
    return names


def _ole2(head: bytes, extension: str) -> _Found | None:
    for stream, (mime, usual) in _OLE2.items():
        if (stream + "\x00").encode("utf-16-le") in head:
            return (mime, "document", usual)
    # The directory may lie past the sample; then only the name can tell the three apart.
    # (.msi and other compound files were refused by name before we get here.)
    by_extension = {usual: mime for mime, usual in _OLE2.values()}
    return (by_extension[extension], "document", extension) if extension in by_extension else None


def _mpeg_audio(head: bytes) -> _Found | None:
    if head.startswith(b"ID3") and len(head) >= 10:
        # An ID3v2 tag (size: four 7-bit bytes) may sit in front of MP3 or FLAC data.
        size = 10 + sum((b & 0x7F) << (7 * (3 - i)) for i, b in enumerate(head[6:10]))
        if head[size : size + 4] == b"fLaC":
            return ("audio/flac", "audio", ".flac")
        return ("audio/mpeg", "audio", ".mp3")
    if len(head) < 3 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return None
    layer = (head[1] >> 1) & 0b11
    if layer == 0b00 and head[1] & 0b10000 == 0b10000:  # ADTS: MPEG-4 AAC frames
        return ("audio/aac", "audio", ".aac")
    version_ok = (head[1] >> 3) & 0b11 != 0b01
    bitrate_ok = head[2] >> 4 not in (0b0000, 0b1111)
    rate_ok = (head[2] >> 2) & 0b11 != 0b11
    if layer == 0b01 and version_ok and bitrate_ok and rate_ok:  # MPEG audio layer III
        return ("audio/mpeg", "audio", ".mp3")
    return None
