"""The check's lease, in the embedded default (eager, no broker): a second delivery that meets a
live claim is dropped and never marks the check failed; the sweep queues a check once per lease
with no progress, never again while it waits for its job or a retry's backoff; a check whose
process died shows as failed (so the widget offers Resume) and is expired once past its time;
and two runs of one check never seal into the same key (the second reader's findings 1, 2, 3
and 5 on the task queue)."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from portfolio.extensions import db
from portfolio.models import JobFailure, Upload, UploadStatus
from portfolio.models.base import utcnow
from portfolio.services.uploads import verification
from portfolio.services.uploads.reconcile import expire_pending_uploads, reconcile
from portfolio.storage import ObjectStore, StorageUnavailable
from portfolio.storage_binding import EXTENSION_KEY, limits_from
from tests.integration.test_jobs import FlakyStore, sent_upload
from tests.upload_helpers import UploadApi, pdf_bytes

LEASE = verification.CheckLease(seconds=120)


def held_by_another_run(session: Session, upload_id: int, until: datetime) -> Upload:
    upload = session.get(Upload, upload_id)
    upload.check_requested_at = utcnow() - timedelta(seconds=5)
    upload.check_token, upload.check_claimed_until = "another-run", until
    session.commit()
    return upload


def test_a_second_delivery_meeting_a_live_claim_is_dropped_and_never_marks_the_check_failed(
    app: Flask, api: UploadApi, session: Session
):
    upload_id = sent_upload(api)
    held_by_another_run(session, upload_id, utcnow() + timedelta(minutes=10))

    app.extensions["celery"].tasks[verification.CHECK_JOB].apply_async(args=[upload_id])

    session.expire_all()
    upload = session.get(Upload, upload_id)
    assert upload.check_failed_at is None and upload.check_token == "another-run"
    assert session.scalars(select(JobFailure)).all() == []
    assert api.show(upload_id).get_json()["upload"]["status"] == "checking"
    # A job that used its last try changes nothing while a run holds the check either.
    verification.give_up(session, upload_id, "StorageUnavailable", utcnow())
    session.expire_all()
    assert session.get(Upload, upload_id).check_failed_at is None


def test_the_sweep_queues_a_check_once_per_lease_without_progress(
    app: Flask, api: UploadApi, session: Session
):
    upload_id = sent_upload(api)
    upload = session.get(Upload, upload_id)
    upload.check_requested_at = utcnow() - timedelta(hours=1)  # its job was lost
    session.flush()
    now = utcnow()
    store = app.extensions[EXTENSION_KEY]

    assert verification.stale_checks(session, store, now, LEASE) == 1
    # A minute later its job is queued and has a lease to start: not queued again.
    assert verification.stale_checks(session, store, now + timedelta(minutes=1), LEASE) == 0
    # A lease with no progress: it is lost again, and queued again.
    later = now + LEASE.for_size(upload.declared_size) + timedelta(seconds=1)
    assert verification.stale_checks(session, store, later, LEASE) == 1


def test_a_check_waiting_out_a_retrys_backoff_is_not_queued_again_by_the_sweep(
    app: Flask, api: UploadApi, session: Session
):
    upload_id = sent_upload(api)
    upload = session.get(Upload, upload_id)
    upload.check_requested_at = utcnow() - timedelta(hours=1)
    session.commit()
    store = app.extensions[EXTENSION_KEY]
    flaky = FlakyStore(store)
    flaky.down = True

    with pytest.raises(StorageUnavailable):
        verification.run_check(
            db.new_session,
            flaky,  # type: ignore[arg-type]
            upload_id,
            limits=limits_from(app.config),
            lease=LEASE,
            now=utcnow,
            retry_within=timedelta(minutes=10),
        )

    session.expire_all()
    # Its retry waits up to ten minutes: the sweep leaves it alone meanwhile...
    assert verification.stale_checks(session, store, utcnow() + timedelta(minutes=9), LEASE) == 0
    # ...and the widget still shows it being checked, not failed.
    assert api.show(upload_id).get_json()["upload"]["status"] == "checking"
    # Once the backoff and a lease have passed with no progress, it is queued again.
    assert verification.stale_checks(session, store, utcnow() + timedelta(minutes=13), LEASE) == 1


def test_a_check_whose_process_died_shows_as_failed_and_resume_verifies_it(
    app: Flask, api: UploadApi, session: Session
):
    died, never_ran = sent_upload(api), sent_upload(api)
    held_by_another_run(session, died, utcnow() - timedelta(seconds=1))
    upload = session.get(Upload, never_ran)
    upload.check_requested_at = utcnow() - timedelta(hours=1)
    session.commit()

    for upload_id in (died, never_ran):
        shown = api.show(upload_id).get_json()["upload"]
        assert shown["status"] == "check_failed"  # the widget offers Resume
        assert "Nothing was lost" in shown["reason"]

        reply = api.complete(upload_id)  # Resume asks for the check again

        assert reply.get_json()["upload"]["status"] == "verified"


def test_an_upload_whose_check_nothing_holds_is_expired_a_lease_past_its_time(
    app: Flask, api: UploadApi, session: Session
):
    lapsed, held, queued, recent = (sent_upload(api) for _ in range(4))
    now = utcnow()
    grace = LEASE.for_size(0)
    for upload_id, expired_at, claimed_until in (
        (lapsed, now - grace - timedelta(minutes=1), now - timedelta(minutes=30)),
        (held, now - grace - timedelta(minutes=1), now + timedelta(minutes=5)),
        (recent, now - timedelta(seconds=10), now - timedelta(minutes=1)),
    ):
        upload = session.get(Upload, upload_id)
        upload.check_requested_at = expired_at - timedelta(hours=1)
        upload.expires_at = expired_at
        upload.check_token, upload.check_claimed_until = "a-run", claimed_until
    upload = session.get(Upload, queued)  # waiting for its job (no run holds it yet)
    upload.check_requested_at = now - timedelta(hours=2)
    upload.expires_at = now - timedelta(hours=1)
    upload.check_claimed_until = now + timedelta(minutes=1)
    session.flush()

    store = app.extensions[EXTENSION_KEY]
    assert [u.id for u in reconcile(session, store, now).expired] == [lapsed]
    assert [u.id for u in expire_pending_uploads(session, store, now)] == [lapsed]
    assert session.get(Upload, lapsed).status is UploadStatus.REJECTED


class LateCopyStore:
    """The app's store, where the first copy stalls: meanwhile its run's lease runs out, a
    second run checks the file, and the owner posts other bytes to the original key (the
    presigned POST is still valid). Then the stalled copy goes ahead."""

    def __init__(self, store: ObjectStore, meanwhile) -> None:  # type: ignore[no-untyped-def]
        self.store = store
        self.meanwhile = meanwhile
        self.copies: list[str] = []

    def __getattr__(self, name: str) -> object:
        return getattr(self.store, name)

    def copy(self, source_key: str, target_key: str) -> None:
        self.copies.append(target_key)
        if len(self.copies) == 1:
            self.meanwhile()
        self.store.copy(source_key, target_key)


def test_a_late_copy_by_a_run_that_lost_its_lease_never_replaces_the_verified_file(
    app: Flask, api: UploadApi, session: Session
):
    upload_id = sent_upload(api)
    upload = session.get(Upload, upload_id)
    upload.check_requested_at = utcnow()
    session.commit()
    original = upload.key
    store = app.extensions[EXTENSION_KEY]
    limits = limits_from(app.config)
    start = utcnow()

    late = LateCopyStore(store, lambda: second_run_then_new_bytes())

    def second_run_then_new_bytes() -> None:
        after_lease = start + LEASE.for_size(upload.declared_size) + timedelta(seconds=5)
        status = verification.run_check(
            db.new_session, late, upload_id, limits=limits, lease=LEASE, now=lambda: after_lease
        )
        assert status is UploadStatus.VERIFIED
        store.put(original, pdf_bytes(5000), "application/pdf")

    first = verification.run_check(
        db.new_session,
        late,  # type: ignore[arg-type]
        upload_id,
        limits=limits,
        lease=LEASE,
        now=lambda: start,
    )

    assert first is None  # the second run's result stands
    session.expire_all()
    upload = session.get(Upload, upload_id)
    assert upload.status is UploadStatus.VERIFIED
    stored = b"".join(store.iter_chunks(upload.key))
    assert hashlib.sha256(stored).hexdigest() == upload.sha256  # still the bytes it checked
    first_copy, second_copy = late.copies
    assert first_copy != second_copy and upload.key == second_copy
    assert store.stat(first_copy) is None  # the losing run's copy went after its commit
