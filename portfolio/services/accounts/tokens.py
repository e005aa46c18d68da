"""Signed, expiring tokens for the links we email (itsdangerous, one salt per purpose).

A token for one purpose never verifies for another, because each purpose has its own salt.
Single use is the caller's job: put something in the payload that the use itself changes.
"""

from __future__ import annotations

import enum
import hashlib
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from portfolio.domain.errors import BadRequest


class Purpose(enum.StrEnum):
    CONFIRM_EMAIL = "confirm-email"
    RESET_PASSWORD = "reset-password"  # noqa: S105 - a salt label, not a secret
    CHANGE_EMAIL = "change-email"


class InvalidLink(BadRequest):
    """The link is expired, tampered with, already used, or for another purpose (400)."""

    def __init__(self, message: str, *, expired: bool = False) -> None:
        super().__init__(message)
        self.expired = expired


EXPIRED = "This link has expired. Ask for a new one below."
NOT_VALID = "This link is not valid. It may have been used already, or copied incompletely."


def _serializer(secret_key: str, purpose: Purpose) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=f"portfolio.{purpose.value}")


def sign(secret_key: str, purpose: Purpose, payload: dict[str, Any]) -> str:
    """A URL-safe token carrying `payload` (readable by anyone: put no secrets in it)."""
    return str(_serializer(secret_key, purpose).dumps(payload))


def read(secret_key: str, purpose: Purpose, token: str, max_age: int) -> dict[str, Any]:
    """The payload of a token made by `sign` for `purpose` at most `max_age` seconds ago.

    Raises InvalidLink (expired=True when only the age is wrong).
    """
    try:
        payload = _serializer(secret_key, purpose).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise InvalidLink(EXPIRED, expired=True) from exc
    except BadSignature as exc:
        raise InvalidLink(NOT_VALID) from exc
    if not isinstance(payload, dict):
        raise InvalidLink(NOT_VALID)
    return payload


def fingerprint(secret: str) -> str:
    """A short digest of a stored value (e.g. the password hash): changes whenever it does."""
    return hashlib.sha256(secret.encode()).hexdigest()[:20]
