"""A submitted snapshot carries each file's fingerprint, which anyone recomputes from the file:
its SHA-256, or for a file checked by parts their composite (README, "File fingerprints")."""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta

from portfolio.domain.portfolios.snapshots import read_snapshot
from portfolio.models import Upload, UploadStatus
from portfolio.models.base import utcnow
from portfolio.services.portfolios import artifacts, submissions
from portfolio.web import clock
from tests.portfolio_fixtures import fill_set
from tests.upload_helpers import MiB, fingerprint_of, pdf_bytes


def test_a_file_checked_by_parts_is_frozen_with_its_composite_fingerprint(
    client, session, signed_in
):
    content = pdf_bytes(11 * MiB)
    fingerprint = fingerprint_of(content, 5 * MiB)
    upload = Upload(  # as the check leaves a file checked by parts
        owner_id=signed_in.user.id,
        key=f"candidates/{signed_in.user.id}/{uuid.uuid4().hex}",
        original_name="annual report.pdf",
        declared_size=len(content),
        declared_sha256="",
        declared_fingerprint=fingerprint,
        status=UploadStatus.VERIFIED,
        size=len(content),
        sha256=None,
        fingerprint=fingerprint,
        content_type="application/pdf",
        expires_at=utcnow() + timedelta(days=1),
        verified_at=utcnow(),
    )
    session.add(upload)
    session.flush()
    fill_set(session, signed_in, signed_in.sets[0])
    entry = signed_in.entry(session, "S1-1")
    artifacts.add_file_artifact(
        session,
        signed_in.portfolio(session),
        upload_id=upload.id,
        competency_ids=[entry.competency_id],
    )
    submission = submissions.submit_set(session, signed_in.sets[0], signed_in.user, clock.today())
    session.commit()

    snapshot = read_snapshot(submission.snapshot, submission.snapshot_sha256)
    (file,) = [a.file for e in snapshot.competencies for a in e.artifacts if a.file is not None]
    assert file.sha256 == fingerprint
    assert file.sha256 != hashlib.sha256(content).hexdigest()
    page = client.get(f"/me/submissions/{submission.id}").get_data(as_text=True)
    assert f"Fingerprint <code>{fingerprint}</code>" in page
