"""The composite fingerprint of a file sent in parts (domain.uploads.fingerprint)."""

from __future__ import annotations

import base64
import hashlib

import pytest

from portfolio.domain.errors import InvalidInput
from portfolio.domain.uploads.fingerprint import (
    Composite,
    as_checksum,
    check_part_digest,
    composite,
    first_differing,
    first_missing,
    parse_composite,
    part_ranges,
)


def test_the_composite_is_the_sha256_of_the_raw_part_digests_with_count_and_part_size() -> None:
    parts = [b"a" * 10, b"b" * 10, b"c" * 3]
    digests = [hashlib.sha256(p).hexdigest() for p in parts]
    joined = b"".join(hashlib.sha256(p).digest() for p in parts)
    assert composite(digests, 10) == f"{hashlib.sha256(joined).hexdigest()}-3x10"


def test_the_order_of_the_parts_matters() -> None:
    one, two = hashlib.sha256(b"1").hexdigest(), hashlib.sha256(b"2").hexdigest()
    assert composite([one, two], 5) != composite([two, one], 5)


def test_a_composite_reads_back_into_its_parts() -> None:
    text = composite([hashlib.sha256(b"x").hexdigest()], 16 * 1024 * 1024)
    parsed = parse_composite(text.upper())
    assert parsed == Composite(text[:64], 1, 16 * 1024 * 1024)
    assert str(parsed) == text


@pytest.mark.parametrize(
    "value",
    [None, 42, "", "0" * 64, "0" * 63 + "-1x5", "0" * 64 + "-0x5", "0" * 64 + "-1x0",
     "0" * 64 + "-1", "g" * 64 + "-1x5", "0" * 64 + "-100000x5", "0" * 64 + "-1x5 extra"],
)  # fmt: skip
def test_anything_else_is_not_a_composite(value: object) -> None:
    assert parse_composite(value) is None


def test_part_ranges_cover_the_file_once_with_a_shorter_last_part() -> None:
    assert part_ranges(25, 10) == [(1, 0, 10), (2, 10, 10), (3, 20, 5)]
    assert part_ranges(20, 10) == [(1, 0, 10), (2, 10, 10)]


def test_part_digests_are_64_hex_digits() -> None:
    assert check_part_digest("AB" * 32) == "ab" * 32
    for bad in ("ab" * 31, "zz" * 32, None, 7):
        with pytest.raises(InvalidInput):
            check_part_digest(bad)


def test_the_first_missing_and_the_first_differing_part_are_named() -> None:
    assert first_missing([1, 3, 4], 4) == 2
    assert first_missing([2, 1], 2) is None
    assert first_differing({1: "a", 2: "b", 3: "c"}, {1: "a", 2: "x", 3: "y"}) == 2
    assert first_differing({1: "a"}, {1: "a"}) is None


def test_a_parts_checksum_for_the_store_is_its_raw_sha256_in_base64() -> None:
    """As S3's x-amz-checksum-sha256 and ChecksumSHA256 carry it (the empty string's is known)."""
    empty = hashlib.sha256(b"").hexdigest()
    assert as_checksum(empty) == "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
    assert as_checksum(empty.upper()) == as_checksum(empty)
    assert base64.b64decode(as_checksum(empty)) == hashlib.sha256(b"").digest()
    with pytest.raises(InvalidInput):
        as_checksum("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")
