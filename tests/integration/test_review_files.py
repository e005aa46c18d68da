"""Reviewers reach the files of the snapshot they review: a view link for types shown inline,
a download link for every file, and nothing for a file that is not verified."""

from __future__ import annotations

import io
from datetime import date

from sqlalchemy import select

from portfolio.models import Assignment, Upload, UploadStatus
from portfolio.models.base import utcnow
from portfolio.services.reviewing import assignments
from portfolio.storage_binding import get_store
from tests.helpers import login_as
from tests.review_fixtures import make_world

TODAY = date(2025, 3, 3)


def stored_file(session, world, index, *, content_type, status=UploadStatus.VERIFIED):
    key = world.submission.snapshot["competencies"][index]["artifacts"][0]["file"]["key"]
    upload = Upload(
        owner_id=world.candidate.id,
        key=key,
        original_name=f"evidence-{index}",
        declared_size=10,
        declared_sha256="0" * 64,
        status=status,
        content_type=content_type,
        expires_at=utcnow(),
    )
    session.add(upload)
    session.flush()
    # Rows never point at missing objects: the download checks the store first.
    get_store().write_upload(key, io.BytesIO(b"0123456789"), 10, content_type)
    return upload


def test_the_scoring_screen_links_to_the_snapshots_files(client, session):
    world = make_world(session, reviewers=2)
    pdf = stored_file(session, world, 0, content_type="application/pdf")
    docx = stored_file(
        session,
        world,
        1,
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    pending = stored_file(
        session, world, 2, content_type="application/pdf", status=UploadStatus.PENDING
    )
    assignments.assign_for_submission(session, world.submission, TODAY)
    session.commit()
    assignment = session.scalars(
        select(Assignment).where(Assignment.submission_id == world.submission.id)
    ).first()
    reviewer = next(r for r in world.reviewers if r.id == assignment.reviewer_id)
    login_as(client, reviewer)
    page = client.get(f"/review/assignments/{assignment.id}").get_data(as_text=True)
    assert f"/files/{pdf.id}?view=inline" in page
    assert f'/files/{pdf.id}"' in page
    assert f'/files/{docx.id}"' in page and f"/files/{docx.id}?view=inline" not in page
    assert f"/files/{pending.id}" not in page
    assert client.get(f"/files/{pdf.id}").status_code == 303
