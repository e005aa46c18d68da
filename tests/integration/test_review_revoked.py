"""Revoking the reviewer role takes effect at once: no new assignments, no more files."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portfolio.models import Assignment, Role, Upload, UploadStatus
from portfolio.models.base import utcnow
from portfolio.services.accounts import roles
from portfolio.services.reviewing import assignments
from portfolio.services.uploads.access import can_download
from tests.helpers import make_user
from tests.review_fixtures import make_world

TODAY = date(2025, 3, 3)


def test_a_revoked_reviewer_is_never_assigned(session):
    world = make_world(session, reviewers=3)
    admin = make_user(session, "boss@example.org", roles=(Role.ADMINISTRATOR,))
    revoked = world.reviewers[0]
    roles.revoke_role(session, actor=admin, user=revoked, role=Role.REVIEWER)
    assignments.assign_for_submission(session, world.submission, TODAY)
    chosen = session.scalars(
        select(Assignment.reviewer_id).where(Assignment.submission_id == world.submission.id)
    ).all()
    assert len(chosen) == 2
    assert revoked.id not in chosen


def test_a_revoked_reviewer_cannot_download_the_candidates_files(session):
    world = make_world(session, reviewers=2)
    admin = make_user(session, "boss@example.org", roles=(Role.ADMINISTRATOR,))
    key = world.submission.snapshot["competencies"][0]["artifacts"][0]["file"]["key"]
    upload = Upload(
        owner_id=world.candidate.id,
        key=key,
        original_name="evidence.pdf",
        declared_size=10,
        declared_sha256="0" * 64,
        status=UploadStatus.VERIFIED,
        expires_at=utcnow(),
    )
    session.add(upload)
    session.flush()
    assignments.assign_for_submission(session, world.submission, TODAY)
    reviewer = world.reviewers[0]
    assert can_download(session, reviewer, upload)

    roles.revoke_role(session, actor=admin, user=reviewer, role=Role.REVIEWER)
    assert not can_download(session, reviewer, upload)
    assert can_download(session, world.candidate, upload)
