"""Ed25519 keys as Multikey strings (multicodec prefix, then multibase base58btc), the form a
Data Integrity verification method and our signing-key setting use.

A public key reads `z6Mk...` (prefix ed25519-pub), a secret key `z3u2...` (ed25519-priv, the
32-byte seed). Pure: bytes in, strings out.
"""

from __future__ import annotations

from multiformats import multibase, multicodec

from portfolio.domain.errors import InvalidInput

_BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
KEY_BYTES = 32
SIGNATURE_BYTES = 64


def public_key_multibase(public_key: bytes) -> str:
    """The Multikey `publicKeyMultibase` of a raw 32-byte Ed25519 public key."""
    return _encode("ed25519-pub", public_key)


def secret_key_multibase(seed: bytes) -> str:
    """The Multikey `secretKeyMultibase` of a raw 32-byte Ed25519 private key (its seed)."""
    return _encode("ed25519-priv", seed)


def decode_secret_key(text: str) -> bytes:
    """The 32-byte seed of a `secretKeyMultibase`; InvalidInput saying what is wrong."""
    return _decode(text, "ed25519-priv", "an Ed25519 secret key (z3u2...)")


def decode_public_key(text: str) -> bytes:
    return _decode(text, "ed25519-pub", "an Ed25519 public key (z6Mk...)")


def encode_signature(signature: bytes) -> str:
    """A Data Integrity `proofValue`: the signature in multibase base58btc (z...)."""
    if len(signature) != SIGNATURE_BYTES:
        raise InvalidInput(f"An Ed25519 signature has {SIGNATURE_BYTES} bytes.")
    return "z" + base58btc(signature)


def base58btc(raw: bytes) -> str:
    """Bitcoin's base58 of `raw` (what multibase's base58btc writes after its "z"): done here
    because the multiformats library checks its arguments' types at run time, which cost a
    fifth of the time of signing a credential."""
    number = int.from_bytes(raw, "big")
    digits = []
    while number:
        number, digit = divmod(number, 58)
        digits.append(_BASE58_ALPHABET[digit])
    zeros = len(raw) - len(raw.lstrip(b"\0"))  # each leading zero byte is written as a "1"
    return "1" * zeros + "".join(reversed(digits))


def decode_signature(text: str) -> bytes:
    if not text.startswith("z"):
        raise InvalidInput("A proofValue must be base58btc multibase (start with z).")
    try:
        raw = bytes(multibase.decode(text))
    except (ValueError, KeyError) as exc:
        raise InvalidInput(f"The proofValue is not base58btc: {exc}") from None
    if len(raw) != SIGNATURE_BYTES:
        raise InvalidInput(f"An Ed25519 signature has {SIGNATURE_BYTES} bytes, not {len(raw)}.")
    return raw


def _encode(codec: str, raw: bytes) -> str:
    if len(raw) != KEY_BYTES:
        raise InvalidInput(f"An Ed25519 key has {KEY_BYTES} bytes, not {len(raw)}.")
    return str(multibase.encode(multicodec.wrap(codec, raw), "base58btc"))


def _decode(text: str, codec: str, what: str) -> bytes:
    if not text.startswith("z"):
        raise InvalidInput(f"Expected {what} in base58btc multibase, starting with z.")
    try:
        found, raw = multicodec.unwrap(bytes(multibase.decode(text)))
    except (ValueError, KeyError) as exc:
        raise InvalidInput(f"Expected {what}: {exc}") from None
    if found.name != codec:
        raise InvalidInput(f"Expected {what}, found a {found.name} key.")
    if len(raw) != KEY_BYTES:
        raise InvalidInput(f"Expected {what} of {KEY_BYTES} bytes, found {len(raw)}.")
    return bytes(raw)
