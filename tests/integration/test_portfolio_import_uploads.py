"""A portfolio export too large for one form post, sent through the resumable upload flow and
imported by a job.

As the widget does: begin with purpose "portfolio_import", send the zip in parts (the part size
is small here, so a few MiB go as several parts), complete, then ask for the import; the job
runs after that commit (eagerly in tests) and reads the zip back from the store through ranged
GETs. On the local store and on moto's S3 server. Afterwards the zip object is gone, whether
the import was done or refused; a refused one leaves nothing else either. Another person's
upload or import answers 404, an export zip is never evidence nor downloadable, and a job run
again (delivered twice, or after a run that died) imports once.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portfolio.domain.uploads.filenames import candidate_prefix
from portfolio.extensions import db
from portfolio.models import (
    Artifact,
    ImportStatus,
    PortfolioImport,
    Upload,
    UploadStatus,
)
from portfolio.models.base import utcnow
from portfolio.services.portfolios import import_jobs
from portfolio.services.portfolios.importing import import_limits_from
from portfolio.services.uploads.reconcile import expire_pending_uploads, reconcile
from portfolio.services.uploads.verification import CheckLease
from portfolio.storage import ObjectStore
from portfolio.storage.local import LocalStore
from portfolio.storage.ranged import RangedReader
from portfolio.storage_binding import get_store, limits_from, local_link
from tests.helpers import login_as
from tests.integration.test_portfolio_import import archive_of, document, post_import
from tests.portfolio_fixtures import Candidate
from tests.upload_helpers import MiB, UploadApi, fingerprint_of, use_store

PART = 5 * MiB
IMPORTS = "/me/portfolio/imports"
BIG_PDF = b"%PDF-1.7 the long minutes\n" + os.urandom(7 * MiB)  # stored as it is (random)


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, app: Flask, tmp_path: Path) -> Iterator[ObjectStore]:
    if request.param == "s3":
        chosen: ObjectStore = request.getfixturevalue("s3_store")
    else:
        chosen = LocalStore(tmp_path / "objects", app.config["SECRET_KEY"], local_link)
    with use_store(app, chosen):
        yield chosen


@pytest.fixture
def parts_limits(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """Multipart from 1 MiB on, in 5 MiB parts; evidence at most 16 MiB; an export at most
    2 MiB as a form post, 64 MiB through the upload flow."""
    monkeypatch.setitem(app.config, "UPLOAD_SINGLE_POST_MAX", 1 * MiB)
    monkeypatch.setitem(app.config, "UPLOAD_PART_BYTES", PART)
    monkeypatch.setitem(app.config, "UPLOAD_MAX_BYTES", 16 * MiB)
    monkeypatch.setitem(app.config, "PORTFOLIO_IMPORT_MAX_BYTES", 2 * MiB)
    monkeypatch.setitem(app.config, "PORTFOLIO_IMPORT_MAX_UPLOAD_BYTES", 64 * MiB)


@pytest.fixture
def api(client: FlaskClient, signed_in: Candidate) -> UploadApi:
    return UploadApi(client)


def big_export(content: bytes = BIG_PDF, **changes: Any) -> bytes:
    return archive_of(document(content, **changes), {"files/1-minutes.pdf": content})


def send_export(api: UploadApi, archive: bytes, name: str = "portfolio-pfx.zip") -> Any:
    """As the widget sends a file over the single-post size: in parts, each part's SHA-256
    reported for its link, then the composite fingerprint with `complete`. The upload as
    shown after."""
    started = api.started(archive, name, sha256=None, purpose="portfolio_import")
    upload_id = started["upload"]["id"]
    assert started["part_count"] >= 2  # it really goes in parts
    api.send_parts(started, archive)
    size = started["part_size"]
    reply = api.client.post(
        f"/api/uploads/{upload_id}/complete",
        json={"fingerprint": fingerprint_of(archive, size)},
        headers=api.headers,
    )
    assert reply.status_code in (200, 202), reply.get_json()
    return api.show(upload_id).get_json()["upload"]


def ask_import(api: UploadApi, upload_id: object) -> Any:
    return api.client.post(IMPORTS, json={"upload_id": upload_id}, headers=api.headers)


def objects_of(store: ObjectStore, candidate: Candidate) -> list[str]:
    return sorted(o.key for o in store.list_keys(candidate_prefix(candidate.user.id)))


def test_a_large_export_goes_in_parts_and_a_job_imports_it(
    api: UploadApi, store: ObjectStore, parts_limits: None, session: Session, signed_in: Candidate
) -> None:
    archive = big_export()
    posted = post_import(api.client, archive)
    assert posted.status_code == 413  # too large for one form post here
    assert "larger than the 2 MB one import takes" in posted.get_data(as_text=True)
    upload = send_export(api, archive)
    assert upload["status"] == "verified" and upload["content_type"] == "application/zip"
    assert "download" not in upload["urls"]  # never offered for download

    reply = ask_import(api, upload["id"])
    assert reply.status_code == 201, reply.get_json()
    location = reply.get_json()["location"]
    assert reply.headers["Location"] == location
    page = api.client.get(location)  # the job ran after the request's commit
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Your portfolio is imported" in text
    assert "1 file (7.0 MB)" in text and "1 link" in text
    assert api.client.get(f"{location}/status").get_json() == {"status": "done"}

    session.expire_all()
    zip_row = session.get(Upload, upload["id"])
    assert zip_row is not None and zip_row.status == UploadStatus.CONSUMED
    assert store.stat(zip_row.key) is None  # the zip is gone from the store
    artifact = session.scalars(
        select(Artifact).where(Artifact.upload_id.is_not(None))
    ).one()  # the imported file is evidence, the zip never is
    assert artifact.upload is not None and artifact.upload.status == UploadStatus.VERIFIED
    assert store.read_range(artifact.upload.key, 0, 9) == BIG_PDF[:9]
    assert artifact.upload.size == len(BIG_PDF)
    # What is left in the store is the imported file, and reconcile finds nothing amiss.
    assert objects_of(store, signed_in) == [artifact.upload.key]
    report = reconcile(session, store, utcnow())
    assert not [o for o in report.orphans if o.key.startswith(candidate_prefix(signed_in.user.id))]
    assert zip_row not in report.leftovers and zip_row not in report.missing
    # Asked again for the same upload (a retried request): the same import, nothing more.
    again = ask_import(api, upload["id"])
    assert again.status_code == 201 and again.get_json()["location"] == location
    assert session.scalar(select(func.count(PortfolioImport.id))) == 1


def test_a_refused_export_through_the_upload_flow_leaves_nothing(
    api: UploadApi, store: ObjectStore, parts_limits: None, session: Session, signed_in: Candidate
) -> None:
    other = b"%PDF-1.7 not the file the document describes\n" + os.urandom(len(BIG_PDF))
    tampered = archive_of(document(BIG_PDF), {"files/1-minutes.pdf": other[: len(BIG_PDF)]})
    upload = send_export(api, tampered)
    assert upload["status"] == "verified"
    location = ask_import(api, upload["id"]).get_json()["location"]
    page = api.client.get(location)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Your portfolio was not imported" in text
    assert "its SHA-256 checksum differs" in text and "Nothing was imported" in text
    assert api.client.get(f"{location}/status").get_json() == {"status": "refused"}

    session.expire_all()
    assert objects_of(store, signed_in) == []  # neither the zip nor a file of it
    portfolio = signed_in.portfolio(session)
    assert portfolio.artifacts == [] and portfolio.learning_statement == ""
    rows = session.scalars(select(Upload).where(Upload.owner_id == signed_in.user.id)).all()
    assert [(u.id, u.status) for u in rows] == [(upload["id"], UploadStatus.CONSUMED)]
    record = session.scalars(select(PortfolioImport)).one()
    assert record.status == ImportStatus.REFUSED and record.files == 0


def test_an_export_upload_must_be_a_zip_and_evidence_may_not_be_one(
    api: UploadApi, store: ObjectStore, parts_limits: None
) -> None:
    not_zip = b"%PDF-1.7 a document, not an export\n" + os.urandom(2048)
    shown = api.upload(not_zip, "portfolio.zip", purpose="portfolio_import")
    assert shown["status"] == "rejected" and "not a zip archive" in shown["reason"]
    zip_as_evidence = api.upload(big_export(b"%PDF-1.7 small\n" * 50), "portfolio.zip")
    assert zip_as_evidence["status"] == "rejected"
    # An export larger than evidence may be is announced fine as an export, not as evidence.
    big = 20 * MiB
    assert api.begin(b"x", "portfolio.zip", size=big, sha256=None).status_code == 413
    assert (
        api.begin(b"x", "portfolio.zip", size=big, sha256=None, purpose="portfolio_import")
    ).status_code == 201
    too_big = api.begin(
        b"x", "portfolio.zip", size=65 * MiB, sha256=None, purpose="portfolio_import"
    )
    assert too_big.status_code == 413 and "64 MB" in too_big.get_json()["message"]


def test_an_export_zip_is_never_evidence_nor_downloadable(
    api: UploadApi,
    store: ObjectStore,
    parts_limits: None,
    session: Session,
    signed_in: Candidate,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    archive = big_export(b"%PDF-1.7 small\n" * 50)
    shown = api.upload(archive, "portfolio.zip", purpose="portfolio_import")
    assert shown["status"] == "verified"
    entry = signed_in.entry(session, "S1-1")
    added = api.client.post(
        f"/me/portfolio/entries/{entry.id}/files",
        json={"upload_id": shown["id"]},
        headers=api.headers,
    )
    assert added.status_code == 404
    assert api.client.get(f"/files/{shown['id']}").status_code == 404  # not even its owner


def test_another_persons_upload_or_import_answers_404(
    client: FlaskClient,
    store: ObjectStore,
    parts_limits: None,
    session: Session,
    signed_in: Candidate,
    bob: Candidate,
) -> None:
    api = UploadApi(client)
    archive = big_export(b"%PDF-1.7 small\n" * 50)
    shown = api.upload(archive, "portfolio.zip", purpose="portfolio_import")
    location = ask_import(api, shown["id"]).get_json()["location"]
    import_id = location.rsplit("/", 1)[1]

    login_as(client, bob.user)
    bobs = UploadApi(client)
    assert ask_import(bobs, shown["id"]).status_code == 404
    assert ask_import(bobs, "nonsense").status_code == 404
    assert client.get(location).status_code == 404
    assert client.get(f"{location}/status").status_code == 404
    retry = client.post(
        f"{IMPORTS}/{import_id}/retry", data={"csrf_token": bobs.headers["X-CSRFToken"]}
    )
    assert retry.status_code == 404
    # Bob's own evidence upload is no export either.
    evidence = bobs.upload(b"%PDF-1.7 Bob's\n" + os.urandom(100), "bob.pdf")
    assert ask_import(bobs, evidence["id"]).status_code == 404


def run_again(app: Flask, import_id: int, **overrides: Any) -> ImportStatus | None:
    settings = {
        "limits": import_limits_from(app.config),
        "upload_limits": limits_from(app.config),
        "lease": CheckLease(),
        "now": utcnow,
        **overrides,
    }
    return import_jobs.run_import(db.new_session, get_store(), import_id, **settings)


def test_a_job_delivered_twice_imports_once(
    app: Flask,
    api: UploadApi,
    store: ObjectStore,
    parts_limits: None,
    session: Session,
    signed_in: Candidate,
) -> None:
    shown = api.upload(
        big_export(b"%PDF-1.7 small\n" * 50), "portfolio.zip", purpose="portfolio_import"
    )
    location = ask_import(api, shown["id"]).get_json()["location"]
    import_id = int(location.rsplit("/", 1)[1])
    assert run_again(app, import_id) is None  # done already: nothing to do
    session.expire_all()
    assert len(signed_in.portfolio(session).artifacts) == 2
    assert (
        session.scalar(select(func.count(Upload.id)).where(Upload.owner_id == signed_in.user.id))
        == 2
    )


@pytest.mark.allows_server_error  # the first run dies on purpose
def test_a_run_that_dies_mid_import_keeps_nothing_and_the_next_run_imports_once(
    app: Flask,
    api: UploadApi,
    store: ObjectStore,
    parts_limits: None,
    session: Session,
    signed_in: Candidate,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    archive = big_export()
    shown = send_export(api, archive)
    # The worker dies while the file is being written: after the import read the zip and
    # began to store what it holds.
    original = RangedReader._some

    def dying(self: RangedReader, wanted: int) -> bytes:
        if self.position > len(archive) // 2:
            raise RuntimeError("the worker was killed")
        return original(self, wanted)

    monkeypatch.setattr(RangedReader, "_some", dying)
    location = ask_import(api, shown["id"]).get_json()["location"]
    import_id = int(location.rsplit("/", 1)[1])
    session.expire_all()
    record = session.get(PortfolioImport, import_id)
    assert record is not None
    # The job gave up (eagerly, no retries for this error): it shows it, and kept nothing.
    assert record.status == ImportStatus.FAILED and "killed" in record.error
    page = api.client.get(location).get_data(as_text=True)
    assert "could not run" in page and "Try the import again" in page
    assert signed_in.portfolio(session).artifacts == []
    zip_row = session.get(Upload, shown["id"])
    assert zip_row is not None and zip_row.status == UploadStatus.VERIFIED  # kept for a retry
    assert objects_of(store, signed_in) == [zip_row.key]  # the file it began was deleted

    # A run holding a live lease blocks a second delivery; a lapsed one is taken over.
    monkeypatch.setattr(RangedReader, "_some", original)
    token = "a-run-that-died"
    session.execute(
        PortfolioImport.__table__.update()
        .where(PortfolioImport.id == import_id)
        .values(status="importing", claim_token=token, claimed_until=utcnow() + timedelta(hours=1))
    )
    session.commit()
    with pytest.raises(import_jobs.ImportBusy):
        run_again(app, import_id)
    later = utcnow() + timedelta(hours=2)
    assert run_again(app, import_id, now=lambda: later) == ImportStatus.DONE
    assert run_again(app, import_id, now=lambda: later) is None  # and once only
    session.expire_all()
    assert len(signed_in.portfolio(session).artifacts) == 2
    assert store.stat(zip_row.key) is None


def test_the_retry_button_runs_a_failed_import_again(
    app: Flask,
    api: UploadApi,
    store: ObjectStore,
    parts_limits: None,
    session: Session,
    signed_in: Candidate,
) -> None:
    shown = api.upload(
        big_export(b"%PDF-1.7 small\n" * 50), "portfolio.zip", purpose="portfolio_import"
    )
    # Asked for, but the job could not run (its tries used up): it shows "failed".
    record = import_jobs.request_import(
        session, signed_in.user, signed_in.enrollment, shown["id"], now=utcnow()
    )
    session.info.pop("jobs_after_commit", None)  # the job is lost with the broker
    import_jobs.give_up(session, record.id, "StorageUnavailable: down", utcnow())
    session.commit()
    location = f"{IMPORTS}/{record.id}"
    page = api.client.get(location).get_data(as_text=True)
    assert "Your import could not run just now" in page
    reply = api.client.post(f"{location}/retry", data={"csrf_token": api.headers["X-CSRFToken"]})
    assert reply.status_code == 303
    assert "Your portfolio is imported" in api.client.get(location).get_data(as_text=True)
    again = api.client.post(f"{location}/retry", data={"csrf_token": api.headers["X-CSRFToken"]})
    assert again.status_code == 409  # finished: nothing to try again


def test_an_export_uploaded_but_never_imported_expires(
    api: UploadApi, store: ObjectStore, parts_limits: None, session: Session, signed_in: Candidate
) -> None:
    shown = api.upload(
        big_export(b"%PDF-1.7 small\n" * 50), "portfolio.zip", purpose="portfolio_import"
    )
    session.expire_all()
    zip_row = session.get(Upload, shown["id"])
    assert zip_row is not None
    expired = expire_pending_uploads(session, store, utcnow() + timedelta(days=2))
    session.commit()
    assert zip_row in expired and zip_row.status == UploadStatus.REJECTED
    assert store.stat(zip_row.key) is None


def test_a_ranged_reader_reads_a_stored_zip_in_bounded_steps(store: ObjectStore) -> None:
    archive = big_export()
    store.put("candidates/1/imports/ranged-test", archive, "application/octet-stream")
    reader = RangedReader(
        store,
        "candidates/1/imports/ranged-test",
        len(archive),
        read_ahead=64 * 1024,
        max_fetch=256 * 1024,
    )

    with zipfile.ZipFile(reader) as opened:  # type: ignore[arg-type]
        assert opened.read("files/1-minutes.pdf") == BIG_PDF
    assert reader.fetches >= len(archive) // (256 * 1024)  # never more than max_fetch at once
    assert len(reader.buffer) <= 256 * 1024
    reader.seek(-3, os.SEEK_END)
    assert reader.read() == archive[-3:]
    store.delete("candidates/1/imports/ranged-test")


def test_reconcile_keeps_a_waiting_export_and_the_files_of_an_import_in_progress(
    api: UploadApi, store: ObjectStore, parts_limits: None, session: Session, signed_in: Candidate
) -> None:
    shown = api.upload(
        big_export(b"%PDF-1.7 small\n" * 50), "portfolio.zip", purpose="portfolio_import"
    )
    record = import_jobs.request_import(
        session, signed_in.user, signed_in.enrollment, shown["id"], now=utcnow()
    )
    session.info.pop("jobs_after_commit", None)  # the job has not run yet
    session.commit()
    zip_row = session.get(Upload, shown["id"])
    assert zip_row is not None
    mine = candidate_prefix(signed_in.user.id)
    report = reconcile(session, store, utcnow())
    assert not [o for o in report.orphans if o.key.startswith(mine)]
    assert zip_row not in report.leftovers + report.missing + report.changed
    # A run holds the import and has written a file its uncommitted rows name: kept.
    written = f"{mine}artifacts/{'0' * 32}"
    store.put(written, b"%PDF-1.7 being imported", "application/octet-stream")
    record.status = ImportStatus.IMPORTING
    record.claim_token = "a-run"
    record.claimed_until = utcnow() + timedelta(minutes=5)
    session.commit()
    report = reconcile(session, store, utcnow())
    assert written not in [o.key for o in report.orphans]
    # Once the run's lease has run out, such an object is an orphan like any other.
    report = reconcile(session, store, utcnow() + timedelta(minutes=10))
    assert written in [o.key for o in report.orphans]
    store.delete(written)


def test_a_failed_import_runs_when_its_job_is_retried(
    app: Flask,
    api: UploadApi,
    store: ObjectStore,
    parts_limits: None,
    session: Session,
    signed_in: Candidate,
) -> None:
    """An administrator retrying the failed job (admin's failed jobs list) imports it."""
    shown = api.upload(
        big_export(b"%PDF-1.7 small\n" * 50), "portfolio.zip", purpose="portfolio_import"
    )
    record = import_jobs.request_import(
        session, signed_in.user, signed_in.enrollment, shown["id"], now=utcnow()
    )
    session.info.pop("jobs_after_commit", None)
    import_jobs.give_up(session, record.id, "StorageUnavailable: down", utcnow())
    session.commit()
    assert run_again(app, record.id) == ImportStatus.DONE
    assert run_again(app, record.id) is None
    session.expire_all()
    assert len(signed_in.portfolio(session).artifacts) == 2


def test_checked_exports_not_yet_imported_count_against_the_limit(
    api: UploadApi, store: ObjectStore, parts_limits: None
) -> None:
    """Each export may be several GB: checked ones nobody imported still hold their place."""
    for n in range(2):
        shown = api.upload(
            big_export(b"%PDF-1.7 small\n" * (50 + n)), "portfolio.zip", purpose="portfolio_import"
        )
        assert shown["status"] == "verified"
    third = api.begin(b"x", "portfolio.zip", size=20 * MiB, sha256=None, purpose="portfolio_import")
    assert third.status_code == 409
    assert "2 portfolio exports uploaded or on their way" in third.get_json()["message"]
    ask_import(api, shown["id"])  # one is taken by an import: room for another
    again = api.begin(b"x", "portfolio.zip", size=20 * MiB, sha256=None, purpose="portfolio_import")
    assert again.status_code == 201
