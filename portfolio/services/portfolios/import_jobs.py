"""Importing a portfolio export sent through the upload flow, as a job.

A several-GB export does not fit one form post, nor one request's time: its zip goes straight
to the object store in parts (services.uploads, purpose "portfolio_import"), is checked to be a
zip there, and `request_import` then records the import as waiting and queues the job after
its commit. `run_import` (the job) claims the row in one short transaction (a token and a
lease, as an upload's check does), then imports in one transaction with the same service as a
posted zip (services.portfolios.importing), reading the stored zip through a seekable ranged
reader (storage.ranged: bounded memory, any store). That transaction also marks the import
done and the zip consumed, so the import is all or nothing and a rerun is safe:

- a run that dies mid-import committed nothing but its claim; once its lease runs out the sweep
  (or the candidate's "try again") queues it again, and the next run imports from the start;
- a run that committed is seen as done by any later delivery, which does nothing;
- a second run while one holds the lease is dropped (ImportBusy); a run that outlived its lease
  finds another token at its end and rolls back, so only one import is ever kept (and the
  portfolio's row lock and emptiness check stand behind that too).

A refusal rolls the import back (the objects written meanwhile are deleted after the rollback)
and records, in a transaction of its own, that the import was refused and why. Either way the
zip is deleted after that commit (services.uploads.deletions); until then the row names it, so
reconcile never takes it for an orphan.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import IO, cast

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.errors import Conflict, DomainError, NotFound
from portfolio.domain.ids import is_row_id
from portfolio.domain.portfolios.import_archive import ImportLimits, ImportRefused
from portfolio.domain.uploads.transfer import UploadLimits
from portfolio.models import (
    Enrollment,
    ImportStatus,
    PortfolioImport,
    Upload,
    UploadStatus,
    User,
)
from portfolio.services import audit, outbox
from portfolio.services.portfolios.import_files import NOTHING
from portfolio.services.portfolios.importing import import_portfolio
from portfolio.services.uploads.deletions import delete_after_commit
from portfolio.services.uploads.verification import CheckLease
from portfolio.storage import ObjectStore
from portfolio.storage.ranged import RangedReader

IMPORT_JOB = "portfolio.jobs.portfolios.import_uploaded_portfolio"
FINISHED = (ImportStatus.DONE, ImportStatus.REFUSED)
GONE = (
    "The export you uploaded is no longer in storage, so it could not be imported. Upload it "
    f"again. {NOTHING}"
)
NOT_CHECKED = "This file is still being checked. Import it once it says it was checked."
NOT_USABLE = "This file was refused when it was checked, or was used already. Upload it again."


class ImportBusy(Exception):
    """Another run holds this import; it finishes it (or its lease runs out)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"Another run is importing this portfolio (for up to {seconds:.0f} s).")
        self.seconds = seconds


def lease_for(lease: CheckLease, size: int) -> timedelta:
    """How long one run may hold an import of a `size`-byte zip: every byte is read, and
    its files written, once."""
    return lease.for_size(2 * size)


def request_import(
    session: Session, person: User, enrollment: Enrollment, upload_id: object, *, now: datetime
) -> PortfolioImport:
    """Record that `person`'s checked export upload is to be imported into `enrollment` (their
    own, the caller checked): the job runs after the commit. Asked again for the same upload
    (a retried request), the import already recorded is returned. NotFound (404) for an upload
    that is missing, someone else's or not an export; InvalidInput (422) for one not checked
    (or refused, or used); Conflict (409) when the enrollment takes no edits."""
    # The upload's row lock makes two requests for one upload (a double click, a retry) take
    # turns, so the second finds the first's import rather than breaking the unique key.
    upload = session.get(Upload, upload_id, with_for_update=True) if is_row_id(upload_id) else None
    if upload is None or upload.owner_id != person.id or not upload.is_import:
        raise NotFound("We could not find that file.")
    existing = session.scalars(
        select(PortfolioImport).where(PortfolioImport.upload_id == upload.id)
    ).first()
    if existing is not None:
        return existing
    if upload.status == UploadStatus.PENDING:
        raise Conflict(NOT_CHECKED, field="upload_id")
    if upload.status != UploadStatus.VERIFIED:
        raise Conflict(NOT_USABLE, field="upload_id")
    record = PortfolioImport(
        user_id=person.id,
        enrollment_id=enrollment.id,
        imported_at=now,
        requested_at=now,
        original_name=upload.original_name[:255],
        status=ImportStatus.WAITING,
        upload_id=upload.id,
        not_placed=[],
        left_out=[],
    )
    session.add(record)
    session.flush()
    audit.record(
        session,
        actor=person,
        action=AuditAction.PORTFOLIO_IMPORT_REQUESTED,
        object_type="portfolio_import",
        object_id=record.id,
        details={"upload_id": upload.id, "size": upload.size},
    )
    outbox.enqueue(session, IMPORT_JOB, record.id)
    return record


def may_retry(record: PortfolioImport, now: datetime, lease: CheckLease) -> bool:
    """The candidate may ask again: the job gave up, or nothing holds or waits for it any
    more (its run died, or its queued job was lost)."""
    if record.status == ImportStatus.FAILED:
        return True
    if record.status == ImportStatus.IMPORTING:
        return record.claimed_until is not None and record.claimed_until < now
    if record.status == ImportStatus.WAITING:
        return record.requested_at is not None and record.requested_at < now - lease.for_size(0)
    return False


def retry_import(
    session: Session, record: PortfolioImport, *, now: datetime, lease: CheckLease
) -> PortfolioImport:
    """Queue a stalled or failed import again (after the commit). Conflict while it runs or
    waits for a job that may still come, and once it is finished."""
    if not may_retry(record, now, lease):
        raise Conflict("This import is running or finished; there is nothing to try again.")
    _requeue(record, now)
    session.flush()
    outbox.enqueue(session, IMPORT_JOB, record.id)
    return record


def _requeue(record: PortfolioImport, now: datetime) -> None:
    record.status = ImportStatus.WAITING
    record.claim_token = None
    record.claimed_until = None
    record.requested_at = now


def run_import(
    new_session: Callable[[], Session],
    store: ObjectStore,
    import_id: int,
    *,
    limits: ImportLimits,
    upload_limits: UploadLimits,
    lease: CheckLease,
    now: Callable[[], datetime],
) -> ImportStatus | None:
    """Import a waiting import: its final status, or None when there was nothing to do (it is
    finished, or another run took it over). ImportBusy while another run holds it; any other
    error (the store or the database down) lets go of it, keeping the error, and propagates
    so that the job is retried."""
    token = str(uuid.uuid4())
    if not _claim(new_session, import_id, token, now(), lease):
        return None
    refusal = ""
    with new_session() as session:
        try:
            record = session.get_one(PortfolioImport, import_id)
            upload = record.upload
            assert upload is not None
            info = store.stat(upload.key)
            if info is None:
                raise ImportRefused(GONE)
            import_portfolio(
                session,
                store,
                session.get_one(User, record.user_id),
                session.get_one(Enrollment, record.enrollment_id),
                cast(IO[bytes], RangedReader(store, upload.key, info.size)),  # seekable
                name=record.original_name,
                now=now(),
                limits=limits,
                upload_limits=upload_limits,
                record=record,
            )
            if _holder(session, import_id) != token:
                session.rollback()  # another run took it over: its result stands
                return None
            record.status = ImportStatus.DONE
            record.claim_token = None
            record.claimed_until = None
            record.error = ""
            _consume(session, store, upload)
            session.commit()
            return ImportStatus.DONE
        except DomainError as exc:
            session.rollback()  # the objects written for it go after the rollback
            if exc.status >= 500:
                _let_go(new_session, import_id, token, exc.message)
                raise
            refusal = exc.message
        except Exception as exc:
            session.rollback()
            _let_go(new_session, import_id, token, f"{type(exc).__name__}: {exc}")
            raise
    return _refuse(new_session, store, import_id, token, refusal, now())


def _claim(
    new_session: Callable[[], Session],
    import_id: int,
    token: str,
    moment: datetime,
    lease: CheckLease,
) -> bool:
    """Take the import for this run in a short transaction of its own. False when there is
    nothing to do; ImportBusy while another run holds it."""
    with new_session() as session:
        record = session.get(PortfolioImport, import_id)
        if record is None or record.upload is None or record.status in FINISHED:
            return False
        size = int(record.upload.size or record.upload.declared_size)
        until = moment + lease_for(lease, size)
        claimed = session.execute(
            update(PortfolioImport)
            .where(
                PortfolioImport.id == import_id,
                or_(
                    # A failed one too: an administrator retrying the failed job runs it.
                    PortfolioImport.status.in_((ImportStatus.WAITING, ImportStatus.FAILED)),
                    (PortfolioImport.status == ImportStatus.IMPORTING)
                    & (PortfolioImport.claimed_until < moment),
                ),
            )
            .values(status=ImportStatus.IMPORTING, claim_token=token, claimed_until=until)
            .execution_options(synchronize_session=False)
        )
        session.commit()
        if claimed.rowcount == 1:  # type: ignore[attr-defined]
            return True
        session.refresh(record)
        if record.status != ImportStatus.IMPORTING or record.claimed_until is None:
            return False  # finished meanwhile
        raise ImportBusy((record.claimed_until - moment).total_seconds())


def _holder(session: Session, import_id: int) -> str | None:
    """The token of the run holding the import, read under a row lock (PostgreSQL) so that no
    other run can take it over between this check and the commit."""
    return session.execute(
        select(PortfolioImport.claim_token).where(PortfolioImport.id == import_id).with_for_update()
    ).scalar_one()


def _consume(session: Session, store: ObjectStore, upload: Upload) -> None:
    """The zip was read by its import: the row stops naming a usable file, and the object goes
    after the commit (a deletion that fails then is left to reconcile: a consumed upload's
    object is a leftover)."""
    delete_after_commit(session, store, upload.key)
    if upload.sealed_key is not None and upload.sealed_key != upload.key:
        delete_after_commit(session, store, upload.sealed_key)
    upload.status = UploadStatus.CONSUMED


def _refuse(
    new_session: Callable[[], Session],
    store: ObjectStore,
    import_id: int,
    token: str,
    reason: str,
    moment: datetime,
) -> ImportStatus | None:
    with new_session() as session:
        record = session.scalars(
            select(PortfolioImport).where(PortfolioImport.id == import_id).with_for_update()
        ).one()
        if record.status != ImportStatus.IMPORTING or record.claim_token != token:
            session.commit()
            return None
        record.status = ImportStatus.REFUSED
        record.reason = reason
        record.claim_token = None
        record.claimed_until = None
        record.error = ""
        record.imported_at = moment
        assert record.upload is not None
        _consume(session, store, record.upload)
        session.flush()
        audit.record(
            session,
            actor=session.get(User, record.user_id),
            action=AuditAction.PORTFOLIO_IMPORT_REFUSED,
            object_type="portfolio_import",
            object_id=record.id,
            details={"reason": reason[:500]},
        )
        session.commit()
        return ImportStatus.REFUSED


def _let_go(new_session: Callable[[], Session], import_id: int, token: str, error: str) -> None:
    """Give the import up for a retry: it waits again (nothing of this run was kept)."""
    with new_session() as session:
        session.execute(
            update(PortfolioImport)
            .where(PortfolioImport.id == import_id, PortfolioImport.claim_token == token)
            .values(
                status=ImportStatus.WAITING,
                claim_token=None,
                claimed_until=None,
                error=error[:2000],
            )
            .execution_options(synchronize_session=False)
        )
        session.commit()


def give_up(session: Session, import_id: int, error: str, now: datetime) -> None:
    """The job used its last try: the import shows that it could not run (the candidate may
    try again). Nothing changes while a run holds it."""
    session.execute(
        update(PortfolioImport)
        .where(
            PortfolioImport.id == import_id,
            or_(
                PortfolioImport.status == ImportStatus.WAITING,
                (PortfolioImport.status == ImportStatus.IMPORTING)
                & (PortfolioImport.claimed_until <= now),
            ),
        )
        .values(
            status=ImportStatus.FAILED, claim_token=None, claimed_until=None, error=error[:2000]
        )
        .execution_options(synchronize_session=False)
    )


def stale_imports(session: Session, now: datetime, lease: CheckLease, *, limit: int = 100) -> int:
    """Queue again the imports whose run's lease ran out (its worker died) or whose queued job
    never started within a lease (lost with the broker); returns how many."""
    cutoff = now - lease.for_size(0)
    stale = session.scalars(
        select(PortfolioImport)
        .where(
            or_(
                (PortfolioImport.status == ImportStatus.IMPORTING)
                & (PortfolioImport.claimed_until < now),
                (PortfolioImport.status == ImportStatus.WAITING)
                & (PortfolioImport.requested_at < cutoff),
            )
        )
        .order_by(PortfolioImport.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    ).all()
    for record in stale:
        _requeue(record, now)
    session.flush()
    for record in stale:
        outbox.enqueue(session, IMPORT_JOB, record.id)
    return len(stale)


def latest_import(session: Session, user_id: int) -> PortfolioImport | None:
    """The person's most recent import, whatever its outcome (its report is linked from the
    import page)."""
    return session.scalar(
        select(PortfolioImport)
        .where(PortfolioImport.user_id == user_id)
        .order_by(PortfolioImport.id.desc())
        .limit(1)
    )
