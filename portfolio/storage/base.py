"""The ObjectStore protocol every backend implements, its value types and its typed errors.

Browsers send bytes straight to the store through presigned links; the server only checks
what arrived (stat, read_range, iter_chunks) and hands out presigned download links.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple, Protocol, runtime_checkable

from portfolio.domain.errors import DomainError, Forbidden, InvalidInput, NotFound

DEFAULT_EXPIRES = 300  # seconds a presigned link stays usable: five minutes
MIN_PART_BYTES = 5 * 1024 * 1024  # S3: every part but the last must be at least this big
MAX_PARTS = 10_000  # S3: part numbers run from 1 to 10,000
MAX_KEY_LENGTH = 300  # matches Upload.key
# A part link signed for a SHA-256 takes only a PUT that sends this header with exactly the
# signed value (base64 of the 32-byte digest), as S3 names and checks it.
CHECKSUM_HEADER = "x-amz-checksum-sha256"

# Each path segment starts with a letter, digit, "_" or "-", so "", ".", ".." and hidden
# names are impossible and a key can never leave the store's root.
_KEY = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$")
_PREFIX = re.compile(r"^([A-Za-z0-9_-][A-Za-z0-9._-]*/)*([A-Za-z0-9_-][A-Za-z0-9._-]*)?$")


class Readable(Protocol):
    """A binary stream such as a request body, an uploaded form file or a zip member."""

    def read(self, size: int = -1, /) -> bytes: ...


class StorageUnavailable(DomainError):
    """The store could not be reached, timed out or failed; nothing was saved (503)."""

    status = 503

    def __init__(
        self,
        message: str = (
            "File storage is not reachable right now. Nothing you saved before was lost; "
            "try this again in a minute."
        ),
    ) -> None:
        super().__init__(message)


class ObjectNotFound(NotFound):
    """The object or multipart upload does not exist (any more)."""


class InvalidObjectKey(InvalidInput):
    """A key that could name something outside the store, or has characters we never use."""


class UploadTooLarge(DomainError):
    status = 413


class UploadRejected(InvalidInput):
    """The bytes sent do not make a valid object: empty, parts missing or too small."""


class InvalidStorageLink(Forbidden):
    """A local upload/download link that was tampered with, is for another purpose, or expired."""


@dataclass(frozen=True)
class PresignedPost:
    """Everything a browser needs for one form POST of one file, straight to the store."""

    url: str
    fields: dict[str, str]  # form fields to send before the file field
    conditions: list[Any]  # the policy the store will enforce, as data (for tests and logs)
    expires_at: datetime


class UploadedPart(NamedTuple):
    part_number: int
    etag: str
    size: int = 0
    # base64 SHA-256, listed when completing an upload created with sha256_checksums
    checksum_sha256: str | None = None


class JoinSource(NamedTuple):
    """One staged part to join: its object, the ETag of the bytes that were checked, and
    their SHA-256 (base64)."""

    key: str
    etag: str
    checksum_sha256: str


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    etag: str  # without quotes; "<hex>-<parts>" for multipart objects, as on S3
    content_type: str | None = None  # not known when listing
    last_modified: datetime | None = field(default=None, compare=False)


def check_key(key: str) -> str:
    """`key` itself if it is a safe relative key; InvalidObjectKey (422) otherwise."""
    if not isinstance(key, str) or len(key) > MAX_KEY_LENGTH or not _KEY.match(key):
        raise InvalidObjectKey(f"Not a valid storage key: {key!r:.80}")
    return key


def check_prefix(prefix: str) -> str:
    """Like check_key, but "" and a trailing "/" are allowed (for listing)."""
    if not isinstance(prefix, str) or len(prefix) > MAX_KEY_LENGTH or not _PREFIX.match(prefix):
        raise InvalidObjectKey(f"Not a valid storage prefix: {prefix!r:.80}")
    return prefix


def check_part_number(part_number: int) -> int:
    if isinstance(part_number, bool) or not 1 <= part_number <= MAX_PARTS:
        raise UploadRejected(f"Part numbers run from 1 to {MAX_PARTS}, not {part_number}.")
    return part_number


def check_signed_size(size: int) -> int:
    """`size` itself if a link can be signed for it: a whole number of bytes, at least one."""
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise UploadRejected(f"An upload holds at least one byte, not {size!r:.20}.")
    return size


def check_checksum_sha256(value: object) -> str:
    """`value` itself if it is a SHA-256 in base64 (32 bytes, padded, as S3 takes it);
    UploadRejected (422) otherwise."""
    if isinstance(value, str):
        try:
            raw = base64.b64decode(value, validate=True)
        except ValueError:  # binascii.Error, or characters beyond ASCII
            raw = b""
        if len(raw) == 32 and base64.b64encode(raw).decode() == value:
            return value
    raise UploadRejected(f"A part's SHA-256 checksum is 32 bytes in base64, not {value!r:.60}.")


def part_headers(checksum_sha256: str | None) -> dict[str, str]:
    """The headers a PUT to a part link must carry: the signed checksum, if there is one."""
    return {CHECKSUM_HEADER: checksum_sha256} if checksum_sha256 else {}


def check_parts_in_order(parts: Sequence[UploadedPart]) -> None:
    """S3's rule for completing: at least one part, numbers strictly ascending."""
    if not parts:
        raise UploadRejected("The upload has no parts; nothing was saved.")
    numbers = [check_part_number(p.part_number) for p in parts]
    if numbers != sorted(set(numbers)):
        raise UploadRejected("Upload parts must be listed once each, in ascending order.")


@runtime_checkable
class ObjectStore(Protocol):
    """One bucket (or folder) of objects. Every method may raise StorageUnavailable (503)."""

    @property
    def browser_origin(self) -> str | None:
        """The origin ("scheme://host[:port]") browsers send uploads to, for the CSP's
        connect-src; None when the app's own routes receive them (same origin)."""
        ...

    def presign_post(
        self,
        key: str,
        size: int,
        content_type: str | None = None,
        expires: int = DEFAULT_EXPIRES,
    ) -> PresignedPost:
        """A form POST that stores exactly `size` bytes at exactly `key`, for `expires` seconds."""
        ...

    def create_multipart(
        self, key: str, content_type: str, *, sha256_checksums: bool = False
    ) -> str:
        """Start a multipart upload to `key`; returns its upload id. With `sha256_checksums`
        (S3's ChecksumAlgorithm SHA256) each part is sent with its SHA-256, and completing
        lists them."""
        ...

    def presign_part(
        self,
        key: str,
        upload_id: str,
        part_number: int,
        size: int,
        expires: int = DEFAULT_EXPIRES,
        *,
        checksum_sha256: str | None = None,
    ) -> str:
        """A URL the browser PUTs exactly `size` bytes of one part to (the length is signed,
        so no other is accepted); the response's ETag names the part. With `checksum_sha256`
        (base64; UploadRejected if it is not 32 bytes) the PUT must carry part_headers() of it,
        and the store refuses bytes whose SHA-256 differs (S3; the local store; not moto)."""
        ...

    def presign_put(
        self, key: str, size: int, checksum_sha256: str, expires: int = DEFAULT_EXPIRES
    ) -> str:
        """A PUT link for one object of exactly `size` bytes whose SHA-256 is `checksum_sha256`
        (base64), sent in the CHECKSUM_HEADER header: a staged part."""
        ...

    def read_object(
        self, key: str, chunk_size: int = 1024 * 1024, *, if_match: str | None = None
    ) -> tuple[str, Iterator[bytes]]:
        """(the ETag, the chunks) of one read of the object: the ETag is that of the bytes
        read. ObjectNotFound if it is missing or, with `if_match`, has another ETag now."""
        ...

    def join_objects(self, key: str, upload_id: str, sources: Sequence[JoinSource]) -> str | None:
        """Complete the multipart upload with the source objects, in order, as its parts (each
        only while it has the ETag given); the store's composite SHA-256 ("<base64>-N") when it
        reports one. The sources stay (the caller deletes them after its commit)."""
        ...

    def list_parts(self, key: str, upload_id: str) -> list[UploadedPart]:
        """Parts received so far, ascending (to resume). ObjectNotFound if the upload is gone."""
        ...

    def complete_multipart(self, key: str, upload_id: str, parts: Sequence[UploadedPart]) -> None:
        """Join `parts` into the object at `key`. UploadRejected if parts are missing or small
        (or, on S3, a part's listed checksum_sha256 is not the one it arrived with)."""
        ...

    def abort_multipart(self, key: str, upload_id: str) -> None:
        """Drop an unfinished upload and its parts; quietly does nothing if it is gone."""
        ...

    def list_multipart(self, prefix: str = "") -> Iterator[tuple[str, str, datetime]]:
        """(key, upload id, when it was started, in UTC) of every unfinished multipart upload
        under `prefix`."""
        ...

    def stat(self, key: str) -> ObjectInfo | None:
        """Size, ETag and Content-Type of the object, or None if there is none."""
        ...

    def read_range(self, key: str, start: int, length: int) -> bytes:
        """Up to `length` bytes from offset `start` (fewer at the end). ObjectNotFound."""
        ...

    def iter_chunks(self, key: str, chunk_size: int = 1024 * 1024) -> Iterator[bytes]:
        """The whole object, streamed in chunks of at most `chunk_size`. ObjectNotFound."""
        ...

    def iter_range(
        self, key: str, start: int, length: int, chunk_size: int = 1024 * 1024
    ) -> Iterator[bytes]:
        """Up to `length` bytes from offset `start` (fewer at the end), streamed in chunks of at
        most `chunk_size`: one ranged GET, however long the range. ObjectNotFound."""
        ...

    def copy(self, source_key: str, target_key: str) -> None:
        """Copy an object inside the store (server-side). ObjectNotFound if the source is gone."""
        ...

    def delete(self, key: str) -> None:
        """Remove the object; quietly does nothing if it is already gone."""
        ...

    def delete_many(self, keys: Sequence[str]) -> list[str]:
        """Remove these objects, as few requests as the store allows (a file's staged parts
        are many); those already gone are skipped quietly. The keys the store refused to
        delete (to be tried again); StorageUnavailable when it cannot be reached."""
        ...

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store the (small) object `data` at `key`, replacing what is there. For copies the
        server makes itself (e.g. an image without metadata); browsers use presigned links."""
        ...

    def put_stream(self, key: str, stream: Readable, content_type: str) -> None:
        """Store the bytes read from `stream` until it ends at `key`, written as they are read
        (never held whole, whatever the size). For objects the server makes itself from a large
        source, such as a file unpacked from an imported portfolio; the caller bounds `stream`."""
        ...

    def list_keys(self, prefix: str = "") -> Iterator[ObjectInfo]:
        """Every object whose key starts with `prefix` (content_type is None here)."""
        ...

    def presign_get(
        self,
        key: str,
        filename: str,
        content_type: str,
        inline: bool = False,
        expires: int = DEFAULT_EXPIRES,
    ) -> str:
        """A download URL answering with `content_type` and downloads.download_disposition:
        `filename` sanitized and given an extension `content_type` allows; attachment, or
        inline only when asked and inline_allowed()."""
        ...
