"""Reading an imported portfolio export's members: the document (bounded), and each file,
brought into this installation's store as a stream under a key the server chooses (never from
the member's name), bounded by the size the document declares, checked against the document's
SHA-256, then verified exactly as any upload is (services.uploads.checks: size, type from the
first bytes, SHA-256 read back from the store; images get their reviewers' copy). Only then does
the upload count.

Every object written here is deleted again if the transaction rolls back
(deletions.delete_unless_committed): a refused import keeps nothing.
"""

from __future__ import annotations

import hashlib
import zipfile
import zlib
from datetime import datetime, timedelta
from typing import IO, Any

from sqlalchemy.orm import Session

from portfolio.domain.errors import DomainError
from portfolio.domain.portfolios.import_archive import (
    DOCUMENT_NAME,
    ImportLimits,
    ImportRefused,
    Member,
)
from portfolio.domain.uploads.filenames import make_object_key
from portfolio.domain.uploads.transfer import UploadLimits, check_announced
from portfolio.models import Upload, UploadStatus, User
from portfolio.services.uploads.checks import RESEND, Refusal, inspect_object
from portfolio.services.uploads.deletions import delete_unless_committed
from portfolio.services.uploads.reviewer_copies import copy_key_of, write_reviewer_copy
from portfolio.services.uploads.transfers import STORED_CONTENT_TYPE, mark_verified
from portfolio.storage import ObjectStore

NOTHING = "Nothing was imported."
# What zipfile raises on a damaged member: a CRC that does not match (a directory that lied
# about the size), a broken deflate stream, a truncated archive; and, opening it, a local
# header that disagrees with the directory, an encrypted entry or an unknown compression.
DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError)
UNOPENABLE = (*DAMAGED, RuntimeError, NotImplementedError)


class BoundedMember:
    """A readable view of a zip member that yields at most `size` bytes, hashing them as they
    pass, and notes (instead of raising into the store's upload code) when the member holds
    more, or is damaged."""

    def __init__(self, source: IO[bytes], size: int) -> None:
        self.source = source
        self.left = size
        self.count = 0
        self.digest = hashlib.sha256()
        self.overflow = False
        self.damaged = ""

    def read(self, size: int = -1, /) -> bytes:
        if self.damaged:
            return b""
        try:
            if self.left == 0:
                # One byte past the declared size tells a member that holds more.
                self.overflow = self.overflow or bool(self.source.read(1))
                return b""
            chunk = self.source.read(
                self.left if size is None or size < 0 else min(size, self.left)
            )
        except DAMAGED as exc:
            self.damaged = str(exc)[:200] or type(exc).__name__
            return b""
        self.left -= len(chunk)
        self.count += len(chunk)
        self.digest.update(chunk)
        return chunk


def bring_in_file(
    session: Session,
    store: ObjectStore,
    owner: User,
    archive: zipfile.ZipFile,
    member: zipfile.ZipInfo,
    item: dict[str, Any],
    *,
    now: datetime,
    limits: UploadLimits,
) -> Upload:
    """A verified upload of `owner`'s holding the file that artifact `item` of the document
    names (its member in `archive` already found). ImportRefused naming the file otherwise."""
    file = item["file"]
    shown = f"The file {file['path']} (artifact {item['id']}, {file['original_name'][:80]!r})"
    if member.file_size != file["size"]:
        raise ImportRefused(
            f"{shown} holds {member.file_size:,} bytes in the archive, but the document says "
            f"{file['size']:,}. {NOTHING}"
        )
    try:
        announced = check_announced(file["original_name"], file["size"], file["sha256"], limits)
    except DomainError as exc:
        raise ImportRefused(f"{shown}: {exc.message} {NOTHING}") from None
    upload = Upload(
        owner_id=owner.id,
        key=make_object_key(owner.id),
        original_name=announced.name,
        declared_size=announced.size,
        declared_sha256=announced.sha256,
        status=UploadStatus.PENDING,
        created_at=now,
        expires_at=now + timedelta(days=limits.pending_days),
    )
    session.add(upload)
    session.flush()
    delete_unless_committed(session, store, upload.key)
    try:
        source = archive.open(member)
    except UNOPENABLE as exc:
        raise ImportRefused(f"{shown} cannot be unpacked ({str(exc)[:200]}). {NOTHING}") from None
    with source:
        reader = BoundedMember(source, announced.size)
        store.put_stream(upload.key, reader, STORED_CONTENT_TYPE)
    if reader.damaged:
        raise ImportRefused(f"{shown} is damaged in the archive ({reader.damaged}). {NOTHING}")
    if reader.overflow or reader.count != announced.size:
        raise ImportRefused(
            f"{shown} does not hold the {announced.size:,} bytes the archive declares for it. "
            f"{NOTHING}"
        )
    if reader.digest.hexdigest() != announced.sha256:
        raise ImportRefused(
            f"{shown} is not the file the document describes: its SHA-256 checksum differs, "
            f"so it was changed or damaged after the export. {NOTHING}"
        )
    verdict = inspect_object(store, upload, limits)
    if not isinstance(verdict, Refusal):
        delete_unless_committed(session, store, copy_key_of(upload))
        verdict = write_reviewer_copy(store, upload, verdict) or verdict
    if isinstance(verdict, Refusal):
        reason = verdict.message.replace(RESEND, "").strip()
        raise ImportRefused(f"{shown} was refused when it was checked: {reason} {NOTHING}")
    mark_verified(session, upload, verdict, actor=owner, at=now, imported=True)
    return upload


def member_of(info: zipfile.ZipInfo) -> Member:
    return Member(
        name=info.orig_filename,
        size=info.file_size,
        compressed=info.compress_size,
        method=info.compress_type,
        is_dir=info.is_dir(),
        offset=info.header_offset,
    )


def read_document_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: ImportLimits
) -> bytes:
    """The member's bytes, reading at most the document limit (and one byte to tell more)."""
    try:
        with archive.open(info) as source:
            data = source.read(limits.max_document_bytes + 1)
    except UNOPENABLE + DAMAGED as exc:
        raise ImportRefused(
            f"{DOCUMENT_NAME} cannot be unpacked ({str(exc)[:200]}). {NOTHING}"
        ) from None
    if len(data) > limits.max_document_bytes:
        raise ImportRefused(f"{DOCUMENT_NAME} is larger than its directory says. {NOTHING}")
    return data
