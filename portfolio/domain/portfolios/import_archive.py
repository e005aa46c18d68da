"""Which portfolio export zips may be opened at all: the rules on the archive itself, decided
from its central directory before a single member is decompressed.

A zip is hostile until shown otherwise. Its member names are never used to write anything
(imported files get keys the server chooses), yet a name that would leave its folder on any
system (`../`, an absolute path, a drive letter, a backslash, a NUL) refuses the whole archive,
so a tampered export is named as such rather than half imported. A zip bomb is refused from the
sizes its directory declares (each member, the total, and the ratio of each member's size to its
compressed size); the reader then stops at the declared size, so a directory that lies about a
member is caught by its CRC without the bomb ever being read out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from portfolio.domain.errors import InvalidInput
from portfolio.domain.uploads.transfer import MiB, human_size

DOCUMENT_NAME = "portfolio.json"
STORED = 0  # zip compression methods the export writes (and the only ones read back)
DEFLATED = 8
# Below this size a member's compression ratio says nothing (a page of text squeezes well).
RATIO_FLOOR = 1 * MiB
# What one entry of the zip's central directory may take on average (its fixed 46 bytes, its
# name, extra fields and comment): an export's names are short, so this is generous. It bounds
# the directory zipfile reads whole into memory before a single member is looked at.
DIRECTORY_BYTES_PER_MEMBER = 4096
_DRIVE = re.compile(r"^[A-Za-z]:")


class ImportRefused(InvalidInput):
    """The export cannot be imported here; the message says why. Nothing was kept (422)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="archive")


@dataclass(frozen=True)
class ImportLimits:
    """The bounds on one import (the app's PORTFOLIO_IMPORT_* settings)."""

    max_archive_bytes: int = 512 * MiB  # the zip as posted
    max_total_bytes: int = 2048 * MiB  # every member, uncompressed, together
    max_members: int = 5_000
    max_ratio: int = 100  # uncompressed : compressed, per member above RATIO_FLOOR
    max_document_bytes: int = 32 * MiB  # portfolio.json, uncompressed

    def __post_init__(self) -> None:
        if min(self.max_archive_bytes, self.max_total_bytes, self.max_members) < 1:
            raise ValueError("import limits must be positive")
        if self.max_ratio < 2:
            raise ValueError("max_ratio must be at least 2")


@dataclass(frozen=True)
class Member:
    """One entry of the zip's central directory, as the archive declares it."""

    name: str  # the raw name as stored (zipfile's orig_filename)
    size: int  # uncompressed, as declared
    compressed: int
    method: int
    is_dir: bool = False
    offset: int = 0  # where its local header starts in the archive, as the directory says


def unsafe_name_reason(name: str) -> str | None:
    """Why `name` could write outside the folder it is unpacked into, or None when it cannot."""
    if "\x00" in name:
        return "has a NUL character in its name"
    if "\\" in name:
        return "has a backslash in its name"
    if name.startswith("/") or _DRIVE.match(name):
        return "is named by an absolute path"
    if any(part in {"..", "."} for part in name.split("/")):
        return "has a '..' folder in its name"
    if any(ord(ch) < 32 for ch in name):
        return "has a control character in its name"
    return None


def check_directory(entries: int, directory_bytes: int, limits: ImportLimits) -> None:
    """ImportRefused when the archive's end record announces more entries, or a larger central
    directory, than an export can have: checked before zipfile reads that directory whole."""
    if entries > limits.max_members:
        raise ImportRefused(
            f"The archive holds {entries:,} entries; an export holds at most "
            f"{limits.max_members:,}. Nothing was imported."
        )
    if directory_bytes > limits.max_members * DIRECTORY_BYTES_PER_MEMBER:
        raise ImportRefused(
            f"The archive's list of entries takes {human_size(directory_bytes)}, more than an "
            "export's ever does. This is not an export this app made; nothing was imported."
        )


def check_members(members: Sequence[Member], limits: ImportLimits) -> dict[str, Member]:
    """The archive's members by name once every rule holds; ImportRefused naming the first
    member (or total) that breaks one."""
    if len(members) > limits.max_members:
        raise ImportRefused(
            f"The archive holds {len(members):,} entries; an export holds at most "
            f"{limits.max_members:,}. Nothing was imported."
        )
    by_name: dict[str, Member] = {}
    total = 0
    for member in members:
        shown = _shown(member.name)
        reason = unsafe_name_reason(member.name)
        if reason is not None:
            raise ImportRefused(
                f"The archive holds an entry that {reason} ({shown}), so it could be written "
                "outside its folder. This is not an export this app made; nothing was imported."
            )
        if member.offset < 0:
            raise ImportRefused(
                f"The archive places {shown} before its own start: it is damaged or was "
                "tampered with. Nothing was imported."
            )
        if member.name in by_name:
            raise ImportRefused(f"The archive holds {shown} twice. Nothing was imported.")
        if member.is_dir:
            continue
        if member.method not in (STORED, DEFLATED):
            raise ImportRefused(
                f"{shown} is compressed in a way exports never use. Nothing was imported."
            )
        if member.size > RATIO_FLOOR and member.size > limits.max_ratio * max(member.compressed, 1):
            raise ImportRefused(
                f"{shown} would unpack from {human_size(member.compressed)} to "
                f"{human_size(member.size)}: more than {limits.max_ratio} times its packed size, "
                "as a zip bomb does. Nothing was imported."
            )
        total += member.size
        if total > limits.max_total_bytes:
            raise ImportRefused(
                f"The archive would unpack to more than {human_size(limits.max_total_bytes)}, "
                "the most one import takes. Nothing was imported."
            )
        by_name[member.name] = member
    document = by_name.get(DOCUMENT_NAME)
    if document is None:
        raise ImportRefused(
            f"The archive holds no {DOCUMENT_NAME}: it is not a portfolio export. "
            "Nothing was imported."
        )
    if document.size > limits.max_document_bytes:
        raise ImportRefused(
            f"{DOCUMENT_NAME} is {human_size(document.size)}; at most "
            f"{human_size(limits.max_document_bytes)} is read. Nothing was imported."
        )
    return by_name


def _shown(name: str) -> str:
    """A member name safe to put in a message: printable, quoted, not too long."""
    printable = "".join(ch if ch.isprintable() else "?" for ch in name)
    return repr(printable[:120])
