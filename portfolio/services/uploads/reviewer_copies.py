"""Reviewers' copies of verified images and documents: the picture without who took it, where and
with what; the document without its author and other properties (domain.uploads.documents).

Written during the completion that verifies the image, before its commit, under a key the
pending row already claims (filenames.reviewer_copy_key), so an interrupted completion leaves
nothing reconcile could mistake for an orphan and a retried one overwrites the same copy.
Everyone but the owner downloads the copy (access.download_key); the owner keeps the original.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from portfolio.domain.uploads.documents import (
    CLEANED_DOCUMENT_TYPES,
    MAX_DOCUMENT_BYTES,
    DocumentNotCleaned,
    clean_document,
)
from portfolio.domain.uploads.filenames import reviewer_copy_key
from portfolio.domain.uploads.fingerprint import composite, parse_composite, part_ranges
from portfolio.domain.uploads.images import (
    MAX_IMAGE_BYTES,
    STRIPPED_TYPES,
    ImageRefused,
    strip_metadata,
    too_large,
)
from portfolio.models import Upload, UploadStatus
from portfolio.services.uploads.checks import RESEND, Refusal, Verified
from portfolio.storage import ObjectNotFound, ObjectStore

log = logging.getLogger(__name__)


def copy_key_of(upload: Upload) -> str:
    """The reviewers' copy key an upload has or will have (pending rows claim it already)."""
    return reviewer_copy_key(upload.sealed_key or upload.key)


def write_reviewer_copy(
    store: ObjectStore,
    upload: Upload,
    verified: Verified,
    read: Callable[[], Iterator[bytes]] | None = None,
) -> Refusal | None:
    """For an image, store a copy without metadata and name it on the row; a document (PDF,
    Office, OpenDocument) gets one too when it can be cleaned; other types need none.

    A Refusal when the image is too large to clean or cannot be decoded: a reviewer must never
    be handed the original, so such an image is not accepted at all. May raise
    StorageUnavailable (503), like every store call. `read`: the file's bytes, when they are
    not (yet) the object at the upload's key (staged parts)."""
    read = read or (lambda: store.iter_chunks(upload.key))
    if verified.content_type in CLEANED_DOCUMENT_TYPES:
        return _write_document_copy(store, upload, verified, read)
    if verified.content_type not in STRIPPED_TYPES:
        upload.reviewer_key = None
        return None
    try:
        if verified.size > MAX_IMAGE_BYTES:
            raise too_large()
        data = b"".join(read())
        if _fingerprint_of(data, verified) != verified.shown_fingerprint:
            return Refusal("changed", f"The file changed while it was checked. {RESEND}")
        cleaned = strip_metadata(data, verified.content_type)
    except ImageRefused as exc:
        return Refusal(exc.code, exc.message)
    except ObjectNotFound:
        return Refusal(
            "missing", f"The file disappeared from storage while it was checked. {RESEND}"
        )
    key = copy_key_of(upload)
    store.put(key, cleaned, verified.content_type)
    upload.reviewer_key = key
    return None


def _write_document_copy(
    store: ObjectStore,
    upload: Upload,
    verified: Verified,
    read: Callable[[], Iterator[bytes]],
) -> Refusal | None:
    """A document's copy without its properties (a PDF's, an Office or OpenDocument file's),
    when it can be read as it is and is small enough to clean in memory. Otherwise no copy:
    reviewers get the file as sent, as before copies of documents were made (the candidate's
    upload page says which files are cleaned), and a document is never refused for this."""
    upload.reviewer_key = None
    if verified.size > MAX_DOCUMENT_BYTES:
        return None
    try:
        data = b"".join(read())
    except ObjectNotFound:
        return Refusal(
            "missing", f"The file disappeared from storage while it was checked. {RESEND}"
        )
    if _fingerprint_of(data, verified) != verified.shown_fingerprint:
        return Refusal("changed", f"The file changed while it was checked. {RESEND}")
    try:
        cleaned = clean_document(data, verified.content_type)
    except DocumentNotCleaned as why:
        log.info("upload %s: no reviewers' copy of this document (%s)", upload.id, why)
        return None
    key = copy_key_of(upload)
    store.put(key, cleaned, verified.content_type)
    upload.reviewer_key = key
    return None


def _fingerprint_of(data: bytes, verified: Verified) -> str:
    """`data`'s fingerprint in the form `verified` has: its composite, or its SHA-256."""
    parsed = parse_composite(verified.fingerprint) if verified.sha256 is None else None
    if parsed is None:
        return hashlib.sha256(data).hexdigest()
    view = memoryview(data)
    return composite(
        (
            hashlib.sha256(view[start : start + length]).hexdigest()
            for _number, start, length in part_ranges(len(data), parsed.part_bytes)
        ),
        parsed.part_bytes,
    )


@dataclass(frozen=True)
class Prepared:
    upload: Upload
    refusal: Refusal | None  # why no copy could be made (reviewers then get none)

    @property
    def made(self) -> bool:
        return self.upload.reviewer_key is not None


def prepare_reviewer_copies(session: Session, store: ObjectStore) -> list[Prepared]:
    """Write the reviewers' copy of every verified image, and of every document small enough
    to clean, that has none yet (verified before copies were made). An image that cannot be
    cleaned stays without one, so reviewers are refused it rather than given the original; a
    document that cannot be cleaned reaches them as sent, as before. Flushes; the caller
    commits. Safe to rerun (documents that could not be cleaned are tried again)."""
    query = (
        select(Upload)
        .where(
            Upload.status == UploadStatus.VERIFIED,
            Upload.reviewer_key.is_(None),
            # A file still in staged parts got its copy (if any) from them in its check.
            or_(Upload.parts_staged.is_(False), Upload.joined_at.is_not(None)),
            or_(
                Upload.content_type.in_(sorted(STRIPPED_TYPES)),
                and_(
                    Upload.content_type.in_(sorted(CLEANED_DOCUMENT_TYPES)),
                    Upload.size <= MAX_DOCUMENT_BYTES,
                ),
            ),
        )
        .order_by(Upload.id)
    )
    done = []
    for upload in session.scalars(query):
        assert upload.size is not None and upload.content_type
        assert upload.sha256 is not None or upload.fingerprint is not None
        verified = Verified(upload.size, upload.sha256, upload.content_type, upload.fingerprint)
        done.append(Prepared(upload, write_reviewer_copy(store, upload, verified)))
        session.flush()
    return done
