"""File names from users made safe to show and to offer as downloads, and server-chosen keys.

A user's file name is display data only: it never becomes part of an object key or a path.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from urllib.parse import quote

MAX_NAME_BYTES = 255  # the limit of most file systems, counted in UTF-8 bytes
FALLBACK_NAME = "file"
# An extension longer than this is more likely part of the name ("notes.from the meeting").
MAX_EXTENSION_CHARS = 16

# Windows refuses these as a file name, with or without an extension ("CON.txt").
_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL"}
    | {f"{device}{n}" for device in ("COM", "LPT") for n in [*"123456789", "¹", "²", "³"]}
)
# Characters Windows forbids in names; browsers replace them anyway, we do it first.
_FORBIDDEN = re.compile(r'[<>:"|?*]')
_SPACES = re.compile(r"\s+")
# Control (Cc), format (Cf: bidi overrides, zero-width), surrogates (Cs), line/para separators.
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_PURPOSE = re.compile(r"^[a-z][a-z0-9-]{0,30}$")


def sanitize_filename(name: str) -> str:
    """A name that is safe to display and to send as a download name.

    Keeps only the last path component, drops control, bidi and zero-width characters,
    normalizes to NFC, defuses Windows reserved names ("CON.txt" -> "_CON.txt"), strips leading
    and trailing dots and spaces, and truncates to 255 UTF-8 bytes keeping the extension.
    Never empty: returns "file" when nothing usable is left.
    """
    text = unicodedata.normalize("NFC", name)
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(
        " " if unicodedata.category(ch) == "Zs" else ch
        for ch in text
        if unicodedata.category(ch) not in _DROPPED_CATEGORIES
    )
    text = _FORBIDDEN.sub("_", text)
    text = _SPACES.sub(" ", text).strip(" .")
    if not text:
        return FALLBACK_NAME
    if text.split(".", 1)[0].rstrip(" ").upper() in _RESERVED:
        text = "_" + text
    return _truncate(text)


def split_extension(name: str) -> tuple[str, str]:
    """("report", ".pdf") for "report.pdf"; ("archive.tar", ".gz"); ("README", "")."""
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or not ext or len(ext) > MAX_EXTENSION_CHARS or " " in ext:
        return name, ""
    return stem, "." + ext


def _truncate(name: str) -> str:
    if len(name.encode()) <= MAX_NAME_BYTES:
        return name
    stem, ext = split_extension(name)
    budget = MAX_NAME_BYTES - len(ext.encode())
    # Cut whole code points, so the result is still valid UTF-8.
    while stem and len(stem.encode()) > budget:
        stem = stem[:-1]
    stem = stem.rstrip(" .")
    return (stem or FALLBACK_NAME) + ext


def content_disposition(name: str, *, inline: bool = False) -> str:
    """A Content-Disposition value (RFC 6266) for `name`, sanitized first.

    Carries an ASCII `filename` for old clients and the exact UTF-8 name in `filename*`
    (RFC 8187 percent-encoding).
    """
    safe = sanitize_filename(name)
    kind = "inline" if inline else "attachment"
    fallback = _ascii_fallback(safe)
    encoded = quote(safe, safe="!#$&+-.^_`|~")
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"


def _ascii_fallback(name: str) -> str:
    stem, ext = split_extension(name)
    ascii_stem = _to_ascii(stem).strip(" .")
    ascii_ext = _to_ascii(ext)
    if not ascii_stem.strip("_"):
        ascii_stem = FALLBACK_NAME
    return ascii_stem + (ascii_ext if len(ascii_ext) > 1 else "")


def _to_ascii(text: str) -> str:
    # Accents fold to their base letter (é -> e); what has no ASCII form is dropped; quotes,
    # backslashes and % (which some browsers decode) become "_".
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r'[^\x20-\x7e]|["\\%]', "_", folded)


def candidate_prefix(user_id: int) -> str:
    """The key prefix under which every object of one candidate lives."""
    if isinstance(user_id, bool) or not isinstance(user_id, int) or user_id <= 0:
        raise ValueError(f"user_id must be a positive integer, not {user_id!r}")
    return f"candidates/{user_id}/"


def make_object_key(user_id: int, purpose: str = "artifacts") -> str:
    """A new object key: candidates/<user_id>/<purpose>/<128-bit random hex>.

    Chosen by the server and never derived from the user's file name, so it cannot be
    guessed, collide, or carry hostile characters.
    """
    if not _PURPOSE.match(purpose):
        raise ValueError(f"purpose must be a short lowercase word, not {purpose!r}")
    return f"{candidate_prefix(user_id)}{purpose}/{secrets.token_hex(16)}"


def reviewer_copy_key(key: str) -> str:
    """Where the reviewers' copy of the object at `key` (an image without metadata) lives.

    Derived from the key rather than drawn at random, so that a pending upload claims it
    before its completion writes it (reconcile never takes it for an orphan) and a completion
    asked again writes the same key instead of a second copy."""
    return f"{key}.reviewer"


def staged_part_key(key: str, part_number: int) -> str:
    """Where part `part_number` of the file that will live at `key` is staged until the store
    joins the parts (services.uploads.staged_parts). Derived from the key, like the reviewers'
    copy, so that the row claims its parts before any of them exists."""
    if isinstance(part_number, bool) or not 1 <= part_number <= 99999:
        raise ValueError(f"part numbers run from 1 to 99999, not {part_number!r}")
    return f"{key}.part{part_number:05d}"


def staged_parts_prefix(key: str) -> str:
    """The prefix every staged part of the file at `key` starts with."""
    return f"{key}.part"
