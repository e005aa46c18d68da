"""Files in the object store. A row exists before the bytes do; only `verified` ones count."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from portfolio.domain.uploads.purposes import UploadPurpose
from portfolio.models.base import Base, str_enum, utcnow


class UploadStatus(enum.StrEnum):
    PENDING = "pending"  # the browser may still be sending bytes
    VERIFIED = "verified"  # size, SHA-256 and type checked by the server
    REJECTED = "rejected"  # checked and refused; the object was deleted
    BROKEN = "broken"  # reconcile found the object missing or unverifiable
    # A portfolio import's zip, read by its import (done or refused); the object was deleted.
    CONSUMED = "consumed"


class Upload(Base):
    __tablename__ = "upload"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    # Chosen by the server; never contains the user's file name.
    key: Mapped[str] = mapped_column(String(300), unique=True)
    # Evidence (the default), or a portfolio export zip for an import (domain.uploads.purposes):
    # never evidence, never downloadable, deleted once its import is done or refused.
    purpose: Mapped[UploadPurpose] = mapped_column(
        str_enum(UploadPurpose, 30), default=UploadPurpose.EVIDENCE, server_default="evidence"
    )
    # Where a single-POST upload is copied before it is checked, chosen (and committed) when the
    # upload begins so that reconcile never takes a half-finished completion's copy for an
    # orphan. Single-POST uploads only; equal to `key` once such an upload is verified.
    sealed_key: Mapped[str | None] = mapped_column(String(300), unique=True)
    # A verified image's copy without metadata (EXIF, GPS, XMP, comments, text chunks): what
    # everyone but the owner downloads, so that a photo's details cannot unblind a review.
    # Always reviewer_copy_key(upload); None for other types.
    reviewer_key: Mapped[str | None] = mapped_column(String(300), unique=True)
    original_name: Mapped[str] = mapped_column(String(255))
    declared_size: Mapped[int] = mapped_column(BigInteger)
    # The whole file's SHA-256 as announced; "" for a multipart upload announced without one,
    # whose parts' digests are reported as they are sent (UploadPartDigest) instead.
    declared_sha256: Mapped[str] = mapped_column(String(64))
    multipart_upload_id: Mapped[str | None] = mapped_column(String(1024))
    # "SHA256" when the store's multipart upload was created with that checksum algorithm: each
    # part's link is signed for the part's SHA-256, and completing lists them. None for a single
    # POST, a multipart upload announced with its whole SHA-256, and rows begun before parts
    # carried their checksums (their parts are sent and joined without one).
    checksum_algorithm: Mapped[str | None] = mapped_column(String(16))
    # Parts sent each to an object of its own (domain.uploads.filenames.staged_part_key), each
    # read back and compared as it lands (services.uploads.staged_parts): the file counts once
    # the last part matched, and the store joins them into the object at `key` afterwards
    # (`joined_at`); until then its bytes are read from the parts.
    parts_staged: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    joined_at: Mapped[datetime | None]
    status: Mapped[UploadStatus] = mapped_column(
        str_enum(UploadStatus), default=UploadStatus.PENDING, index=True
    )
    size: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64))  # None when checked by parts
    # What snapshots carry and anyone can recompute (domain.uploads.fingerprint): the SHA-256,
    # or for a file checked by parts their composite "<hex>-NxP". Set once verified.
    fingerprint: Mapped[str | None] = mapped_column(String(100))
    # The composite the client gave when it asked for the check (parts uploads only).
    declared_fingerprint: Mapped[str | None] = mapped_column(String(100))
    content_type: Mapped[str | None] = mapped_column(String(100))
    rejection_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    verified_at: Mapped[datetime | None]
    # The check runs as a job after the commit that asked for it (services.uploads.verification):
    # asked at, held by one job run until claimed_until (a run that died lets go that way), the
    # last transient error, and when the job gave up (an administrator may retry it).
    check_requested_at: Mapped[datetime | None]
    check_token: Mapped[str | None] = mapped_column(String(36))
    check_claimed_until: Mapped[datetime | None]
    check_error: Mapped[str] = mapped_column(Text, default="")
    check_failed_at: Mapped[datetime | None]

    @property
    def is_import(self) -> bool:
        """A portfolio export zip: never evidence, proof or a course document."""
        return self.purpose == UploadPurpose.PORTFOLIO_IMPORT


class UploadPartDigest(Base):
    """The SHA-256 the client computed for one part, reported once the part was sent. A part
    sent again replaces it; the server compares each with what it reads back."""

    __tablename__ = "upload_part_digest"

    upload_id: Mapped[int] = mapped_column(
        ForeignKey("upload.id", ondelete="CASCADE"), primary_key=True
    )
    part_number: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A staged part the server read back and found to match (services.uploads.staged_parts),
    # with the store's ETag of the bytes it read: the join copies only those bytes.
    checked_at: Mapped[datetime | None]
    checked_etag: Mapped[str | None] = mapped_column(String(100))
