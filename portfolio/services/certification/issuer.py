"""The issuer of the app's credentials: its public URLs and its Ed25519 signing keys.

Keys come from BADGE_SIGNING_KEYS: Multikey secret keys (`z3u2...`), oldest first, separated by
spaces or commas. The last one signs; every one stays in the issuer's profile, so credentials
signed before a rotation still verify. Production refuses to start without a good key and an
https PUBLIC_BASE_URL; development keeps a generated key in instance/ and tests get a fresh one
per app. Everything else reads the issuer bound to the app (`current_issuer`).
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from flask import current_app

from portfolio.domain.certification import multikey
from portfolio.domain.certification.credentials import IssuerKey
from portfolio.domain.errors import InvalidInput
from portfolio.services.certification.signing import SigningKey, public_multibase

DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000"
TESTING_BASE_URL = "http://localhost"  # the Flask test client's host
DEVELOPMENT_KEY_FILE = "badge-signing-keys"
STATUS_LIST = 1  # the one revocation list so far (131,072 certificates)


class IssuerSettingsError(ValueError):
    """The signing keys or the public URL cannot work; the message says why."""


@dataclass(frozen=True)
class Issuer:
    base_url: str  # no trailing slash
    name: str
    keys: tuple[SigningKey, ...]  # oldest first; the last one signs

    @property
    def id(self) -> str:
        return f"{self.base_url}/issuer"

    @property
    def signing_key(self) -> SigningKey:
        return self.keys[-1]

    @property
    def profile_keys(self) -> list[IssuerKey]:
        return [IssuerKey(k.key_id, k.public_key_multibase) for k in self.keys]

    @property
    def public_keys(self) -> dict[str, str]:
        return {k.key_id: k.public_key_multibase for k in self.keys}

    def credential_url(self, public_id: str) -> str:
        return f"{self.base_url}/credentials/{public_id}"

    def status_list_url(self, number: int = STATUS_LIST) -> str:
        return f"{self.base_url}/credentials/status/{number}"

    def program_url(self, slug: str, version: int) -> str:
        return f"{self.base_url}/programs/{slug}/?version={version}"


def new_secret_key() -> str:
    """A fresh Ed25519 secret key as a Multikey string (for BADGE_SIGNING_KEYS)."""
    seed = Ed25519PrivateKey.generate().private_bytes(
        Encoding.Raw, PrivateFormat.Raw, NoEncryption()
    )
    return multikey.secret_key_multibase(seed)


def parse_keys(text: str, base_url: str) -> tuple[SigningKey, ...]:
    """The keys of a BADGE_SIGNING_KEYS value; IssuerSettingsError naming the bad one."""
    parts = [p for p in re.split(r"[\s,]+", text.strip()) if p]
    if not parts:
        raise IssuerSettingsError("BADGE_SIGNING_KEYS is empty.")
    keys = []
    for position, part in enumerate(parts, start=1):
        try:
            seed = multikey.decode_secret_key(part)
        except InvalidInput as exc:
            raise IssuerSettingsError(
                f"BADGE_SIGNING_KEYS: key {position} of {len(parts)} is not usable: {exc.message}"
            ) from None
        private = Ed25519PrivateKey.from_private_bytes(seed)
        key_id = f"{base_url}/issuer#{public_multibase(private.public_key())}"
        keys.append(SigningKey(private, key_id))
    return tuple(keys)


def issuer_from_settings(settings: Mapping[str, Any], instance_path: Path) -> Issuer:
    """The issuer the settings describe; IssuerSettingsError when they cannot work."""
    env = settings.get("ENV_NAME")
    base_url = str(settings.get("PUBLIC_BASE_URL") or "").strip().rstrip("/")
    if env == "production" and not base_url.startswith("https://"):
        raise IssuerSettingsError(
            "set PUBLIC_BASE_URL to the https address of the app in production: credentials "
            "and the issuer's profile are served from it."
        )
    if not base_url:
        base_url = TESTING_BASE_URL if env == "testing" else DEVELOPMENT_BASE_URL
    raw = settings.get("BADGE_SIGNING_KEYS")
    if raw is None or not str(raw).strip():
        if env == "production":
            raise IssuerSettingsError(
                "set BADGE_SIGNING_KEYS to the issuer's Ed25519 secret key (Multikey, z3u2...; "
                "`flask certificates new-signing-key` makes one) in production."
            )
        raw = new_secret_key() if env == "testing" else _development_key(instance_path)
    name = str(settings.get("BADGE_ISSUER_NAME") or "").strip() or "Portfolio Certification Office"
    return Issuer(base_url=base_url, name=name, keys=parse_keys(str(raw), base_url))


def _development_key(instance_path: Path) -> str:
    """The development key kept in instance/ (made on first use, readable by its owner only).

    Written to a temporary file first and then linked into place, so a process starting at the
    same moment reads either no file or the whole key, and the first one made stays.
    """
    path = instance_path / DEVELOPMENT_KEY_FILE
    if not path.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=instance_path, prefix=".badge-key-")
        try:
            with os.fdopen(fd, "w") as handle:  # mkstemp makes it 0600
                handle.write(new_secret_key() + "\n")
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process linked its key first: that one is used
        finally:
            os.unlink(temporary)
    return path.read_text(encoding="utf-8")


def current_issuer() -> Issuer:
    """The issuer bound to the running app (create_app binds it)."""
    issuer: Issuer = current_app.extensions["credential_issuer"]
    return issuer
