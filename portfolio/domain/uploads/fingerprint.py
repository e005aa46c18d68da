"""A file's fingerprint made from the SHA-256 of each of its parts, like S3's composite checksums.

A file sent in parts of P bytes (the last part holds the rest) has N = ceil(size / P) parts.
Its fingerprint is

    sha256(d1 || d2 || ... || dN) in hex, then "-N", then "x" and P

where dK is the raw 32-byte SHA-256 of part K. Each part can be hashed on its own, in any order
and in parallel (the browser while it sends, the server while it reads back), and anyone can
recompute the whole from the file alone: `python -m portfolio.tools.fingerprint FILE
--part-size P` (README, "File fingerprints"). A file sent in one piece keeps its plain SHA-256
(64 hex digits) as its fingerprint.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from portfolio.domain.errors import InvalidInput

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_COMPOSITE = re.compile(r"^([0-9a-f]{64})-([1-9][0-9]{0,4})x([1-9][0-9]{0,11})$")


@dataclass(frozen=True)
class Composite:
    """A composite fingerprint taken apart."""

    digest: str  # hex SHA-256 of the concatenated part digests
    part_count: int
    part_bytes: int

    def __str__(self) -> str:
        return f"{self.digest}-{self.part_count}x{self.part_bytes}"


def composite(part_digests: Iterable[str], part_bytes: int) -> str:
    """The fingerprint of a file whose parts of `part_bytes` have these hex SHA-256s, in order."""
    digests = [bytes.fromhex(d) for d in part_digests]
    if not digests:
        raise ValueError("a composite fingerprint needs at least one part")
    combined = hashlib.sha256(b"".join(digests)).hexdigest()
    return str(Composite(combined, len(digests), part_bytes))


def parse_composite(value: object) -> Composite | None:
    """The parts of a composite fingerprint, or None if `value` is not one."""
    if not isinstance(value, str):
        return None
    match = _COMPOSITE.match(value.strip().lower())
    if match is None:
        return None
    return Composite(match[1], int(match[2]), int(match[3]))


def check_part_digest(value: object) -> str:
    """The part's SHA-256 as 64 lowercase hex digits; InvalidInput (422) for anything else."""
    if not isinstance(value, str) or not _HEX64.match(value.strip().lower()):
        raise InvalidInput(
            "A part's SHA-256 checksum must be 64 hexadecimal digits.", field="sha256"
        )
    return value.strip().lower()


def as_checksum(hex_digest: str) -> str:
    """A part's hex SHA-256 as S3's checksums carry it (x-amz-checksum-sha256, ChecksumSHA256):
    its 32 raw bytes in base64. The store's composite checksum of the joined object is then
    the base64 of this module's composite digest."""
    return base64.b64encode(bytes.fromhex(check_part_digest(hex_digest))).decode()


def part_ranges(size: int, part_bytes: int) -> list[tuple[int, int, int]]:
    """(part number, first byte, length) of every part of a file of `size` bytes."""
    return [
        (number, start, min(part_bytes, size - start))
        for number, start in enumerate(range(0, size, part_bytes), start=1)
    ]


def first_missing(recorded: Iterable[int], part_count: int) -> int | None:
    """The lowest part number in 1..part_count with no recorded digest, or None."""
    have = set(recorded)
    return next((n for n in range(1, part_count + 1) if n not in have), None)


def first_differing(expected: Mapping[int, str], actual: Mapping[int, str]) -> int | None:
    """The lowest part number whose digest read back differs from the one the client sent."""
    return next((n for n in sorted(expected) if actual.get(n) != expected[n]), None)
