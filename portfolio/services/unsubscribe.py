"""One-click unsubscribe links (RFC 8058): a signed token names the person and the kinds.

The token is signed with the app's secret (itsdangerous, as Flask's own sessions are), so it
cannot be guessed or altered, and it works without signing in: a mail program POSTs to it. It
does not expire: an old email's unsubscribe link must still work.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from portfolio.domain.errors import BadRequest
from portfolio.domain.notifications import Kind, parse_kind
from portfolio.services.links import page_url

SALT = "notifications.unsubscribe"
PATH = "/notifications/unsubscribe/"
NOT_VALID = (
    "This unsubscribe link is not valid: it may have been copied incompletely. Sign in and "
    "choose which emails you get under Account, Email notifications."
)


class InvalidUnsubscribeLink(BadRequest):
    """Tampered with, truncated, or naming nothing we know (400)."""


@dataclass(frozen=True)
class UnsubscribeRequest:
    user_id: int
    kinds: tuple[Kind, ...]


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def make_token(user_id: int, kinds: Iterable[Kind]) -> str:
    return str(_serializer().dumps({"u": user_id, "k": [str(kind) for kind in kinds]}))


def unsubscribe_url(user_id: int, kinds: Iterable[Kind]) -> str | None:
    """The absolute one-click link for `kinds`, or None when the app's address is unknown."""
    return page_url(PATH + make_token(user_id, kinds))


def read_token(token: str) -> UnsubscribeRequest:
    """What a token asks. InvalidUnsubscribeLink when it was not made by us as it stands."""
    try:
        payload = _serializer().loads(token)
    except BadSignature as exc:
        raise InvalidUnsubscribeLink(NOT_VALID) from exc
    if not isinstance(payload, dict):
        raise InvalidUnsubscribeLink(NOT_VALID)
    user_id, names = payload.get("u"), payload.get("k")
    if not isinstance(user_id, int) or not isinstance(names, list) or not names:
        raise InvalidUnsubscribeLink(NOT_VALID)
    kinds = tuple(parse_kind(name) if isinstance(name, str) else None for name in names)
    if any(kind is None for kind in kinds):
        raise InvalidUnsubscribeLink(NOT_VALID)
    return UnsubscribeRequest(user_id, kinds)  # type: ignore[arg-type]
