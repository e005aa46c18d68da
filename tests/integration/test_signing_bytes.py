"""What the issuer signs does not change when signing gets faster (services.certification.signing
keeps pyld's processed contexts between documents, and the canonical proof options).

A fixed credential and status list, signed by a fixed key at a fixed instant: Ed25519 is
deterministic, so the canonical N-Quads' hash and the signatures below (recorded with the
signing code as it was before any caching) must come out the same, byte for byte. The cached
canonical form also equals plain pyld's for documents signed one after another (where a stale
cache would show), and the independent verifier accepts what was signed.
"""

from __future__ import annotations

import hashlib
from datetime import date

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pyld import jsonld

from portfolio.domain.certification.credentials import (
    CredentialFacts,
    IssuerKey,
    SetResult,
    issuer_profile,
    open_badge_credential,
)
from portfolio.domain.certification.status_list import status_entry, status_list_credential
from portfolio.services.certification.contexts import document_loader
from portfolio.services.certification.signing import SigningKey, canonical, sign, verify
from tests import credential_verifier

ISSUER = "https://certify.example.org/issuer"
STATUS_LIST = "https://certify.example.org/status/1"
CREATED = "2026-03-04T10:11:12Z"
KEY = SigningKey(Ed25519PrivateKey.from_private_bytes(bytes(range(32))), f"{ISSUER}#key-1")

# Recorded from the signing code before it kept anything between calls (commit 2985cc7).
CREDENTIAL_NQUADS_SHA256 = "3298bf528fd3a363846d78622c0b4787c1b7a13a21d66328308f395ed2162166"
CREDENTIAL_PROOF_VALUE = (
    "z32rw7c9J2tgmCmQEQnsqsQ3qvUU7nco5bu4dWnFftkX56JxoBofQzkr8SkyFAAJ5hPhZTyGEhbWGbXFxMK4htqR8"
)
STATUS_LIST_PROOF_VALUE = (
    "z46Wsj7n8jDU4gWEfs8PtDUArTikqso3JLw2BFCKSpsSqwWMt6hTTSjuiuiJ8eajUsXbMDBNMj8s6ugqX94ErpZ6U"
)


def credential(holder_name: str = "Zoë Ngata-O'Brien", index: int = 4242) -> dict:
    return open_badge_credential(
        CredentialFacts(
            credential_id="https://certify.example.org/credentials/5f0c6a52-3c1e-4a8e-9d65-0b7c2f4e8a11",
            issuer_id=ISSUER,
            issuer_name="Lean Six Sigma Certification Office",
            issuer_url="https://certify.example.org/",
            achievement_id="https://certify.example.org/programs/lsscp/2",
            program_name="Lean Six Sigma Certified Professional",
            program_description="Certifies professionals who lead improvement projects.",
            criteria=(
                "Complete every required set and two electives. Each set is met by portfolio "
                "or by course."
            ),
            holder_name=holder_name,
            holder_email="zoe@example.org",
            salt="00112233445566778899aabbccddeeff",
            sets=[
                SetResult("R1", "Define and measure", "Met by portfolio review."),
                SetResult("E2", "Statistics", "Met by a verified approved course."),
            ],
            issued_on=date(2026, 3, 4),
            expires_on=date(2031, 3, 3),
            certificate_number="7K3QD-M0X2A-9PTRE-4HZ6B",
            status=status_entry(STATUS_LIST, index),
        )
    )


def revocation_list() -> dict:
    return status_list_credential(
        list_url=STATUS_LIST, issuer_id=ISSUER, valid_from=CREATED, revoked=[1, 4242]
    )


def plain_pyld(document: dict) -> str:
    options = {
        "algorithm": "URDNA2015",
        "format": "application/n-quads",
        "documentLoader": document_loader,
        "safe": True,
    }
    return str(jsonld.normalize(document, options))


def test_the_bytes_signed_are_those_signed_before_signing_was_made_faster() -> None:
    for _ in range(3):  # the second and third time run from what the first one kept
        nquads = canonical(credential())
        assert hashlib.sha256(nquads.encode()).hexdigest() == CREDENTIAL_NQUADS_SHA256
        assert sign(credential(), KEY, CREATED)["proof"]["proofValue"] == CREDENTIAL_PROOF_VALUE
        assert sign(revocation_list(), KEY, CREATED)["proof"]["proofValue"] == (
            STATUS_LIST_PROOF_VALUE
        )


def test_the_kept_contexts_give_what_plain_pyld_gives_document_after_document() -> None:
    names = ["Ada Lovelace", "李小龍", "Zoë Ngata-O'Brien", "Ørjan Ñúñez"]
    documents = [credential(name, index) for index, name in enumerate(names)]
    documents += [
        revocation_list(),
        issuer_profile(
            issuer_id=ISSUER,
            name="Office",
            url="https://certify.example.org/",
            keys=[IssuerKey(KEY.key_id, KEY.public_key_multibase)],
        ),
    ]
    for document in documents:
        assert canonical(document) == plain_pyld(document)
    # The holder's name is signed: a changed name changes the canonical form.
    assert canonical(documents[0]) != canonical(documents[1])


def test_a_credential_signed_with_the_kept_contexts_verifies_here_and_independently() -> None:
    signed = sign(credential(), KEY, CREATED)
    keys = {KEY.key_id: KEY.public_key_multibase}
    assert verify(signed, keys)
    tampered = {**signed, "name": signed["name"] + "!"}
    assert not verify(tampered, keys)

    profile = issuer_profile(
        issuer_id=ISSUER,
        name="Lean Six Sigma Certification Office",
        url="https://certify.example.org/",
        keys=[IssuerKey(KEY.key_id, KEY.public_key_multibase)],
    )
    status = sign(revocation_list(), KEY, CREATED)
    good = sign(credential(index=7), KEY, CREATED)
    results = credential_verifier.verify(
        {"good": good, "tampered": tampered, "status_list": status},
        {ISSUER: profile, STATUS_LIST: status},
        now="2027-01-01T00:00:00Z",
    )
    assert results["good"] == {"verified": True, "revoked": False, "errors": []}
    assert results["status_list"]["verified"], results["status_list"]
    assert results["tampered"]["verified"] is False
