"""ObjectStore on local disk, for the embedded default (instance/objects) and development.

Layout under `root`: objects at <key>; their Content-Type and ETag in .meta/<key>.json;
unfinished multipart uploads in .uploads/<id>/; half-written files in .tmp/. Keys never
start a segment with ".", so no key can reach those folders or leave the root.
The "presigned" links point at app routes (see links.py) that call write_upload/write_part.
A part link signed for a SHA-256 takes only bytes with that SHA-256, as S3 does.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import secrets
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from portfolio.domain.uploads.downloads import download_disposition
from portfolio.storage import disk, links
from portfolio.storage.base import (
    DEFAULT_EXPIRES,
    MIN_PART_BYTES,
    InvalidObjectKey,
    JoinSource,
    ObjectInfo,
    ObjectNotFound,
    PresignedPost,
    Readable,
    UploadedPart,
    UploadRejected,
    check_checksum_sha256,
    check_key,
    check_part_number,
    check_parts_in_order,
    check_prefix,
    check_signed_size,
)
from portfolio.storage.disk import (
    concatenate,
    copy_stream,
    multipart_etag,
    receive_exactly,
    scratch_file,
)

_UPLOAD_ID = re.compile(r"^[0-9a-f]{32}$")
_PART_FILE = re.compile(r"^(\d{5})-([0-9a-f]{32})\.part$")


class LocalStore:
    def __init__(
        self,
        root: str | os.PathLike[str],
        secret: str | bytes | None = None,
        url_builder: links.UrlBuilder | None = None,
        *,
        min_part_bytes: int = MIN_PART_BYTES,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.root = Path(root).resolve()
        self.min_part_bytes = min_part_bytes
        self._signer = links.LinkSigner(secret, clock) if secret else None
        self._url_builder = url_builder
        for folder in (".meta", ".uploads", ".tmp"):
            (self.root / folder).mkdir(parents=True, exist_ok=True)

    @property
    def browser_origin(self) -> None:
        """None: uploads go to the app's own routes (web/uploads/files.py)."""
        return None

    # --- links --------------------------------------------------------------------------

    def _link(self, purpose: str, expires: int, **claims: Any) -> tuple[str, str, datetime]:
        if self._signer is None or self._url_builder is None:
            raise RuntimeError("LocalStore needs a secret and a url_builder to make links")
        token, expires_at = self._signer.sign(purpose, expires, **claims)
        return self._url_builder(purpose, token), token, expires_at

    def verify_token(self, token: str, purpose: str) -> links.LinkClaims:
        """The claims of a link this store made; InvalidStorageLink (403) if tampered/expired."""
        if self._signer is None:
            raise RuntimeError("LocalStore needs a secret to check links")
        return self._signer.verify(token, purpose)

    def presign_post(
        self,
        key: str,
        size: int,
        content_type: str | None = None,
        expires: int = DEFAULT_EXPIRES,
    ) -> PresignedPost:
        check_key(key)
        url, token, expires_at = self._link(
            links.UPLOAD, expires, key=key, size=check_signed_size(size), content_type=content_type
        )
        conditions: list[Any] = [{"key": key}, ["content-length-range", size, size]]
        if content_type:
            conditions.append({"Content-Type": content_type})
        return PresignedPost(url, {"token": token}, conditions, expires_at)

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
        self._upload_dir(key, upload_id)
        url, _token, _at = self._link(
            links.PART,
            expires,
            key=key,
            upload_id=upload_id,
            part_number=check_part_number(part_number),
            size=check_signed_size(size),
            checksum_sha256=(
                check_checksum_sha256(checksum_sha256) if checksum_sha256 is not None else None
            ),
        )
        return url

    def presign_put(
        self, key: str, size: int, checksum_sha256: str, expires: int = DEFAULT_EXPIRES
    ) -> str:
        url, _token, _at = self._link(
            links.PUT,
            expires,
            key=check_key(key),
            size=check_signed_size(size),
            checksum_sha256=check_checksum_sha256(checksum_sha256),
        )
        return url

    def presign_get(
        self,
        key: str,
        filename: str,
        content_type: str,
        inline: bool = False,
        expires: int = DEFAULT_EXPIRES,
    ) -> str:
        disposition = download_disposition(filename, content_type, inline=inline)
        url, _token, _at = self._link(
            links.DOWNLOAD,
            expires,
            key=check_key(key),
            content_type=content_type,
            content_disposition=disposition,
        )
        return url

    # --- receiving bytes (called by the app routes behind the links) ---------------------

    def write_upload(
        self, key: str, stream: disk.Readable, size: int, content_type: str | None = None
    ) -> ObjectInfo:
        """Store exactly `size` bytes from `stream` at `key`, all or nothing.

        UploadTooLarge (413, more) or UploadRejected (422, fewer) leave nothing on disk."""
        target = self._object_path(key)
        with scratch_file(self.root / ".tmp") as scratch:
            md5 = receive_exactly(stream, scratch, check_signed_size(size))
            self._place(scratch, target, key, md5, content_type)
        return ObjectInfo(key, size, md5, content_type)

    def write_object(
        self, key: str, stream: disk.Readable, size: int, checksum_sha256: str
    ) -> ObjectInfo:
        """Store exactly `size` bytes whose SHA-256 is `checksum_sha256` (base64) at `key`, all
        or nothing (a staged part; sent again, it replaces the old one). UploadTooLarge (413,
        more) or UploadRejected (422, fewer, or other bytes) keep nothing."""
        target = self._object_path(key)
        sha256 = hashlib.sha256()
        with scratch_file(self.root / ".tmp") as scratch:
            md5 = receive_exactly(stream, scratch, check_signed_size(size), sha256)
            if base64.b64encode(sha256.digest()).decode() != checksum_sha256:
                raise UploadRejected(
                    "This part does not have the SHA-256 checksum its link was signed for: it "
                    "was changed on the way. Nothing was saved."
                )
            self._place(scratch, target, key, md5, None)
        return ObjectInfo(key, size, md5)

    def write_part(
        self,
        key: str,
        upload_id: str,
        part_number: int,
        stream: disk.Readable,
        size: int,
        checksum_sha256: str | None = None,
    ) -> str:
        """Store one part of exactly `size` bytes (sent again, it replaces the old one); returns
        its ETag. UploadTooLarge (413, more) or UploadRejected (422, fewer, or bytes whose
        SHA-256 is not `checksum_sha256`, in base64) keep nothing. A part of an upload created
        with sha256_checksums needs its checksum."""
        folder = self._upload_dir(key, upload_id)
        check_part_number(part_number)
        record = json.loads((folder / "upload.json").read_text())
        if checksum_sha256 is None and record.get("checksum") == "SHA256":
            raise UploadRejected("Each part of this upload needs its SHA-256 checksum.")
        sha256 = hashlib.sha256() if checksum_sha256 is not None else None
        with scratch_file(folder) as scratch:
            md5 = receive_exactly(stream, scratch, check_signed_size(size), sha256)
            if sha256 is not None and base64.b64encode(sha256.digest()).decode() != checksum_sha256:
                raise UploadRejected(
                    f"Part {part_number} does not have the SHA-256 checksum its link was signed "
                    "for: it was changed on the way. Nothing was saved."
                )
            for old in folder.glob(f"{part_number:05d}-*.part"):
                old.unlink(missing_ok=True)
            os.replace(scratch, folder / f"{part_number:05d}-{md5}.part")
        return md5

    # --- multipart ---------------------------------------------------------------------

    def create_multipart(
        self, key: str, content_type: str, *, sha256_checksums: bool = False
    ) -> str:
        check_key(key)
        upload_id = secrets.token_hex(16)
        folder = self.root / ".uploads" / upload_id
        folder.mkdir()
        record = {
            "key": key,
            "content_type": content_type,
            "checksum": "SHA256" if sha256_checksums else None,
        }
        (folder / "upload.json").write_text(json.dumps(record))
        return upload_id

    def list_parts(self, key: str, upload_id: str) -> list[UploadedPart]:
        folder = self._upload_dir(key, upload_id)
        parts = {}
        for path in sorted(folder.glob("*.part"), key=lambda p: p.stat().st_mtime):
            match = _PART_FILE.match(path.name)
            if match:  # the newest file wins if two PUTs of one part raced
                number = int(match[1])
                parts[number] = UploadedPart(number, match[2], path.stat().st_size)
        return sorted(parts.values())

    def complete_multipart(self, key: str, upload_id: str, parts: Sequence[UploadedPart]) -> None:
        # The parts' checksum_sha256 is not compared again: write_part took only bytes that
        # had the checksum their link was signed for.
        folder = self._upload_dir(key, upload_id)
        check_parts_in_order(parts)
        received = {p.part_number: p for p in self.list_parts(key, upload_id)}
        for position, part in enumerate(parts, start=1):
            found = received.get(part.part_number)
            if found is None or found.etag != part.etag.strip('"'):
                raise UploadRejected(f"Part {part.part_number} is missing or was changed.")
            if position < len(parts) and found.size < self.min_part_bytes:
                raise UploadRejected(f"Part {part.part_number} is smaller than allowed.")
        etag = multipart_etag(received[p.part_number].etag for p in parts)
        content_type = json.loads((folder / "upload.json").read_text())["content_type"]
        sources = [
            folder / f"{p.part_number:05d}-{received[p.part_number].etag}.part" for p in parts
        ]
        with scratch_file(self.root / ".tmp") as scratch:
            concatenate(sources, scratch)
            self._place(scratch, self._object_path(key), key, etag, content_type)
        shutil.rmtree(folder)

    def join_objects(self, key: str, upload_id: str, sources: Sequence[JoinSource]) -> str | None:
        folder = self._upload_dir(key, upload_id)
        if not sources:
            raise UploadRejected("The upload has no parts; nothing was saved.")
        paths = []
        for source in sources:
            if self._read_meta(source.key).get("etag") != source.etag.strip('"'):
                raise ObjectNotFound(f"Staged part {source.key!r:.80} is missing or was replaced.")
            paths.append(self.path_for(source.key))
        etag = multipart_etag(source.etag.strip('"') for source in sources)
        content_type = json.loads((folder / "upload.json").read_text())["content_type"]
        with scratch_file(self.root / ".tmp") as scratch:
            concatenate(paths, scratch)
            self._place(scratch, self._object_path(key), key, etag, content_type)
        shutil.rmtree(folder)
        return None  # write_object took only bytes with their signed SHA-256

    def abort_multipart(self, key: str, upload_id: str) -> None:
        try:
            shutil.rmtree(self._upload_dir(key, upload_id))
        except ObjectNotFound:
            return  # already aborted or completed

    def list_multipart(self, prefix: str = "") -> Iterator[tuple[str, str, datetime]]:
        check_prefix(prefix)
        for record in sorted((self.root / ".uploads").glob("*/upload.json")):
            try:
                key = json.loads(record.read_text())["key"]
                started = datetime.fromtimestamp(record.stat().st_mtime, UTC)
            except FileNotFoundError:
                continue  # completed or aborted while we were listing
            if key.startswith(prefix):
                yield key, record.parent.name, started

    # --- reading -----------------------------------------------------------------------

    def copy(self, source_key: str, target_key: str) -> None:
        source = self._object_path(source_key)
        if not source.is_file():
            raise ObjectNotFound(f"No stored object {source_key!r:.80}")
        meta = self._read_meta(source_key)
        with scratch_file(self.root / ".tmp") as scratch:
            shutil.copyfile(source, scratch)
            self._place(
                scratch,
                self._object_path(target_key),
                target_key,
                meta.get("etag", ""),
                meta.get("content_type"),
            )

    def stat(self, key: str) -> ObjectInfo | None:
        path = self._object_path(key)
        try:
            found = path.stat()
        except FileNotFoundError:
            return None
        meta = self._read_meta(key)
        modified = datetime.fromtimestamp(found.st_mtime, UTC)
        return ObjectInfo(
            key, found.st_size, meta.get("etag", ""), meta.get("content_type"), modified
        )

    def path_for(self, key: str) -> Path:
        """The file holding `key` (for the download route's send_file); ObjectNotFound."""
        path = self._object_path(key)
        if not path.is_file():
            raise ObjectNotFound("That file no longer exists.")
        return path

    def read_range(self, key: str, start: int, length: int) -> bytes:
        if start < 0 or length < 1:
            raise ValueError("read_range needs start >= 0 and length >= 1")
        with self.path_for(key).open("rb") as source:
            source.seek(start)
            return source.read(length)

    def read_object(
        self, key: str, chunk_size: int = 1024 * 1024, *, if_match: str | None = None
    ) -> tuple[str, Iterator[bytes]]:
        source = self.path_for(key).open("rb")
        etag = str(self._read_meta(key).get("etag", ""))
        if if_match is not None and etag != if_match.strip('"'):
            source.close()
            raise ObjectNotFound("That file was replaced after it was checked.")

        def chunks() -> Iterator[bytes]:
            with source:
                while chunk := source.read(chunk_size):
                    yield chunk

        return etag, chunks()

    def iter_chunks(self, key: str, chunk_size: int = 1024 * 1024) -> Iterator[bytes]:
        with self.path_for(key).open("rb") as source:
            while chunk := source.read(chunk_size):
                yield chunk

    def iter_range(
        self, key: str, start: int, length: int, chunk_size: int = 1024 * 1024
    ) -> Iterator[bytes]:
        if start < 0 or length < 1:
            raise ValueError("iter_range needs start >= 0 and length >= 1")
        with self.path_for(key).open("rb") as source:
            source.seek(start)
            left = length
            while left and (chunk := source.read(min(chunk_size, left))):
                left -= len(chunk)
                yield chunk

    def delete(self, key: str) -> None:
        self._object_path(key).unlink(missing_ok=True)
        self._meta_path(key).unlink(missing_ok=True)

    def delete_many(self, keys: Sequence[str]) -> list[str]:
        for key in keys:
            self.delete(key)
        return []

    def put(self, key: str, data: bytes, content_type: str) -> None:
        target = self._object_path(key)
        with scratch_file(self.root / ".tmp") as scratch:
            scratch.write_bytes(data)
            self._place(
                scratch,
                target,
                key,
                hashlib.md5(data, usedforsecurity=False).hexdigest(),
                content_type,
            )

    def put_stream(self, key: str, stream: Readable, content_type: str) -> None:
        target = self._object_path(key)
        with scratch_file(self.root / ".tmp") as scratch:
            self._place(scratch, target, key, copy_stream(stream, scratch), content_type)

    def list_keys(self, prefix: str = "") -> Iterator[ObjectInfo]:
        start = self.root / check_prefix(prefix).rpartition("/")[0]
        found = []
        for folder, dirs, files in os.walk(start):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            for name in files:
                key = (Path(folder) / name).relative_to(self.root).as_posix()
                if key.startswith(prefix) and not name.startswith("."):
                    found.append(key)
        for key in sorted(found):
            info = self.stat(key)
            if info is not None:  # deleted while we were listing
                yield ObjectInfo(info.key, info.size, info.etag, None, info.last_modified)

    # --- paths and files ---------------------------------------------------------------

    def _object_path(self, key: str) -> Path:
        path = self.root / check_key(key)
        # check_key already refuses "..": this also stops a symlink planted under the root.
        if not path.resolve().is_relative_to(self.root):
            raise InvalidObjectKey(f"Not a valid storage key: {key!r:.80}")
        return path

    def _meta_path(self, key: str) -> Path:
        return self.root / ".meta" / f"{check_key(key)}.json"

    def _read_meta(self, key: str) -> dict[str, Any]:
        try:
            return dict(json.loads(self._meta_path(key).read_text()))
        except FileNotFoundError:
            return {}

    def _upload_dir(self, key: str, upload_id: str) -> Path:
        check_key(key)
        folder = self.root / ".uploads" / upload_id
        record = folder / "upload.json"
        if not _UPLOAD_ID.match(upload_id or "") or not record.is_file():
            raise ObjectNotFound("That upload no longer exists; start it again.")
        if json.loads(record.read_text())["key"] != key:
            raise ObjectNotFound("That upload no longer exists; start it again.")
        return folder

    def _place(self, scratch: Path, target: Path, key: str, etag: str, ctype: str | None) -> None:
        meta = self._meta_path(key)
        meta.parent.mkdir(parents=True, exist_ok=True)
        meta.write_text(json.dumps({"etag": etag, "content_type": ctype}))
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(scratch, target)
