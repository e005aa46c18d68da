"""Jobs in the embedded default (eager, no broker): they leave only after the commit, a job run
twice does its work once, and a job that used its last try shows on the administrators' page,
which can send it again (issue 15, section 1). The queue with a real Redis and worker is
tests/integration/test_task_queue.py."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portfolio.extensions import db
from portfolio.jobs.schedule import beat_schedule
from portfolio.models import AuditEvent, JobFailure, Role, Upload, UploadStatus
from portfolio.models.base import utcnow
from portfolio.services import outbox
from portfolio.services.audit import events_for
from portfolio.services.uploads import verification
from portfolio.services.uploads.reconcile import expire_pending_uploads, reconcile
from portfolio.storage import ObjectStore, StorageUnavailable
from portfolio.storage_binding import EXTENSION_KEY, get_store, limits_from
from tests.helpers import csrf_token, login_as, make_user
from tests.upload_helpers import UploadApi, pdf_bytes, use_store


class FlakyStore:
    """The app's store, except that every call fails while `down` (a store outage)."""

    def __init__(self, store: ObjectStore) -> None:
        self.store = store
        self.down = False
        self.calls = 0

    def __getattr__(self, name: str) -> object:
        attribute = getattr(self.store, name)
        if not callable(attribute):
            return attribute

        def call(*args: object, **kwargs: object) -> object:
            self.calls += 1
            if self.down:
                raise StorageUnavailable()
            return attribute(*args, **kwargs)

        return call


def sent_upload(api: UploadApi) -> int:
    content = pdf_bytes(3000)
    started = api.started(content)
    api.send(started, content)
    return int(started["upload"]["id"])


def verified_events(session: Session, upload_id: int) -> int:
    return session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "upload.verified", AuditEvent.object_id == str(upload_id))
    )


def test_the_check_runs_after_the_commit_and_a_second_run_does_nothing(
    app: Flask, api: UploadApi, session: Session
):
    upload_id = sent_upload(api)

    asked = api.ask_check(upload_id)

    assert asked.status_code == 202
    assert asked.headers["Location"].endswith(f"/api/uploads/{upload_id}")
    assert asked.get_json()["upload"]["status"] == "checking"  # answered before the check ran
    assert api.show(upload_id).get_json()["upload"]["status"] == "verified"
    # The same job delivered again (at-least-once): nothing to do, nothing counted twice.
    with app.app_context():
        again = verification.run_check(
            db.new_session,
            get_store(),
            upload_id,
            limits=limits_from(app.config),
            lease=verification.CheckLease(),
            now=utcnow,
        )
    assert again is None
    assert verified_events(session, upload_id) == 1
    # Asking once more answers the finished upload at once.
    reply = api.ask_check(upload_id)
    assert reply.status_code == 200 and reply.get_json()["upload"]["status"] == "verified"


def test_a_job_queued_in_a_transaction_that_rolls_back_never_runs(
    app: Flask, api: UploadApi, session: Session
):
    upload_id = sent_upload(api)
    upload = session.get(Upload, upload_id)
    upload.check_requested_at = utcnow()
    outbox.enqueue(session, verification.CHECK_JOB, upload_id)
    session.rollback()

    session.expire_all()
    upload = session.get(Upload, upload_id)
    assert upload.status is UploadStatus.PENDING and upload.check_requested_at is None
    # Queued and committed, it runs: after the commit, never before.
    upload.check_requested_at = utcnow()
    outbox.enqueue(session, verification.CHECK_JOB, upload_id)
    session.flush()
    assert session.get(Upload, upload_id).status is UploadStatus.PENDING
    session.commit()
    session.expire_all()
    assert session.get(Upload, upload_id).status is UploadStatus.VERIFIED


def test_a_check_that_fails_for_good_shows_why_and_an_administrator_retries_it(
    app: Flask, api: UploadApi, session: Session, client
):
    upload_id = sent_upload(api)
    flaky = FlakyStore(app.extensions[EXTENSION_KEY])
    flaky.down = True

    with use_store(app, flaky):  # type: ignore[arg-type]
        asked = api.ask_check(upload_id)

    assert asked.status_code == 202
    shown = api.show(upload_id).get_json()["upload"]
    assert shown["status"] == "check_failed"
    assert "Nothing was lost" in shown["reason"]
    assert flaky.calls == 1  # in-process, a transient failure is not retried in the request
    [failure] = session.scalars(select(JobFailure)).all()
    assert failure.arguments == {"args": [upload_id]} and failure.retried_at is None

    # Only administrators see failed jobs or retry them.
    token = csrf_token(client, "/account")
    assert client.get("/admin/jobs").status_code == 403
    refused = client.post(f"/admin/jobs/{failure.id}/retry", data={"csrf_token": token})
    assert refused.status_code == 403
    login_as(client, make_user(session, "boss@example.org", roles=(Role.ADMINISTRATOR,)))
    session.commit()
    assert 'href="/admin/jobs"' in client.get("/admin/").get_data(as_text=True)
    page = client.get("/admin/jobs").get_data(as_text=True)
    assert "Check an uploaded file" in page and "StorageUnavailable" in page
    assert "1 failed job." in page

    token = csrf_token(client, "/admin/jobs")  # the store is back
    response = client.post(f"/admin/jobs/{failure.id}/retry", data={"csrf_token": token})

    assert response.status_code == 302
    session.expire_all()
    upload = session.get(Upload, upload_id)
    assert upload.status is UploadStatus.VERIFIED and upload.check_failed_at is None
    assert verified_events(session, upload_id) == 1
    (retried,) = events_for(session, "job_failure", failure.id)
    assert retried.action == "job.retried" and retried.actor_id is not None
    page = client.get("/admin/jobs").get_data(as_text=True)
    assert "No job has failed." in page and "Sent again: Check an uploaded file." in page
    again = client.post(f"/admin/jobs/{failure.id}/retry", data={"csrf_token": token})
    assert again.status_code == 409
    assert client.post("/admin/jobs/999999/retry", data={"csrf_token": token}).status_code == 404


def test_an_upload_being_checked_is_not_expired_but_one_whose_check_failed_is(
    app: Flask, api: UploadApi, session: Session
):
    checking, failed = sent_upload(api), sent_upload(api)
    past = utcnow() - timedelta(minutes=1)
    for upload_id in (checking, failed):
        upload = session.get(Upload, upload_id)
        upload.check_requested_at, upload.expires_at = past - timedelta(hours=1), past
    session.get(Upload, failed).check_failed_at = past
    session.flush()

    store = app.extensions[EXTENSION_KEY]
    assert [u.id for u in reconcile(session, store, utcnow()).expired] == [failed]
    assert [u.id for u in expire_pending_uploads(session, store, utcnow())] == [failed]


def test_the_schedule_takes_its_times_from_configuration(app: Flask):
    schedule = beat_schedule({**app.config, "SCHEDULE_RECONCILE": "04:30"})
    reconcile_at = schedule["portfolio.jobs.uploads.reconcile"]["schedule"]
    assert (reconcile_at.hour, reconcile_at.minute) == ({4}, {30})
    assert schedule["portfolio.jobs.mail.deliver_outbox"]["schedule"] == float(
        app.config["JOB_SWEEP_SECONDS"]
    )
    with pytest.raises(SystemExit, match="SCHEDULE_RECONCILE"):
        beat_schedule({**app.config, "SCHEDULE_RECONCILE": "25:00"})
