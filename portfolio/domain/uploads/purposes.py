"""What an upload is for, and the rules that follow from it.

Evidence (every upload but one kind) is judged by its bytes against the allow-list, which
refuses plain zips on purpose. A portfolio import is the one zip the app takes: the export
another installation wrote, sent through the same resumable flow (a several-GB export does not
fit one form post), bounded by its own size (PORTFOLIO_IMPORT_MAX_UPLOAD_BYTES), checked only
to be a zip (its members are checked when it is imported), never evidence, never offered for
download, and deleted once its import is done or refused.
"""

from __future__ import annotations

import dataclasses
import enum

from portfolio.domain.errors import InvalidInput
from portfolio.domain.uploads.filetypes import DetectedType, FileFamily, FileTypeRefused
from portfolio.domain.uploads.transfer import UploadLimits

ZIP_MIME = "application/zip"
ZIP_LOCAL_HEADER = b"PK\x03\x04"  # every export starts with its first member's local header
# One person's import uploads in flight at once (each may be several GB).
MAX_PENDING_IMPORTS = 2


class UploadPurpose(enum.StrEnum):
    EVIDENCE = "evidence"  # a file that may become evidence, proof or a course document
    PORTFOLIO_IMPORT = "portfolio_import"  # a portfolio export zip, read once by its import


def purpose_of(raw: object) -> UploadPurpose:
    """The purpose a client asked for: evidence when it names none, or one of UploadPurpose.
    InvalidInput (field "purpose") for anything else: a misspelt purpose was once taken as
    evidence without a word, which hid the client's mistake."""
    if raw is None or raw == "":
        return UploadPurpose.EVIDENCE
    if isinstance(raw, str) and raw in {purpose.value for purpose in UploadPurpose}:
        return UploadPurpose(raw)
    raise InvalidInput(
        "Unknown purpose: leave it out for evidence, or send “portfolio_import” for a "
        "portfolio export.",
        field="purpose",
    )


def limits_for(purpose: UploadPurpose, limits: UploadLimits) -> UploadLimits:
    """The limits an upload of `purpose` is held to: an import zip gets its own maximum."""
    if purpose is not UploadPurpose.PORTFOLIO_IMPORT:
        return limits
    return dataclasses.replace(
        limits,
        max_bytes=limits.import_max_bytes,
        single_post_max=min(limits.single_post_max, limits.import_max_bytes),
        max_pending_bytes=max(limits.max_pending_bytes, limits.import_max_bytes),
    )


def detect_import_zip(head: bytes, declared_name: str) -> DetectedType:
    """A portfolio import's type check: a zip archive, from its first bytes (whatever its
    name). FileTypeRefused otherwise."""
    if not head:
        raise FileTypeRefused("The file is empty.", "empty")
    if not head.startswith(ZIP_LOCAL_HEADER):
        raise FileTypeRefused(
            "This file is not a zip archive, so it is not a portfolio export. Choose the zip "
            "exactly as it was exported.",
            "not_zip",
        )
    return DetectedType(ZIP_MIME, FileFamily.DOCUMENT, ".zip")
