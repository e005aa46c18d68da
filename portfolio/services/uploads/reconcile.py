"""Keeping the database and the object store in step: expiry of pending uploads, reconcile.

Rows never point at missing objects, and objects without rows do not pile up. Both jobs are
plain functions behind CLI commands (commands/storage.py), ready to move onto a task queue.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.uploads.filenames import candidate_prefix
from portfolio.domain.uploads.purposes import UploadPurpose
from portfolio.domain.uploads.transfer import CANDIDATES_PREFIX
from portfolio.models import ImportStatus, PortfolioImport, Upload, UploadStatus
from portfolio.services import audit
from portfolio.services.uploads.checks import Refusal
from portfolio.services.uploads.deletions import delete_after_commit
from portfolio.services.uploads.reviewer_copies import copy_key_of
from portfolio.services.uploads.staged_parts import JOIN_GRACE, queue_join, still_in_parts
from portfolio.services.uploads.transfers import CHANGED, MISSING, mark_broken, reject
from portfolio.services.uploads.verification import (
    CheckLease,
    abandoned_checks,
    run_copy_key,
)
from portfolio.storage import ObjectInfo, ObjectStore

_CLAIM_COPIES = (UploadStatus.PENDING, UploadStatus.VERIFIED)
MULTIPART_GRACE = timedelta(hours=1)
# A check nothing holds or waits for is given this long past the upload's expiry before the
# upload is dropped (without a broker nobody queues it again).
CHECK_GRACE = CheckLease().for_size(0)
EXPIRED = Refusal("expired", "The upload was not finished within a day, so it was dropped.")
UNUSED_EXPORT = Refusal(
    "expired", "The portfolio export was uploaded but never imported, so it was dropped."
)


def expire_pending_uploads(
    session: Session, store: ObjectStore, now: datetime, *, grace: timedelta = CHECK_GRACE
) -> list[Upload]:
    """Drop every pending upload past its expiry (parts aborted, objects deleted, rows
    rejected): those never checked, those whose check failed, and those past their expiry
    plus `grace` whose check nothing holds or waits for. Returns them. StorageUnavailable
    (503) stops the job; rerunning it is safe."""
    query = (
        select(Upload)
        .where(
            Upload.status == UploadStatus.PENDING,
            Upload.expires_at <= now,
            # Finished in time and being checked: the check decides, not the clock.
            or_(
                Upload.check_requested_at.is_(None),
                Upload.check_failed_at.is_not(None),
                abandoned_checks(now, grace),
            ),
        )
        .order_by(Upload.id)
    )
    expired = list(session.scalars(query))
    for upload in expired:
        reject(session, store, upload, EXPIRED, actor=None, action=AuditAction.UPLOAD_EXPIRED)
    unused = list(session.scalars(unused_exports(now)))
    for upload in unused:
        reject(session, store, upload, UNUSED_EXPORT, actor=None, action=AuditAction.UPLOAD_EXPIRED)
    return expired + unused


def unused_exports(now: datetime):  # type: ignore[no-untyped-def]
    """SQL: portfolio export zips checked but never imported (the page was closed before the
    import was asked for) and past their upload's expiry: no import will read them."""
    return (
        select(Upload)
        .where(
            Upload.purpose == UploadPurpose.PORTFOLIO_IMPORT,
            Upload.status == UploadStatus.VERIFIED,
            Upload.expires_at <= now,
            ~exists().where(PortfolioImport.upload_id == Upload.id),
        )
        .order_by(Upload.id)
    )


def importing_prefixes(session: Session, now: datetime) -> tuple[str, ...]:
    """The key prefixes of people with a portfolio import a job run holds now: the files it
    writes are named only by rows it has not committed yet (all or nothing), so reconcile
    leaves their objects alone until the run is over."""
    owners = session.scalars(
        select(PortfolioImport.user_id).where(
            PortfolioImport.status == ImportStatus.IMPORTING,
            PortfolioImport.claimed_until >= now,
        )
    )
    return tuple(candidate_prefix(owner) for owner in set(owners))


@dataclass
class ReconcileReport:
    orphans: list[ObjectInfo] = field(default_factory=list)  # objects no row knows
    expired: list[Upload] = field(default_factory=list)  # pending past their expiry
    missing: list[Upload] = field(default_factory=list)  # verified, but the object is gone
    changed: list[Upload] = field(default_factory=list)  # verified, but the size differs now
    leftovers: list[Upload] = field(default_factory=list)  # refused, yet the object is there
    # Unfinished multipart uploads no pending row is waiting for: (key, upload id).
    abandoned: list[tuple[str, str]] = field(default_factory=list)
    # Verified files still in staged parts long after they counted: their join is queued again.
    unjoined: list[Upload] = field(default_factory=list)
    applied: bool = False

    @property
    def clean(self) -> bool:
        return not (
            self.orphans
            or self.expired
            or self.missing
            or self.changed
            or self.leftovers
            or self.abandoned
            or self.unjoined
        )


def checking(upload: Upload, now: datetime, grace: timedelta = CHECK_GRACE) -> bool:
    """A check was asked for in time and has not failed for good: the row is not expired,
    unless it is `grace` past its expiry and nothing holds or waits for its check."""
    if upload.check_requested_at is None or upload.check_failed_at is not None:
        return False
    held = upload.check_claimed_until is not None and upload.check_claimed_until >= now
    return held or upload.expires_at > now - grace


def orphan_grace_from(config: Mapping[str, object]) -> timedelta:
    """RECONCILE_ORPHAN_GRACE_SECONDS: how young an object no row names may be and still be
    left alone (a request may be writing it for rows it has not committed yet)."""
    return timedelta(seconds=int(str(config["RECONCILE_ORPHAN_GRACE_SECONDS"])))


def reconcile(
    session: Session,
    store: ObjectStore,
    now: datetime,
    *,
    apply: bool = False,
    orphan_grace: timedelta = timedelta(0),
) -> ReconcileReport:
    """Compare the store's objects (under candidates/) with the upload rows.

    Lists the store first, then rows: a row (with every key it may come to use) is written
    before its object can exist, so an upload starting or completing meanwhile is never taken
    for an orphan. A pending row claims its key, its sealed copy, its unfinished multipart
    upload and the reviewers' copy its completion may be writing; a verified row its key and
    its reviewers' copy. With `apply`, deletes orphans and leftovers, aborts abandoned
    multipart uploads, expires pending uploads past their time, and marks rows whose object is
    missing or changed broken (deleting the changed object); otherwise changes nothing."""
    # A multipart upload is started before its row commits: leave young ones alone.
    unfinished = {
        (key, upload_id)
        for key, upload_id, started in store.list_multipart(CANDIDATES_PREFIX)
        if started < now - MULTIPART_GRACE
    }
    objects = {info.key: info for info in store.list_keys(CANDIDATES_PREFIX)}
    # Read before the rows: an import that commits in between is then either still running
    # here or has its rows below, never neither.
    importing = importing_prefixes(session, now)
    report = ReconcileReport(applied=apply)
    staged = _staged_parts_by_file(objects)
    for upload in session.scalars(select(Upload).order_by(Upload.id)):
        info = objects.pop(upload.key, None)
        in_parts = upload.status == UploadStatus.VERIFIED and still_in_parts(upload)
        if upload.status == UploadStatus.PENDING or in_parts:
            # Its staged parts (services.uploads.staged_parts), and the multipart upload they
            # are joined into once the file counts; a joined or refused file's are orphans.
            for key in staged.pop(upload.key, ()):
                objects.pop(key, None)
            unfinished.discard((upload.key, upload.multipart_upload_id or ""))
        copy = objects.pop(upload.sealed_key, None) if upload.sealed_key else None
        if upload.status == UploadStatus.PENDING:
            unfinished.discard((upload.key, upload.multipart_upload_id or ""))
            if upload.sealed_key and upload.check_token:
                # The copy the run holding the check is sealing (a key of its own).
                objects.pop(run_copy_key(upload.sealed_key, upload.check_token), None)
        elif copy is not None and upload.sealed_key != upload.key:
            objects[copy.key] = copy  # the copy of a refused or cancelled upload: an orphan
        # An image's copy for reviewers: claimed by a pending row (its completion may be
        # writing it) and by a verified one (which names it, or gets it from
        # prepare_reviewer_copies); a refused or broken upload's copy is an orphan.
        for_reviewers = objects.pop(copy_key_of(upload), None)
        if for_reviewers is not None and upload.status not in _CLAIM_COPIES:
            objects[for_reviewers.key] = for_reviewers
        if upload.status == UploadStatus.PENDING:
            if upload.expires_at <= now and not checking(upload, now):
                report.expired.append(upload)
        elif in_parts:
            # Read from its parts until the join job has joined them; one whose job was lost
            # (without a task queue nothing sweeps) is joined now.
            if upload.verified_at is None or upload.verified_at < now - JOIN_GRACE:
                report.unjoined.append(upload)
        elif upload.status == UploadStatus.VERIFIED:
            # Asked again when not listed: a completion that committed after the listing
            # is not missing.
            info = info or store.stat(upload.key)
            if info is None:
                report.missing.append(upload)
            elif info.size != upload.size:
                report.changed.append(upload)
        elif info is not None:
            report.leftovers.append(upload)
    # A young object may be written by a request (a portfolio import posted as a form) for
    # rows it has not committed yet: only objects older than the grace are orphans.
    written_after = now - orphan_grace
    report.orphans = sorted(
        (
            info
            for info in objects.values()
            if not info.key.startswith(importing)
            and not (orphan_grace and _written_after(info, written_after))
        ),
        key=lambda info: info.key,
    )
    report.abandoned = sorted(unfinished)
    if apply:
        _apply(session, store, report)
    return report


def _staged_parts_by_file(objects: dict[str, ObjectInfo]) -> dict[str, list[str]]:
    """The listed staged parts (filenames.staged_part_key), by the key of their file."""
    found: dict[str, list[str]] = {}
    for key in objects:
        base, marker, number = key.rpartition(".part")
        if marker and len(number) == 5 and number.isdigit():
            found.setdefault(base, []).append(key)
    return found


def _written_after(info: ObjectInfo, moment: datetime) -> bool:
    """Whether the object was written after `moment` (a store that gives no time: yes, to be
    safe)."""
    return info.last_modified is None or info.last_modified > moment


def _apply(session: Session, store: ObjectStore, report: ReconcileReport) -> None:
    for key, upload_id in report.abandoned:
        store.abort_multipart(key, upload_id)
        audit.record(
            session,
            actor=None,
            action=AuditAction.STORAGE_MULTIPART_ABORTED,
            object_type="stored_object",
            object_id=key[-100:],
            details={"key": key, "upload_id": upload_id[:200]},
        )
    for info in report.orphans:
        store.delete(info.key)
        audit.record(
            session,
            actor=None,
            action=AuditAction.STORAGE_ORPHAN_DELETED,
            object_type="stored_object",
            object_id=info.key[-100:],
            details={"key": info.key, "size": info.size},
        )
    for upload in report.leftovers:
        store.delete(upload.key)
        audit.record(
            session,
            actor=None,
            action=AuditAction.UPLOAD_OBJECT_DELETED,
            object_type="upload",
            object_id=upload.id,
            details={"status": upload.status.value},
        )
    for upload in report.unjoined:
        queue_join(session, upload)
    for upload in report.expired:
        reject(session, store, upload, EXPIRED, actor=None, action=AuditAction.UPLOAD_EXPIRED)
    for upload in report.changed:
        # Not the bytes that were checked: gone once the row that names them is marked broken.
        delete_after_commit(session, store, upload.key)
    for upload, reason in [(u, MISSING) for u in report.missing] + [
        (u, CHANGED) for u in report.changed
    ]:
        mark_broken(session, upload, reason)
