"""Upload jobs: the check `complete` asks for, its sweep, expiring and reconciling."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from celery import Task, shared_task
from flask import Flask, current_app
from sqlalchemy.exc import OperationalError

from portfolio.domain.errors import DomainError
from portfolio.extensions import db
from portfolio.models import Upload, User
from portfolio.models.base import utcnow
from portfolio.services.uploads import deletions, staged_parts, verification
from portfolio.services.uploads.reconcile import (
    expire_pending_uploads,
    orphan_grace_from,
    reconcile,
)
from portfolio.storage import StorageUnavailable
from portfolio.storage_binding import get_store, limits_from

log = logging.getLogger(__name__)
TRANSIENT = (StorageUnavailable, OperationalError)


def check_lease() -> verification.CheckLease:
    return verification.check_lease_from(current_app.config)


def longest_backoff(task: Task) -> timedelta:
    """The longest wait before this task's next try (Celery's exponential backoff, whose
    jitter only shortens it); nothing once the last try has been used."""
    retries = int(task.request.retries or 0)
    if task.max_retries is not None and retries >= int(task.max_retries):
        return timedelta(0)
    return timedelta(seconds=min(int(getattr(task, "retry_backoff_max", None) or 600), 2**retries))


@shared_task(
    name=verification.CHECK_JOB,
    bind=True,
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    retry_jitter=True,
)
def verify_upload(self: Task, upload_id: int) -> str | None:
    """Check one upload (services.uploads.verification.run_check); retried with backoff while
    the store or the database is unavailable. A delivery that finds another run holding the
    check is dropped: that run finishes it, and if it dies the sweep queues the check again
    once its lease has run out (without a broker, the upload shows its check failed)."""
    try:
        status = verification.run_check(
            db.new_session,
            get_store(),
            upload_id,
            limits=limits_from(current_app.config),
            lease=check_lease(),
            now=utcnow,
            retry_within=longest_backoff(self),
        )
    except verification.CheckBusy as busy:
        log.info("Upload %s: dropped a second delivery of its check (%s)", upload_id, busy)
        return None
    return status.value if status is not None else None


@shared_task(
    name=staged_parts.JOIN_JOB,
    bind=True,
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    retry_jitter=True,
)
def join_upload(self: Task, upload_id: int) -> bool | None:
    """Join a verified file's staged parts into one object (services.uploads.staged_parts);
    retried with backoff while the store or the database is unavailable. The file counts and
    is read from its parts meanwhile; the sweep (and the nightly reconcile) queue a lost join
    again. Without a task queue it runs in a thread of its own (UPLOAD_JOIN "background"), so
    that the request whose commit queued it does not wait for the store's copies."""
    if self.request.is_eager and current_app.config.get("UPLOAD_JOIN") == "background":
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        threading.Thread(
            target=_join_in_background, args=(app, upload_id), name="upload-join", daemon=True
        ).start()
        return None
    return staged_parts.join_staged(db.new_session, get_store(), upload_id, now=utcnow)


@shared_task(
    name=staged_parts.CHECK_PART_JOB,
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    retry_jitter=True,
)
def check_part(upload_id: int, part_number: int) -> str | None:
    """Read back a part the browser reported sent (services.uploads.staged_parts), with a task
    queue: the web process only took the report. A report that cannot be acted on (the part is
    not there, the upload is gone or its check was asked for) is dropped: the check that
    `complete` asks for reads every part nobody has read back, so nothing goes unread."""
    with db.new_session() as session:  # of its own: run eagerly, it follows another's commit
        upload = session.get(Upload, upload_id)
        if upload is None:
            return None
        try:
            refusal = staged_parts.check_sent_part(
                session,
                get_store(),
                upload,
                part_number,
                now=utcnow(),
                limits=limits_from(current_app.config),
                actor=session.get(User, upload.owner_id),  # as the file's check records it
            )
        except StorageUnavailable:
            raise  # tried again with backoff
        except DomainError as dropped:
            log.info("Upload %s: part %s not read back now (%s)", upload_id, part_number, dropped)
            return None
        session.commit()
    return refusal.code if refusal is not None else "checked"


def _join_in_background(app: Flask, upload_id: int) -> None:
    with app.app_context():
        try:
            staged_parts.join_staged(db.new_session, get_store(), upload_id, now=utcnow)
        except Exception:  # nothing retries it in-process: reconcile queues it again
            log.exception(
                "upload %s: joining its parts failed; reconcile will try again", upload_id
            )


def verify_upload_gave_up(upload_id: int, error: str) -> None:
    """After the last try: the upload shows that its check failed, and why."""
    session = db.session
    verification.give_up(session, upload_id, error, utcnow())
    session.commit()


@shared_task(
    name=deletions.DELETE_JOB,
    autoretry_for=(StorageUnavailable,),
    retry_backoff=True,
    retry_jitter=True,
)
def delete_objects(objects: list[list[str | None]]) -> None:
    """Delete stored objects whose deletion after a commit failed (services.uploads.deletions);
    retried with backoff while the store is unavailable. After the last try the job is kept for
    administrators, and the nightly reconcile removes what is left anyway."""
    deletions.delete_objects(get_store(), [(str(key), upload_id) for key, upload_id in objects])


@shared_task(name="portfolio.jobs.uploads.sweep_checks", ignore_result=True)
def sweep_checks() -> int:
    """Queue again the checks that were asked for but that no run holds, and the joins of
    verified files still in parts (the broker was down, or a worker died)."""
    session = db.session
    count = verification.stale_checks(session, get_store(), utcnow(), check_lease())
    count += staged_parts.stale_joins(session, utcnow())
    session.commit()
    return count


@shared_task(
    name="portfolio.jobs.uploads.expire_pending",
    autoretry_for=(StorageUnavailable, OperationalError),
    retry_backoff=True,
)
def expire_pending() -> int:
    """Drop the uploads left pending past their expiry (nobody asked for their check)."""
    session = db.session
    expired = expire_pending_uploads(session, get_store(), utcnow())
    session.commit()
    return len(expired)


@shared_task(
    name="portfolio.jobs.uploads.reconcile",
    autoretry_for=(StorageUnavailable, OperationalError),
    retry_backoff=True,
)
def reconcile_store() -> dict[str, int]:
    """The nightly reconcile, applied (`flask storage reconcile` shows the same as a dry run)."""
    session = db.session
    report = reconcile(
        session,
        get_store(),
        utcnow(),
        apply=True,
        orphan_grace=orphan_grace_from(current_app.config),
    )
    session.commit()
    return {
        "orphans": len(report.orphans),
        "abandoned": len(report.abandoned),
        "expired": len(report.expired),
        "missing": len(report.missing),
        "changed": len(report.changed),
        "leftovers": len(report.leftovers),
        "unjoined": len(report.unjoined),
    }
