"""Checking an upload as a job, off the request that asked for it.

`request_check` (the `complete` request) only records that the check is asked for and queues
the job after its commit. `run_check` (the job) claims the row in one short transaction, does
the slow work (join the parts, seal, read the whole object back, hash it; for staged parts, read
back those not checked as they landed: services.uploads.staged_parts) holding no lock, and
finishes in a second short transaction that compares the claim before it changes anything:
a job delivered twice, or run again after its worker died, checks the file at most once more
and counts it once. Objects are only ever added before that commit; the objects the finished
row no longer names are deleted after it (services.uploads.deletions).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.uploads.filenames import make_object_key
from portfolio.domain.uploads.transfer import UploadLimits, part_plan
from portfolio.models import Upload, UploadPartDigest, UploadStatus, User
from portfolio.services import outbox
from portfolio.services.uploads.checks import (
    RESEND,
    Refusal,
    Sniffer,
    Verified,
    finish_multipart,
    inspect_object,
    inspect_parts,
    rules_for,
)
from portfolio.services.uploads.deletions import delete_after_commit
from portfolio.services.uploads.part_digests import (
    check_declared_fingerprint,
    checked_by_parts,
    forget_digests,
    recorded_digests,
)
from portfolio.services.uploads.reviewer_copies import write_reviewer_copy
from portfolio.services.uploads.staged_parts import (
    CheckedPart,
    queue_join,
    record_checked,
    staged_rows,
    verify_staged,
)
from portfolio.services.uploads.transfers import mark_verified, reject
from portfolio.storage import ObjectNotFound, ObjectStore

log = logging.getLogger(__name__)

CHECK_JOB = "portfolio.jobs.uploads.verify_upload"
EXPIRED = Refusal("expired", "This upload was not finished in time. Upload the file again.")


@dataclass(frozen=True)
class CheckLease:
    """How long one run may hold a check: a base plus the time to read the file back."""

    seconds: int = 120
    bytes_per_second: int = 5 * 1024**2

    def for_size(self, size: int) -> timedelta:
        return timedelta(seconds=self.seconds + size // max(self.bytes_per_second, 1))


def check_lease_from(config: Mapping[str, object]) -> CheckLease:
    """The lease the app's configuration gives (UPLOAD_CHECK_LEASE_SECONDS and
    UPLOAD_CHECK_BYTES_PER_SECOND)."""
    return CheckLease(
        int(str(config["UPLOAD_CHECK_LEASE_SECONDS"])),
        int(str(config["UPLOAD_CHECK_BYTES_PER_SECOND"])),
    )


def check_lapsed(upload: Upload, now: datetime, lease: CheckLease) -> bool:
    """A check was asked for, has not failed for good, yet nothing holds or waits for it: its
    run's lease (or the time it was queued for) ran out, or it was asked for more than a lease
    ago and never queued with a time. Nothing will finish it unless it is asked for again
    (without a broker nobody sweeps), so it shows as failed and the widget offers Resume."""
    if upload.status != UploadStatus.PENDING or upload.check_requested_at is None:
        return False
    if upload.check_failed_at is not None:
        return False
    if upload.check_claimed_until is None:
        return upload.check_requested_at < now - lease.for_size(0)
    return upload.check_claimed_until < now


def abandoned_checks(now: datetime, grace: timedelta):  # type: ignore[no-untyped-def]
    """SQL: pending rows past their expiry plus `grace` whose check nothing holds or waits for
    (expiry and reconcile may take them: their check will not come)."""
    return and_(
        Upload.check_failed_at.is_(None),
        Upload.expires_at <= now - grace,
        or_(Upload.check_claimed_until.is_(None), Upload.check_claimed_until < now),
    )


class CheckBusy(Exception):
    """Another run holds this check; try again once its lease has run out."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"Another run is checking this upload (for up to {seconds:.0f} s).")
        self.seconds = seconds


def request_check(
    session: Session,
    store: ObjectStore,
    upload: Upload,
    *,
    now: datetime,
    actor: User | None,
    lease: CheckLease | None = None,
    fingerprint: object = None,
    limits: UploadLimits | None = None,
) -> Upload:
    """Ask for `upload` to be checked: the job runs after the commit. Asked again (a retried
    request, the widget's "try again"), it queues the job again unless a run holds the check
    now; a finished upload is returned unchanged. An upload past its expiry is refused here.
    A queued job is expected to start within a lease: until then the sweep leaves it alone.

    An upload checked by parts is asked for with its composite `fingerprint` the first time
    (services.uploads.part_digests.check_declared_fingerprint): InvalidInput (422) without
    one, Conflict (409) while a part's digest is missing, rejected if the two disagree."""
    if upload.status != UploadStatus.PENDING:
        return upload
    if upload.check_requested_at is None and upload.expires_at <= now:
        reject(session, store, upload, EXPIRED, actor=actor, action=AuditAction.UPLOAD_REJECTED)
        return upload
    if upload.check_requested_at is None and checked_by_parts(upload):
        refusal = check_declared_fingerprint(session, upload, fingerprint, limits or UploadLimits())
        if refusal is not None:
            reject(session, store, upload, refusal, actor=actor, action=AuditAction.UPLOAD_REJECTED)
            return upload
    running = (
        upload.check_token is not None
        and upload.check_claimed_until is not None
        and upload.check_claimed_until > now
    )
    upload.check_requested_at = upload.check_requested_at or now
    upload.check_failed_at = None
    upload.check_error = ""
    if not running:
        _mark_queued(session, store, upload, now, lease or CheckLease())
    session.flush()
    if not running:
        outbox.enqueue(session, CHECK_JOB, upload.id)
    return upload


def _mark_queued(
    session: Session, store: ObjectStore, upload: Upload, now: datetime, lease: CheckLease
) -> None:
    # No token: any run may claim it at once; the time only tells the sweep (and status_of)
    # how long the queued job may take to start before it counts as lost.
    if upload.check_token is not None and upload.sealed_key is not None:
        # The run whose lease ran out (its worker died) may have left its own copy: no row
        # names it once this commits (if that run lives on, it loses and finds it gone).
        delete_after_commit(session, store, run_copy_key(upload.sealed_key, upload.check_token))
    upload.check_token = None
    upload.check_claimed_until = now + lease.for_size(upload.declared_size)


def _claimable(now: datetime):  # type: ignore[no-untyped-def]
    return (
        Upload.status == UploadStatus.PENDING,
        Upload.check_requested_at.is_not(None),
        or_(
            Upload.check_token.is_(None),
            Upload.check_claimed_until.is_(None),
            Upload.check_claimed_until < now,
        ),
    )


def _claim(
    new_session: Callable[[], Session],
    store: ObjectStore,
    upload_id: int,
    token: str,
    now: datetime,
    lease: CheckLease,
) -> Upload | None:
    """The upload, detached, once this run holds its check; None when there is nothing to do.
    CheckBusy while another run holds it."""
    with new_session() as session:
        upload = session.get(Upload, upload_id)
        if upload is None or upload.status != UploadStatus.PENDING:
            return None
        if upload.check_requested_at is None:
            return None
        until = now + lease.for_size(upload.declared_size)
        lapsed_token = upload.check_token
        # A run retried after the job gave up (an administrator's retry) shows as checking again.
        values: dict[str, object] = {
            "check_token": token,
            "check_claimed_until": until,
            "check_failed_at": None,
        }
        if upload.multipart_upload_id is None and upload.sealed_key is None:
            # Rows begun before sealed keys were chosen up front: name the copy before making it.
            values["sealed_key"] = make_object_key(upload.owner_id, purpose="sealed")
        claimed = session.execute(
            update(Upload)
            .where(Upload.id == upload_id, *_claimable(now))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        took_it = claimed.rowcount == 1  # type: ignore[attr-defined]
        if took_it and lapsed_token is not None and upload.sealed_key is not None:
            # A run whose lease ran out (its worker died) may have left its own copy: no row
            # names it now, so it goes after this commit (if that run lives on, it loses).
            delete_after_commit(session, store, run_copy_key(upload.sealed_key, lapsed_token))
        session.commit()
        if not took_it:
            session.refresh(upload)
            if upload.status != UploadStatus.PENDING or upload.check_claimed_until is None:
                return None
            raise CheckBusy((upload.check_claimed_until - now).total_seconds())
        session.refresh(upload)
        session.expunge(upload)
        return upload


def run_copy_key(sealed_key: str, token: str) -> str:
    """Where the run holding `token` seals its copy: a key of its own, so a run that lost its
    lease never writes over the object another run verified."""
    return f"{sealed_key}.{token}"


def _examine(
    store: ObjectStore,
    upload: Upload,
    limits: UploadLimits,
    token: str,
    digests: dict[int, str] | None = None,
    staged: dict[int, UploadPartDigest] | None = None,
) -> tuple[Verified | Refusal, dict[int, CheckedPart]]:
    """The slow part, on a detached copy of the row: no lock is held. StorageUnavailable
    propagates (the job is retried). `digests`: the parts' reported digests, for an upload
    checked by parts; `staged`: their rows, for one whose parts are staged (what this run read
    back of those is returned with the verdict)."""
    limits, sniff = rules_for(upload, limits)
    if staged is not None:
        plan = part_plan(upload.declared_size, limits)
        started = time.perf_counter()
        verdict, read_back = verify_staged(
            store,
            upload,
            plan,
            staged,
            limits,
            sniff,
            lambda verdict, read: write_reviewer_copy(store, upload, verdict, read),
        )
        # Where a check's time goes (bench/upload.py reports it): the parts nobody reported
        # as landed are read back here; the others were as they landed.
        log.info(
            "upload %s: %s of %s parts read back by the check in %.2f s",
            upload.id,
            len(read_back),
            plan.part_count,
            time.perf_counter() - started,
        )
        return verdict, read_back
    return _examine_whole(store, upload, limits, sniff, token, digests), {}


def _examine_whole(
    store: ObjectStore,
    upload: Upload,
    limits: UploadLimits,
    sniff: Sniffer,
    token: str,
    digests: dict[int, str] | None,
) -> Verified | Refusal:
    """The check of one object: sent whole, or in parts the store joins first."""
    if upload.multipart_upload_id is not None:
        plan = part_plan(upload.declared_size, limits)
        started = time.perf_counter()
        refusal = finish_multipart(store, upload, plan, digests)
        if refusal is not None:
            return refusal
        joined = time.perf_counter()
        if digests is not None:
            verdict = inspect_parts(store, upload, plan, digests, limits, sniff)
            # Where a check's time goes (bench/upload.py reports it): the store joining the
            # parts, then the server reading every byte back.
            log.info(
                "upload %s: parts joined in %.2f s, read back and compared in %.2f s",
                upload.id,
                joined - started,
                time.perf_counter() - joined,
            )
            if isinstance(verdict, Refusal):
                return verdict
            return write_reviewer_copy(store, upload, verdict) or verdict
    elif upload.key != upload.sealed_key:
        assert upload.sealed_key is not None
        # Seal: the presigned POST stays usable until it expires, so the bytes are checked at
        # a key no link was issued for. The original goes after the commit that stops naming it.
        run_key = run_copy_key(upload.sealed_key, token)
        try:
            store.copy(upload.key, run_key)
        except ObjectNotFound:
            return Refusal("missing", f"The file never arrived in storage. {RESEND}")
        upload.key = run_key  # the detached copy only
    verdict = inspect_object(store, upload, limits, sniff)
    if isinstance(verdict, Refusal):
        return verdict
    # Images also get a copy without metadata for reviewers, before the commit.
    return write_reviewer_copy(store, upload, verdict) or verdict


def run_check(
    new_session: Callable[[], Session],
    store: ObjectStore,
    upload_id: int,
    *,
    limits: UploadLimits,
    lease: CheckLease,
    now: Callable[[], datetime],
    retry_within: timedelta = timedelta(0),
) -> UploadStatus | None:
    """Check the upload if it waits for a check: its final status, or None when there was
    nothing to do (finished already, or never asked). CheckBusy while another run holds it;
    StorageUnavailable (the run lets go of the check, keeping the error) to be retried: the
    row then counts as queued for `retry_within` (the retry's longest backoff) plus a lease,
    so the sweep does not queue a second chain of retries meanwhile."""
    token = str(uuid.uuid4())
    snapshot = _claim(new_session, store, upload_id, token, now(), lease)
    if snapshot is None:
        return None
    original_key = snapshot.key  # _examine moves the detached copy to the sealed key
    try:
        digests = staged = None
        if checked_by_parts(snapshot):
            with new_session() as session:
                digests = recorded_digests(session, upload_id)  # frozen once the check is asked
                staged = staged_rows(session, upload_id) if snapshot.parts_staged else None
        verdict, read_back = _examine(store, snapshot, limits, token, digests, staged)
    except Exception as exc:
        queued_until = now() + retry_within + lease.for_size(snapshot.declared_size)
        own_copy = snapshot.key if snapshot.key != original_key else None
        _let_go(new_session, store, upload_id, token, str(exc), queued_until, own_copy)
        raise
    return _finish(
        new_session, store, upload_id, token, original_key, snapshot, verdict, now(), read_back
    )


def _finish(
    new_session: Callable[[], Session],
    store: ObjectStore,
    upload_id: int,
    token: str,
    original_key: str,
    snapshot: Upload,
    verdict: Verified | Refusal,
    moment: datetime,
    read_back: dict[int, CheckedPart],
) -> UploadStatus | None:
    with new_session() as session:
        upload = session.scalars(
            select(Upload).where(Upload.id == upload_id).with_for_update()
        ).one()
        own_copy = snapshot.key if snapshot.key != original_key else None
        if upload.status != UploadStatus.PENDING or upload.check_token != token:
            # Another run finished it or took it over: its result stands, and this run's
            # copy (its own key, which no row names) goes after the commit.
            if own_copy is not None:
                delete_after_commit(session, store, own_copy)
            session.commit()
            return None
        owner = session.get(User, upload.owner_id)
        upload.check_token = None
        upload.check_claimed_until = None
        upload.check_error = ""
        upload.check_failed_at = None
        if upload.sealed_key is None:
            upload.sealed_key = snapshot.sealed_key
        if isinstance(verdict, Refusal):
            reject(session, store, upload, verdict, actor=owner, action=AuditAction.UPLOAD_REJECTED)
            if own_copy is not None:
                delete_after_commit(session, store, own_copy)
            if snapshot.reviewer_key:
                delete_after_commit(session, store, snapshot.reviewer_key)
        else:
            if upload.multipart_upload_id is None and original_key != snapshot.key:
                delete_after_commit(session, store, original_key)
                upload.key = snapshot.key
            upload.reviewer_key = snapshot.reviewer_key
            mark_verified(session, upload, verdict, actor=owner, at=moment)
        if upload.parts_staged and isinstance(verdict, Verified):
            # The join needs each part's digest and the ETag it was read with.
            record_checked(session, upload.id, read_back, moment)
            queue_join(session, upload)
        elif checked_by_parts(upload):
            forget_digests(session, upload.id)  # compared; the fingerprint stays
        status = upload.status
        session.commit()
        return status


def _let_go(
    new_session: Callable[[], Session],
    store: ObjectStore,
    upload_id: int,
    token: str,
    error: str,
    queued_until: datetime,
    own_copy: str | None,
) -> None:
    """Give the check up for a retry: no run holds it, and it counts as queued (its retry is
    waiting out its backoff) until `queued_until`. A copy this run sealed goes after the
    commit (a failed deletion leaves it to reconcile)."""
    with new_session() as session:
        session.execute(
            update(Upload)
            .where(Upload.id == upload_id, Upload.check_token == token)
            .values(check_token=None, check_claimed_until=queued_until, check_error=error[:2000])
            .execution_options(synchronize_session=False)
        )
        if own_copy is not None:
            delete_after_commit(session, store, own_copy)
        session.commit()


def give_up(session: Session, upload_id: int, error: str, now: datetime) -> None:
    """The check job used its last try: the upload shows that the check failed, and why.
    Nothing changes while a run holds the check (it will finish it)."""
    session.execute(
        update(Upload)
        .where(
            Upload.id == upload_id,
            Upload.status == UploadStatus.PENDING,
            Upload.check_requested_at.is_not(None),
            or_(
                Upload.check_token.is_(None),
                Upload.check_claimed_until.is_(None),
                Upload.check_claimed_until <= now,
            ),
        )
        .values(check_failed_at=now, check_error=error[:2000])
        .execution_options(synchronize_session=False)
    )


def stale_checks(
    session: Session, store: ObjectStore, now: datetime, lease: CheckLease, *, limit: int = 500
) -> int:
    """Queue the check again for uploads whose run's lease, or whose queued job's time to
    start, ran out with no progress (the job was lost with the broker, or its worker died);
    returns how many. Each counts as queued again for a lease, so a check waiting for its job
    (or in a retry's backoff) is never queued twice."""
    cutoff = now - lease.for_size(0)
    # Locked (PostgreSQL; SQLite's writers take turns anyway): a run finishing one of these
    # meanwhile is waited for, and the row, no longer pending, is left out, so the copy it
    # now names is never taken for a dead run's.
    stale = session.scalars(
        select(Upload)
        .where(
            Upload.status == UploadStatus.PENDING,
            Upload.check_requested_at.is_not(None),
            Upload.check_failed_at.is_(None),
            or_(
                Upload.check_claimed_until < now,
                Upload.check_claimed_until.is_(None) & (Upload.check_requested_at < cutoff),
            ),
        )
        .order_by(Upload.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)  # the locked row's values, not older ones
    ).all()
    for upload in stale:
        _mark_queued(session, store, upload, now, lease)
    session.flush()
    for upload in stale:
        outbox.enqueue(session, CHECK_JOB, upload.id)
    return len(stale)
