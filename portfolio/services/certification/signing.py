"""Data Integrity proofs with the `eddsa-rdfc-2022` cryptosuite (W3C VC Data Integrity EdDSA).

Signing: canonicalise the proof options and the document with RDFC-1.0 (pyld's URDNA2015, the
same algorithm under its earlier name), hash each with SHA-256, sign the two hashes with
Ed25519 and attach the proof. `verify` does the same the other way; the test suite also checks
our proofs with an independent implementation (tests/credentials/).
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from pyld import jsonld

from portfolio.domain.certification import multikey
from portfolio.domain.errors import InvalidInput
from portfolio.services.certification.contexts import document_loader

CRYPTOSUITE = "eddsa-rdfc-2022"
PROOF_TYPE = "DataIntegrityProof"


@dataclass(frozen=True)
class SigningKey:
    """One Ed25519 key of the issuer; `key_id` is the verification method's URL."""

    private_key: Ed25519PrivateKey
    key_id: str

    @property
    def public_key_multibase(self) -> str:
        return public_multibase(self.private_key.public_key())


def public_multibase(public_key: Ed25519PublicKey) -> str:
    return multikey.public_key_multibase(public_key.public_bytes(Encoding.Raw, PublicFormat.Raw))


def canonical(document: dict[str, Any]) -> str:
    """RDFC-1.0 canonical N-Quads of `document`, with the shipped contexts only.

    `safe` mode: a property no context defines is an error instead of being dropped unsigned.
    """
    return str(
        jsonld.normalize(
            document,
            {
                "algorithm": "URDNA2015",
                "format": "application/n-quads",
                "documentLoader": document_loader,
                "safe": True,
            },
        )
    )


def _hash_data(document: dict[str, Any], options: dict[str, Any]) -> bytes:
    config = {**options, "@context": document["@context"]}
    return (
        hashlib.sha256(canonical(config).encode()).digest()
        + hashlib.sha256(canonical(document).encode()).digest()
    )


def sign(document: dict[str, Any], key: SigningKey, created: str) -> dict[str, Any]:
    """A copy of `document` with an eddsa-rdfc-2022 proof by `key`, made at `created`."""
    unsigned = {k: v for k, v in document.items() if k != "proof"}
    options = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": created,
        "verificationMethod": key.key_id,
        "proofPurpose": "assertionMethod",
    }
    signature = key.private_key.sign(_hash_data(unsigned, options))
    signed = copy.deepcopy(unsigned)
    signed["proof"] = {**options, "proofValue": multikey.encode_signature(signature)}
    return signed


def verify(document: dict[str, Any], public_keys: dict[str, str]) -> bool:
    """Whether the proof of `document` is a good eddsa-rdfc-2022 signature by one of
    `public_keys` (verification method URL -> publicKeyMultibase). Checks the signature only,
    not dates or status."""
    proof = document.get("proof")
    if not isinstance(proof, dict) or proof.get("cryptosuite") != CRYPTOSUITE:
        return False
    key = public_keys.get(str(proof.get("verificationMethod")))
    if key is None:
        return False
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    unsigned = {k: v for k, v in document.items() if k != "proof"}
    try:
        signature = multikey.decode_signature(str(proof.get("proofValue", "")))
        public = Ed25519PublicKey.from_public_bytes(multikey.decode_public_key(key))
        public.verify(signature, _hash_data(unsigned, options))
    except (InvalidInput, InvalidSignature, jsonld.JsonLdError):
        return False
    return True
