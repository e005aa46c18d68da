"""Bitstring Status List (W3C): one bit per certificate, set when it is revoked.

A list is at least 131,072 bits (16 KiB) so that a verifier fetching it learns nothing about
which credential it checks; bit 0 is the left-most bit of the first byte. The encoded list is
GZIP-compressed and written in multibase base64url (no padding), as the specification asks.
Pure: indices in, strings out.
"""

from __future__ import annotations

import gzip
import random
from collections.abc import Collection, Iterable

from multiformats import multibase

from portfolio.domain.errors import Conflict, InvalidInput

LIST_LENGTH = 131_072
PURPOSE = "revocation"
# Allocation tries random free indices this many times before walking the list in order.
_RANDOM_TRIES = 64


def encode_list(set_bits: Iterable[int], length: int = LIST_LENGTH) -> str:
    """The `encodedList` of a list of `length` bits with `set_bits` set (others clear)."""
    bits = bytearray(length // 8)
    for index in set_bits:
        if not 0 <= index < length:
            raise InvalidInput(f"Status list index {index} is outside 0..{length - 1}.")
        bits[index // 8] |= 0x80 >> (index % 8)
    # mtime=0: the same bits always encode to the same string.
    return str(multibase.encode(gzip.compress(bytes(bits), mtime=0), "base64url"))


def decode_list(encoded: str) -> set[int]:
    """The indices set in an `encodedList` (the inverse of encode_list)."""
    raw = gzip.decompress(bytes(multibase.decode(encoded)))
    return {
        byte_index * 8 + bit
        for byte_index, byte in enumerate(raw)
        if byte
        for bit in range(8)
        if byte & (0x80 >> bit)
    }


def pick_index(used: Collection[int], rng: random.Random, length: int = LIST_LENGTH) -> int:
    """A free index, chosen at random so an index says nothing about when it was issued.

    Conflict when every index is taken (the list is full: a second list is needed).
    """
    if len(used) >= length:
        raise Conflict("The credential status list is full; no credential can be issued.")
    for _ in range(_RANDOM_TRIES):
        index = rng.randrange(length)
        if index not in used:
            return index
    return next(i for i in range(length) if i not in used)


def status_entry(list_url: str, index: int) -> dict[str, str]:
    """A credential's `credentialStatus`: its bit in the list at `list_url`."""
    return {
        "id": f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": PURPOSE,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def status_list_credential(
    *, list_url: str, issuer_id: str, valid_from: str, revoked: Iterable[int]
) -> dict[str, object]:
    """The unsigned `BitstringStatusListCredential` with the bits of `revoked` set."""
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_id,
        "validFrom": valid_from,
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": PURPOSE,
            "encodedList": encode_list(revoked),
        },
    }
