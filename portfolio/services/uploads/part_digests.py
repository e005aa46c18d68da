"""The SHA-256 of each part, as the client reports it when it asks for the part's link.

A file sent in parts without a whole-file SHA-256 is checked part by part: the browser hashes
each part, then reports the digest here and gets the part's link back, signed for that digest
(the store takes no other bytes); the check reads every part back and compares
(services.uploads.checks.inspect_parts). Reports may come in any order and again (a link that
expired); a part whose link was signed keeps its digest, while on an upload begun before links
were signed (no checksum algorithm) a part sent again replaces it. Once the check is asked for
they are frozen, and asking for it needs one for every part and the composite fingerprint that
they make.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from portfolio.domain.errors import Conflict, InvalidInput
from portfolio.domain.uploads.fingerprint import (
    check_part_digest,
    composite,
    first_missing,
    parse_composite,
)
from portfolio.domain.uploads.transfer import (
    UploadLimits,
    check_part_digest_list,
    check_part_number,
    part_plan,
)
from portfolio.models import Upload, UploadPartDigest
from portfolio.services.uploads.checks import RESEND, Refusal
from portfolio.services.uploads.transfers import (
    SHA256_PARTS,
    PartLink,
    presign_part,
    require_pending,
)
from portfolio.storage import ObjectStore

NOT_BY_PARTS = "This upload was announced with its whole SHA-256, not checked part by part."
LIED = Refusal(
    "fingerprint",
    "The file's fingerprint your browser sent does not match the checksums it reported for "
    f"its parts, so the file cannot be trusted. {RESEND}",
)


def checked_by_parts(upload: Upload) -> bool:
    """A multipart upload announced without a whole-file SHA-256: checked part by part."""
    return upload.multipart_upload_id is not None and upload.declared_sha256 == ""


def link_for_part(
    session: Session,
    store: ObjectStore,
    upload: Upload,
    part_number: object,
    sha256: object,
    *,
    now: datetime,
    limits: UploadLimits,
) -> PartLink:
    """Keep the client's SHA-256 of one part (record_part_digest, same errors) and answer the
    part's PUT link, signed for that digest when the upload's parts carry their checksums."""
    digest = record_part_digest(session, upload, part_number, sha256, now=now, limits=limits)
    assert isinstance(part_number, int)  # checked by record_part_digest
    return presign_part(store, upload, part_number, digest, limits=limits)


def links_for_parts(
    session: Session,
    store: ObjectStore,
    upload: Upload,
    parts: object,
    *,
    now: datetime,
    limits: UploadLimits,
) -> dict[int, PartLink]:
    """Several parts' links in one request: `parts` is [{part_number, sha256}, ...] (at most
    PARTS_AT_ONCE, each part once), each kept and signed as link_for_part does it, with the
    same errors; the first error refuses them all (the request's transaction is rolled back)."""
    require_pending(upload, now)
    if not checked_by_parts(upload):
        raise Conflict(NOT_BY_PARTS)
    named = check_part_digest_list(parts, part_plan(upload.declared_size, limits))
    return {
        number: link_for_part(session, store, upload, number, sha256, now=now, limits=limits)
        for number, sha256 in named
    }


def record_part_digest(
    session: Session,
    upload: Upload,
    part_number: object,
    sha256: object,
    *,
    now: datetime,
    limits: UploadLimits,
) -> str:
    """Keep the client's SHA-256 of one part; returns it (hex). The caller holds the row's
    lock, so a check asked for meanwhile is seen. Conflict (409) once the check was asked for
    or the upload is finished, and for a part already reported with another digest on an
    upload whose links are signed for them (the store takes only the first one's bytes: an
    upload begun before replaces it); InvalidInput (422) for a bad number or digest."""
    require_pending(upload, now)
    if not checked_by_parts(upload):
        raise Conflict(NOT_BY_PARTS)
    if upload.check_requested_at is not None:
        raise Conflict("The check of this file was asked for; its parts can no longer change.")
    plan = part_plan(upload.declared_size, limits)
    part_number = check_part_number(part_number, plan)
    digest = check_part_digest(sha256)
    found = session.get(UploadPartDigest, (upload.id, part_number))
    signed = upload.checksum_algorithm == SHA256_PARTS
    if found is not None and found.sha256 != digest and signed:
        raise Conflict(
            f"Part {part_number} of this file was already sent with another SHA-256 checksum, "
            "and the storage takes only the bytes its link was signed for. If the file "
            "changed, cancel this upload and choose the file again."
        )
    if found is None:
        session.add(
            UploadPartDigest(
                upload_id=upload.id, part_number=part_number, sha256=digest, recorded_at=now
            )
        )
    else:
        found.sha256 = digest
        found.recorded_at = now
    session.flush()
    return digest


def recorded_digests(session: Session, upload_id: int) -> dict[int, str]:
    """{part number: hex SHA-256} the client reported for the upload."""
    rows = session.execute(
        select(UploadPartDigest.part_number, UploadPartDigest.sha256).where(
            UploadPartDigest.upload_id == upload_id
        )
    ).all()
    return {int(number): str(digest) for number, digest in rows}


def forget_digests(session: Session, upload_id: int) -> None:
    """Drop the reported digests (a finished upload needs them no more)."""
    session.execute(
        delete(UploadPartDigest)
        .where(UploadPartDigest.upload_id == upload_id)
        .execution_options(synchronize_session=False)
    )


def check_declared_fingerprint(
    session: Session, upload: Upload, fingerprint: object, limits: UploadLimits
) -> Refusal | None:
    """Before the check of an upload checked by parts is queued: the announced composite must
    be well formed (InvalidInput otherwise) and every part's digest reported (Conflict naming
    the first missing one: the client resumes and reports it). A Refusal when the composite
    is not the one those digests make: a client that lies about it is refused for good."""
    plan = part_plan(upload.declared_size, limits)
    declared = parse_composite(fingerprint)
    if declared is None:
        raise InvalidInput(
            "Send the file's fingerprint: the SHA-256 of its parts' SHA-256s, then "
            '"-<number of parts>x<part size>".',
            field="fingerprint",
        )
    recorded = recorded_digests(session, upload.id)
    missing = first_missing(recorded, plan.part_count)
    if missing is not None:
        raise Conflict(
            f"The checksum of part {missing} of the file never arrived. Resume the upload to "
            "send it."
        )
    upload.declared_fingerprint = str(declared)
    expected = composite([recorded[n] for n in range(1, plan.part_count + 1)], plan.part_bytes)
    if str(declared) != expected:
        return LIED
    return None
