"""Uploads in two phases: begin (a row and a presigned target), then complete (server checks).

The browser sends the bytes straight to the store; the app only hands out presigned links and
then a job checks what arrived (services.uploads.verification). Every store call may raise
StorageUnavailable (503): the request then rolls back, so a row is never half-changed; a
pending row left behind expires and `storage reconcile` cleans it up.

Deleting is only ever done after the commit that stops naming an object
(services.uploads.deletions).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, func, select
from sqlalchemy.orm import Session

from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.errors import Conflict
from portfolio.domain.uploads.filenames import (
    make_object_key,
    staged_part_key,
    staged_parts_prefix,
)
from portfolio.domain.uploads.fingerprint import as_checksum
from portfolio.domain.uploads.purposes import (
    MAX_PENDING_IMPORTS,
    UploadPurpose,
    limits_for,
    purpose_of,
)
from portfolio.domain.uploads.transfer import (
    PartPlan,
    UploadLimits,
    check_announced,
    check_part_numbers,
    check_pending_room,
    part_plan,
    uses_multipart,
)
from portfolio.models import PortfolioImport, Upload, UploadPartDigest, UploadStatus, User
from portfolio.services import audit
from portfolio.services.uploads.checks import Refusal, Verified
from portfolio.services.uploads.deletions import delete_after_commit
from portfolio.storage import ObjectStore, PresignedPost, UploadedPart, part_headers

# Objects are stored as opaque bytes; the verified type is given on download.
STORED_CONTENT_TYPE = "application/octet-stream"
CANCELLED = "You cancelled this upload."
# Upload.checksum_algorithm of a multipart upload whose parts carry their SHA-256 (S3's name).
SHA256_PARTS = "SHA256"
SIGNED_PARTS = (
    "Each part of this upload is sent with its SHA-256 checksum: ask for a part's link with "
    "its checksum (POST /api/uploads/<id>/parts/<n> with {sha256})."
)


@dataclass(frozen=True)
class UploadStart:
    """A new pending upload and where the browser sends its bytes: one form POST, or parts."""

    upload: Upload
    post: PresignedPost | None = None
    plan: PartPlan | None = None


@dataclass(frozen=True)
class PartLink:
    """Where one part goes: a PUT to `url` that sends `headers` exactly as given."""

    url: str
    headers: dict[str, str]


def begin_upload(
    session: Session,
    store: ObjectStore,
    owner: User,
    *,
    filename: object,
    size: object,
    sha256: object,
    now: datetime,
    limits: UploadLimits,
    content_type: object = None,
    purpose: object = None,
) -> UploadStart:
    """Record a pending upload under a key the server chose, and presign its target.
    `purpose`: evidence unless it names a portfolio import (domain.uploads.purposes), whose
    zip has its own size limit and is counted apart from evidence in flight.

    InvalidInput (422) for a bad name, size or checksum, FileTooLarge (413) over the limit,
    Conflict (409) with too many uploads in flight or too many bytes announced by them,
    StorageUnavailable (503)."""
    chosen = purpose_of(purpose)
    limits = limits_for(chosen, limits)
    announced = check_announced(filename, size, sha256, limits)
    in_flight, pending_bytes = session.execute(
        select(func.count(Upload.id), func.coalesce(func.sum(Upload.declared_size), 0)).where(
            Upload.owner_id == owner.id,
            Upload.status == UploadStatus.PENDING,
            Upload.expires_at > now,
            Upload.purpose == chosen,
        )
    ).one()
    if chosen is UploadPurpose.PORTFOLIO_IMPORT:
        # Checked exports nobody imported yet count too: each may be several GB.
        held = in_flight + _exports_not_imported(session, owner.id)
        if held >= MAX_PENDING_IMPORTS:
            raise Conflict(
                f"You have {held} portfolio exports uploaded or on their way and not imported "
                "yet. Import one of them first (an unused one is dropped after a while), then "
                "try again."
            )
    elif in_flight >= limits.max_pending_per_owner:
        raise Conflict(
            f"You have {in_flight} uploads in progress. Finish or cancel one, then try again."
        )
    else:
        check_pending_room(int(pending_bytes), announced.size, limits)
    upload = Upload(
        owner_id=owner.id,
        purpose=chosen,
        key=make_object_key(
            owner.id, "imports" if chosen is UploadPurpose.PORTFOLIO_IMPORT else "artifacts"
        ),
        original_name=announced.name,
        declared_size=announced.size,
        declared_sha256=announced.sha256,
        status=UploadStatus.PENDING,
        created_at=now,
        expires_at=now + timedelta(days=limits.pending_days),
    )
    session.add(upload)
    session.flush()  # the row exists before any byte can
    start = UploadStart(upload)
    if uses_multipart(announced.size, limits):
        # A file checked by parts sends each part with the SHA-256 its client computed, signed
        # into the part's link: the store refuses a part whose bytes differ as it arrives.
        by_parts = announced.sha256 == ""
        upload.multipart_upload_id = store.create_multipart(
            upload.key, STORED_CONTENT_TYPE, sha256_checksums=by_parts
        )
        upload.checksum_algorithm = SHA256_PARTS if by_parts else None
        # Evidence checked by parts sends each part to an object of its own, checked as it
        # lands (services.uploads.staged_parts); a portfolio import is read as one zip object,
        # so its parts are joined before the check.
        upload.parts_staged = by_parts and chosen is not UploadPurpose.PORTFOLIO_IMPORT
        start = UploadStart(upload, plan=part_plan(announced.size, limits))
    else:
        # The policy allows exactly this key and exactly the announced size.
        start = UploadStart(upload, post=store.presign_post(upload.key, announced.size))
        upload.sealed_key = make_object_key(owner.id, purpose="sealed")
    session.flush()
    declared_type = content_type[:100] if isinstance(content_type, str) else None
    audit.record(
        session,
        actor=owner,
        action=AuditAction.UPLOAD_STARTED,
        object_type="upload",
        object_id=upload.id,
        details={
            "name": upload.original_name,
            "size": upload.declared_size,
            "method": "multipart" if start.plan else "post",
            "declared_type": declared_type,
            "purpose": chosen.value,
        },
    )
    return start


def plan_of(upload: Upload, limits: UploadLimits) -> PartPlan | None:
    """The part plan of a multipart upload; None for a single-POST upload."""
    if upload.multipart_upload_id is None:
        return None
    return part_plan(upload.declared_size, limits)


def presign_parts(
    store: ObjectStore, upload: Upload, part_numbers: object, *, now: datetime, limits: UploadLimits
) -> dict[int, str]:
    """A PUT URL (five minutes) for each requested part of a pending multipart upload whose
    parts carry no checksum (Conflict for one whose do: see presign_part)."""
    require_pending(upload, now)
    plan = plan_of(upload, limits)
    if plan is None or upload.multipart_upload_id is None:
        raise Conflict("This upload is sent in one piece, not in parts.")
    if upload.checksum_algorithm is not None:
        raise Conflict(SIGNED_PARTS)
    numbers = check_part_numbers(part_numbers, plan)
    return {
        number: store.presign_part(
            upload.key,
            upload.multipart_upload_id,
            number,
            plan.size_of(number, upload.declared_size),  # signed: no other length is taken
        )
        for number in numbers
    }


def presign_part(
    store: ObjectStore, upload: Upload, part_number: int, sha256: str, *, limits: UploadLimits
) -> PartLink:
    """The PUT link (five minutes) of one part of a multipart upload whose client computed the
    part's SHA-256 (`sha256`, hex, checked by the caller): signed for it when the upload's parts
    carry their checksums, so only those bytes are taken; a plain link for an upload begun
    before (its parts are sent and joined without one)."""
    plan = plan_of(upload, limits)
    assert plan is not None and upload.multipart_upload_id is not None
    checksum = as_checksum(sha256) if upload.checksum_algorithm == SHA256_PARTS else None
    size = plan.size_of(part_number, upload.declared_size)
    if upload.parts_staged:
        assert checksum is not None
        url = store.presign_put(staged_part_key(upload.key, part_number), size, checksum)
        return PartLink(url, part_headers(checksum))
    url = store.presign_part(
        upload.key,
        upload.multipart_upload_id,
        part_number,
        plan.size_of(part_number, upload.declared_size),
        checksum_sha256=checksum,
    )
    return PartLink(url, part_headers(checksum))


def uploaded_parts(store: ObjectStore, upload: Upload, *, now: datetime) -> list[UploadedPart]:
    """The parts the store holds so far (to resume); [] for a single-POST upload."""
    require_pending(upload, now)
    if upload.multipart_upload_id is None:
        return []
    if upload.parts_staged:
        prefix = staged_parts_prefix(upload.key)
        return sorted(
            UploadedPart(int(info.key[len(prefix) :]), info.etag, info.size)
            for info in store.list_keys(prefix)
            if info.key[len(prefix) :].isdigit()
        )
    return store.list_parts(upload.key, upload.multipart_upload_id)


def cancel_upload(
    session: Session, store: ObjectStore, upload: Upload, *, actor: User | None
) -> Upload:
    """Drop a pending upload: abort its parts or delete what arrived. Conflict once checked."""
    if upload.status != UploadStatus.PENDING:
        raise Conflict(
            "This file has already been checked, so the upload can no longer be cancelled."
        )
    reject(
        session,
        store,
        upload,
        Refusal("cancelled", CANCELLED),
        actor=actor,
        action=AuditAction.UPLOAD_CANCELLED,
    )
    return upload


def mark_verified(
    session: Session,
    upload: Upload,
    verdict: Verified,
    *,
    actor: User | None,
    at: datetime,
    **details: object,
) -> None:
    """Mark `upload` verified with what its check found, and audit it (`details` added)."""
    upload.status = UploadStatus.VERIFIED
    upload.size = verdict.size
    upload.sha256 = verdict.sha256
    upload.fingerprint = verdict.shown_fingerprint
    upload.content_type = verdict.content_type
    upload.verified_at = at
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=AuditAction.UPLOAD_VERIFIED,
        object_type="upload",
        object_id=upload.id,
        details={
            "size": verdict.size,
            "sha256": verdict.sha256,
            "fingerprint": verdict.shown_fingerprint,
            "content_type": verdict.content_type,
            **details,
        },
    )


# Why a verified file stopped counting: its object went missing, or is not the one checked.
MISSING = "The file could not be found in storage. Upload it again."
CHANGED = "The file in storage is no longer the one that was checked. Upload it again."


def mark_broken(session: Session, upload: Upload, reason: str) -> None:
    """A verified file that no longer counts (MISSING, CHANGED), and why; audited."""
    upload.status = UploadStatus.BROKEN
    upload.rejection_reason = reason
    session.flush()
    audit.record(
        session,
        actor=None,
        action=AuditAction.UPLOAD_BROKEN,
        object_type="upload",
        object_id=upload.id,
        details={"reason": reason},
    )


def reject(
    session: Session,
    store: ObjectStore,
    upload: Upload,
    refusal: Refusal,
    *,
    actor: User | None,
    action: AuditAction,
) -> None:
    """Mark `upload` rejected, with the reason; what the store holds for it goes after the commit.

    If the store cannot delete it then, the object is left to `storage reconcile`."""
    delete_after_commit(session, store, upload.key, multipart_upload_id=upload.multipart_upload_id)
    if upload.parts_staged:
        for key in staged_keys(session, upload):
            delete_after_commit(session, store, key)
    if upload.sealed_key is not None and upload.sealed_key != upload.key:
        delete_after_commit(session, store, upload.sealed_key)  # a copy an earlier try made
    upload.status = UploadStatus.REJECTED
    upload.rejection_reason = refusal.message
    # The digests a client reported for the parts go with them.
    session.execute(
        delete(UploadPartDigest)
        .where(UploadPartDigest.upload_id == upload.id)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=action,
        object_type="upload",
        object_id=upload.id,
        details={"code": refusal.code, "reason": refusal.message},
    )


def staged_keys(session: Session, upload: Upload) -> list[str]:
    """Every staged part an upload may have (services.uploads.staged_parts): one per reported
    digest, as a part's link is only given once its digest is reported."""
    numbers = session.scalars(
        select(UploadPartDigest.part_number).where(UploadPartDigest.upload_id == upload.id)
    ).all()
    return [staged_part_key(upload.key, int(n)) for n in sorted(numbers)]


def require_pending(upload: Upload, now: datetime) -> None:
    """Conflict (409) unless the upload still takes bytes."""
    if upload.status != UploadStatus.PENDING:
        raise Conflict("This upload is finished; start a new one to send the file again.")
    if upload.expires_at <= now:
        raise Conflict("This upload was not finished in time. Upload the file again.")


def _exports_not_imported(session: Session, owner_id: int) -> int:
    """Checked portfolio exports of `owner_id` that no import has taken yet."""
    return (
        session.scalar(
            select(func.count(Upload.id)).where(
                Upload.owner_id == owner_id,
                Upload.purpose == UploadPurpose.PORTFOLIO_IMPORT,
                Upload.status == UploadStatus.VERIFIED,
                ~exists().where(PortfolioImport.upload_id == Upload.id),
            )
        )
        or 0
    )
