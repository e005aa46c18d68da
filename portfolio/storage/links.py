"""Signed, expiring links for the local store: its stand-in for S3's presigned URLs.

A link's token carries everything the receiving app route may do (purpose, key, the exact
number of bytes it takes, upload and part, download headers), signed with the app's secret,
so the route trusts only the token and never a key or size sent by the browser.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from itsdangerous import BadData, URLSafeSerializer

from portfolio.storage.base import InvalidStorageLink

# The app route that receives a link, by purpose. The app maps each one to a URL.
UPLOAD = "upload"  # a form POST of one whole file (fields: token, then file)
PART = "part"  # a PUT of one part of a multipart upload; answers with an ETag header
DOWNLOAD = "download"  # a GET of an object, with the headers carried by the token
PUT = "put"  # a PUT of one whole object with its SHA-256 (a staged part); answers its ETag
PURPOSES = (UPLOAD, PART, DOWNLOAD, PUT)

# (purpose, token) -> URL; e.g. lambda purpose, token: url_for(f"files.{purpose}", token=token)
UrlBuilder = Callable[[str, str], str]


@dataclass(frozen=True)
class LinkClaims:
    purpose: str
    key: str
    expires_at: datetime
    size: int | None = None  # uploads and parts: exactly this many bytes, no more, no fewer
    content_type: str | None = None
    upload_id: str | None = None
    part_number: int | None = None
    content_disposition: str | None = None
    # Parts and PUTs: the base64 SHA-256 the PUT must declare (CHECKSUM_HEADER), whose bytes
    # alone it takes.
    checksum_sha256: str | None = None


_FIELDS = {  # claim attribute -> short name in the token, to keep URLs short
    "key": "k",
    "size": "s",  # older tokens carried an upper limit ("m") instead: they have no size
    "content_type": "t",
    "upload_id": "u",
    "part_number": "n",
    "content_disposition": "d",
    "checksum_sha256": "c",
}


class LinkSigner:
    def __init__(self, secret: str | bytes, clock: Callable[[], float] = time.time) -> None:
        if not secret:
            raise ValueError("the local store needs a secret to sign its links")
        self._serializer = URLSafeSerializer(secret, salt="portfolio.storage.local-link")
        self._clock = clock

    def sign(self, purpose: str, expires: int, **claims: Any) -> tuple[str, datetime]:
        """A token for `purpose` valid `expires` seconds from now, and that moment."""
        if purpose not in PURPOSES:
            raise ValueError(f"unknown link purpose {purpose!r}")
        expires_at = int(self._clock()) + int(expires)
        payload: dict[str, Any] = {"p": purpose, "e": expires_at}
        payload.update(
            {_FIELDS[name]: value for name, value in claims.items() if value is not None}
        )
        token = self._serializer.dumps(payload)
        return str(token), datetime.fromtimestamp(expires_at, UTC)

    def verify(self, token: str, purpose: str) -> LinkClaims:
        """The claims of a valid token for `purpose`; InvalidStorageLink (403) otherwise."""
        try:
            payload = self._serializer.loads(token)
        except BadData as exc:
            raise InvalidStorageLink("This link is not valid.") from exc
        if not isinstance(payload, dict) or payload.get("p") != purpose or "k" not in payload:
            raise InvalidStorageLink("This link is not valid.")
        if self._clock() > payload["e"]:
            raise InvalidStorageLink("This link has expired. Reload the page and try again.")
        return LinkClaims(
            purpose=purpose,
            expires_at=datetime.fromtimestamp(payload["e"], UTC),
            **{name: payload.get(short) for name, short in _FIELDS.items()},
        )
