"""Checking an uploaded object on the server: nothing the browser said is taken on trust.

Size from the store's own HEAD, the type from the first bytes (magic numbers, never the name
or the browser's Content-Type) and the SHA-256 recomputed over the whole object, streamed in
chunks so memory stays flat whatever the file's size. Multipart uploads are joined from the
store's own list of parts, never from ETags the browser reports.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from portfolio.domain.uploads.filetypes import SNIFF_BYTES, FileTypeRefused, detect_type
from portfolio.domain.uploads.transfer import PartPlan, UploadLimits, human_size, misfit_part
from portfolio.models import Upload
from portfolio.storage import ObjectNotFound, ObjectStore, UploadRejected

HASH_CHUNK = 4 * 1024 * 1024
RESEND = "Upload the file again."


@dataclass(frozen=True)
class Refusal:
    code: str  # for logs, the audit trail and tests
    message: str  # shown to the user


@dataclass(frozen=True)
class Verified:
    size: int
    sha256: str
    content_type: str


def finish_multipart(store: ObjectStore, upload: Upload, plan: PartPlan) -> Refusal | None:
    """Join the parts the store received, if each has the size `plan` gives it and together
    they make the announced file.

    None when the object is now complete (or was joined by an earlier, interrupted request)."""
    assert upload.multipart_upload_id is not None
    try:
        parts = store.list_parts(upload.key, upload.multipart_upload_id)
    except ObjectNotFound:
        return None  # already joined, or aborted: inspect_object finds out which
    if not parts:
        return Refusal("no_parts", f"No part of the file arrived. {RESEND}")
    numbers = [part.part_number for part in parts]
    if numbers != list(range(1, len(parts) + 1)):
        missing = sorted(set(range(1, max(numbers) + 1)) - set(numbers))
        return Refusal("parts_missing", f"Part {missing[0]} of the file never arrived. {RESEND}")
    # Checked here too, not only signed into the links: a store may not enforce the signature.
    misfit = misfit_part(
        ((part.part_number, part.size) for part in parts), plan, upload.declared_size
    )
    if misfit is not None:
        return Refusal("part_size", f"{misfit} It was cut off or changed on the way. {RESEND}")
    if len(parts) < plan.part_count:
        return Refusal(
            "parts_missing", f"Part {len(parts) + 1} of the file never arrived. {RESEND}"
        )
    received = sum(part.size for part in parts)
    if received != upload.declared_size:
        return _size_refusal(received, upload.declared_size)
    try:
        store.complete_multipart(upload.key, upload.multipart_upload_id, parts)
    except UploadRejected as exc:
        return Refusal("parts_invalid", exc.message)
    return None


def inspect_object(store: ObjectStore, upload: Upload, limits: UploadLimits) -> Verified | Refusal:
    """Size, type and SHA-256 of the object at upload.key against what was announced."""
    info = store.stat(upload.key)
    if info is None:
        return Refusal("missing", f"The file never arrived in storage. {RESEND}")
    if info.size == 0:
        return Refusal("empty", "The file is empty; choose a file with something in it.")
    if info.size > limits.max_bytes:
        return Refusal(
            "too_large",
            f"The file is {human_size(info.size)}; files can be at most "
            f"{human_size(limits.max_bytes)}.",
        )
    if info.size != upload.declared_size:
        return _size_refusal(info.size, upload.declared_size)
    try:
        detected = detect_type(store.read_range(upload.key, 0, SNIFF_BYTES), upload.original_name)
        digest = _sha256(store, upload.key, info.size)
    except FileTypeRefused as exc:
        return Refusal(f"type_{exc.code}", exc.message)
    except ObjectNotFound:
        return Refusal(
            "missing", f"The file disappeared from storage while it was checked. {RESEND}"
        )
    if digest is None:
        return Refusal("changed", f"The file changed while it was checked. {RESEND}")
    if digest != upload.declared_sha256:
        return Refusal(
            "checksum",
            "The file that arrived is not the one you chose: its SHA-256 checksum differs, so "
            f"it was changed or damaged on the way. {RESEND}",
        )
    return Verified(info.size, digest, detected.mime)


def _sha256(store: ObjectStore, key: str, size: int) -> str | None:
    """The SHA-256 hex of the object, or None if it holds other than `size` bytes now."""
    digest = hashlib.sha256()
    read = 0
    for chunk in store.iter_chunks(key, HASH_CHUNK):
        read += len(chunk)
        if read > size:
            return None  # replaced by something bigger since the HEAD: stop reading
        digest.update(chunk)
    return digest.hexdigest() if read == size else None


def _size_refusal(received: int, declared: int) -> Refusal:
    return Refusal(
        "size",
        f"The file that arrived has {received:,} bytes, not the {declared:,} announced; "
        f"it was cut off or changed on the way. {RESEND}",
    )
