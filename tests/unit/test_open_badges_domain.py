"""The pure parts of Open Badges credentials: the status list bits, Multikey strings, the hashed
identity and the credential's shape."""

from __future__ import annotations

import gzip
import hashlib
import random
from datetime import date

import pytest
from multiformats import multibase

from portfolio.domain.certification import multikey
from portfolio.domain.certification.credentials import (
    CredentialFacts,
    SetResult,
    identity_hash,
    open_badge_credential,
)
from portfolio.domain.certification.status_list import (
    LIST_LENGTH,
    decode_list,
    encode_list,
    pick_index,
    status_entry,
)
from portfolio.domain.errors import Conflict, InvalidInput


def test_bit_zero_is_the_leftmost_bit_of_the_first_byte():
    raw = gzip.decompress(bytes(multibase.decode(encode_list({0, 9}))))
    assert len(raw) * 8 == LIST_LENGTH  # 16 KiB: a verifier learns nothing from fetching it
    assert raw[:2] == bytes([0b1000_0000, 0b0100_0000]) and not any(raw[2:])


def test_the_list_round_trips_and_encodes_the_same_every_time():
    bits = {0, 1, 4095, LIST_LENGTH - 1}
    assert decode_list(encode_list(bits)) == bits
    assert encode_list(bits) == encode_list(sorted(bits))
    assert encode_list(()).startswith("u")  # multibase base64url


@pytest.mark.parametrize("index", [-1, LIST_LENGTH])
def test_an_index_outside_the_list_is_refused(index):
    with pytest.raises(InvalidInput):
        encode_list({index})


def test_a_picked_index_is_free_even_when_the_list_is_nearly_full():
    used = set(range(10)) - {3}
    assert pick_index(used, random.Random(1), length=10) == 3
    with pytest.raises(Conflict, match="full"):
        pick_index(set(range(10)), random.Random(1), length=10)


def test_a_status_entry_points_at_its_bit():
    assert status_entry("https://x.test/credentials/status/1", 42) == {
        "id": "https://x.test/credentials/status/1#42",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "42",
        "statusListCredential": "https://x.test/credentials/status/1",
    }


def test_multikey_strings_round_trip_and_keep_leading_zero_bytes():
    seed = bytes(32)  # all zero bytes: base58 must keep them
    text = multikey.secret_key_multibase(seed)
    assert text.startswith("z3u2") and multikey.decode_secret_key(text) == seed
    assert multikey.public_key_multibase(bytes(32)).startswith("z6Mk")
    signature = bytes([0, 0]) + bytes(range(62))
    assert multikey.decode_signature(multikey.encode_signature(signature)) == signature


@pytest.mark.parametrize(
    "raw",
    [bytes(64), bytes([0, 0, 1]) + bytes(61), bytes([255] * 64), bytes(range(64)), b"\x00", b""],
)
def test_signatures_are_written_as_the_multibase_library_writes_base58btc(raw):
    assert "z" + multikey.base58btc(raw) == str(multibase.encode(raw, "base58btc"))
    if len(raw) == multikey.SIGNATURE_BYTES:
        assert multikey.encode_signature(raw) == str(multibase.encode(raw, "base58btc"))


@pytest.mark.parametrize(
    "text",
    ["", "z", "abc", "z0OIl", "zzzzzzzz", "z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", "é"],
)
def test_anything_but_an_ed25519_secret_key_is_refused_with_a_reason(text):
    with pytest.raises(InvalidInput, match="Expected an Ed25519 secret key"):
        multikey.decode_secret_key(text)


def test_the_identity_hash_is_ob3s_salted_sha256_of_the_address():
    expected = hashlib.sha256(b"casey@example.org" + b"pepper").hexdigest()
    assert identity_hash(" Casey@Example.org ", "pepper") == f"sha256${expected}"


def test_the_credential_holds_each_set_met_and_how():
    facts = CredentialFacts(
        credential_id="https://x.test/credentials/1",
        issuer_id="https://x.test/issuer",
        issuer_name="Office",
        issuer_url="https://x.test",
        achievement_id="https://x.test/programs/p/?version=1",
        program_name="Program",
        program_description="",
        criteria="Meet every set.",
        holder_name="Casey",
        holder_email="casey@example.org",
        salt="s",
        sets=[SetResult("A", "Alpha", "Met by portfolio review.")],
        issued_on=date(2026, 2, 28),
        expires_on=date(2031, 2, 27),
        certificate_number="N",
        status=status_entry("https://x.test/credentials/status/1", 5),
    )
    credential = open_badge_credential(facts)
    assert (credential["validFrom"], credential["validUntil"]) == (
        "2026-02-28T00:00:00Z",
        "2031-02-27T23:59:59Z",
    )
    subject = credential["credentialSubject"]
    assert subject["result"] == [
        {
            "type": ["Result"],
            "resultDescription": "https://x.test/programs/p/?version=1#set-A",
            "status": "Completed",
            "value": "Met by portfolio review.",
        }
    ]
    assert subject["achievement"]["description"] == "Program"  # never empty
    assert "casey@example.org" not in str(credential)
