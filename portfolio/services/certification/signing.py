"""Data Integrity proofs with the `eddsa-rdfc-2022` cryptosuite (W3C VC Data Integrity EdDSA).

Signing: canonicalise the proof options and the document with RDFC-1.0 (pyld's URDNA2015, the
same algorithm under its earlier name), hash each with SHA-256, sign the two hashes with
Ed25519 and attach the proof. `verify` does the same the other way; the test suite also checks
our proofs with an independent implementation (tests/credentials/).

Speed (bench/evaluate.py signs 1,000): most of the time went on pyld processing the Open Badges
context's type-scoped contexts again for every node of every document, since pyld only reuses a
processed context under the exact active context it was made in, and a type-scoped one starts
from a fresh copy each time. `_ReusingProcessor` keeps those results for the whole process, and
the expansion of each term and IRI under each of them; the proof options (the same for every
credential signed in one run) are canonicalised once. None of it changes a byte of what is
signed: tests/integration/test_signing_bytes.py holds a fixed credential's canonical N-Quads
hash and signature, and compares with plain pyld.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
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
    options = {
        "algorithm": "URDNA2015",
        "format": "application/n-quads",
        "documentLoader": document_loader,
        "safe": True,
    }
    return str(_ReusingProcessor().normalize(document, options))


class _ReusingProcessor(jsonld.JsonLdProcessor):  # type: ignore[misc]  # pyld is untyped
    """pyld's processor, keeping each processed context for the life of the process.

    A processed context depends only on the active context it starts from (which pyld freezes
    and names with a `_uuid`), the local context and the options, so one found here is the one
    pyld would compute again. Only frozen results reached without a cycle check are kept.
    """

    _kept: dict[tuple[object, ...], Any] = {}
    _KEEP_AT_MOST = 4096  # a handful of contexts: the bound only guards against surprises

    def _process_context(  # pyld's signature, passed on unchanged
        self,
        active_ctx: Any,
        local_ctx: Any,
        options: dict[str, Any],
        override_protected: bool = False,
        propagate: bool = True,
        validate_scoped: bool = True,
        cycles: set[str] | None = None,
    ) -> Any:
        flags = (override_protected, propagate, validate_scoped)
        name = active_ctx.get("_uuid") if isinstance(active_ctx, _FROZEN) else None
        if name is None or cycles:
            return super()._process_context(active_ctx, local_ctx, options, *flags, cycles)
        key = (
            name,
            local_ctx if isinstance(local_ctx, str) else json.dumps(local_ctx, sort_keys=True),
            *flags,
            options.get("base"),
            options.get("processingMode"),
            options.get("safe"),
            options.get("documentLoader"),
        )
        found = self._kept.get(key)
        if found is not None:
            return found
        processed = super()._process_context(active_ctx, local_ctx, options, *flags, cycles)
        if isinstance(processed, _FROZEN) and len(self._kept) < self._KEEP_AT_MOST:
            self._kept[key] = processed
        return processed

    _expanded: dict[tuple[object, ...], Any] = {}
    _EXPANDED_AT_MOST = 50_000  # terms and IRIs; each credential adds a few (its own URLs)

    def _expand_iri(  # pyld's signature, passed on unchanged
        self,
        active_ctx: Any,
        value: Any,
        base: Any = None,
        vocab: bool = False,
        local_ctx: Any = None,
        defined: Any = None,
    ) -> Any:
        """pyld's, kept per (finished active context, value): outside context processing
        (no `local_ctx`) the result depends on nothing else."""
        name = active_ctx.get("_uuid") if isinstance(active_ctx, _FROZEN) else None
        if name is None or local_ctx is not None or defined is not None:
            return super()._expand_iri(active_ctx, value, base, vocab, local_ctx, defined)
        key = (name, value, base, vocab)
        try:
            return self._expanded[key]
        except KeyError:
            pass
        except TypeError:  # a value that cannot be a key (pyld returns it as it is)
            return super()._expand_iri(active_ctx, value, base, vocab)
        expanded = super()._expand_iri(active_ctx, value, base, vocab)
        if len(self._expanded) >= self._EXPANDED_AT_MOST:
            self._expanded.clear()
        self._expanded[key] = expanded
        return expanded


_FROZEN = type(jsonld.freeze({}))  # what pyld makes its finished active contexts


@lru_cache(maxsize=64)
def _canonical_text(document_json: str) -> str:
    """canonical() of a document given as JSON text: proof options repeat, so they are kept."""
    return canonical(json.loads(document_json))


def _hash_data(document: dict[str, Any], options: dict[str, Any]) -> bytes:
    config = {**options, "@context": document["@context"]}
    return (
        hashlib.sha256(_canonical_text(json.dumps(config, sort_keys=True)).encode()).digest()
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
    signed: dict[str, Any] = json.loads(json.dumps(unsigned))  # a deep copy of JSON, faster
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
