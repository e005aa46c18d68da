"""A supervisor the candidate shares evidence with opens the files of a shared submission, as a
reviewer gets them, and only while it is shared; never a file no submission names, nor another
candidate's."""

from __future__ import annotations

import io

from portfolio.models import Role, SupervisorLink, Upload, UploadStatus
from portfolio.models.base import utcnow
from portfolio.storage_binding import get_store
from tests.helpers import login_as, make_user
from tests.portfolio_fixtures import make_upload
from tests.review_fixtures import make_world


def stored_file(session, world, index: int) -> Upload:
    """The verified upload of the file the submission's competency `index` names."""
    key = world.submission.snapshot["competencies"][index]["artifacts"][0]["file"]["key"]
    upload = Upload(
        owner_id=world.candidate.id,
        key=key,
        original_name=f"evidence-{index}.pdf",
        declared_size=10,
        declared_sha256="0" * 64,
        status=UploadStatus.VERIFIED,
        content_type="application/pdf",
        expires_at=utcnow(),
    )
    session.add(upload)
    session.flush()
    get_store().write_upload(key, io.BytesIO(b"%PDF-1.7 0"), 10, "application/pdf")
    return upload


def supervisor_of(session, candidate, email: str, *, shares: bool) -> object:
    boss = make_user(session, email, roles=(Role.SUPERVISOR,))
    session.add(
        SupervisorLink(
            candidate_id=candidate.id,
            email=email,
            supervisor_id=boss.id,
            accepted_at=utcnow(),
            shares_evidence=shares,
        )
    )
    session.flush()
    return boss


def test_a_supervisor_opens_the_files_of_a_shared_submission_while_it_is_shared(client, session):
    world = make_world(session, reviewers=1)
    named = stored_file(session, world, 0)
    unnamed = make_upload(session, world.candidate, name="draft-only.pdf")  # in no submission
    boss = supervisor_of(session, world.candidate, "files.boss@example.org", shares=True)
    session.commit()
    login_as(client, boss)

    page = client.get(
        f"/supervise/staff/{world.candidate.id}/submissions/{world.submission.id}"
    ).get_data(as_text=True)

    assert f'/files/{named.id}"' in page
    assert "Download" in page
    assert client.get(f"/files/{named.id}").status_code == 303
    assert client.get(f"/files/{unnamed.id}").status_code == 404  # drafts are not shared

    link = session.query(SupervisorLink).filter_by(supervisor_id=boss.id).one()
    link.shares_evidence = False  # the candidate stops sharing
    session.commit()
    assert client.get(f"/files/{named.id}").status_code == 404


def test_a_supervisor_not_shared_with_or_of_someone_else_cannot_open_the_file(client, session):
    world = make_world(session, reviewers=1)
    named = stored_file(session, world, 0)
    not_shared = supervisor_of(session, world.candidate, "quiet.boss@example.org", shares=False)
    other = make_user(session, "other.person@example.org")
    elsewhere = supervisor_of(session, other, "elsewhere.boss@example.org", shares=True)
    session.commit()
    for person in (not_shared, elsewhere):
        login_as(client, person)
        assert client.get(f"/files/{named.id}").status_code == 404


def test_a_corrupt_attempt_does_not_hide_a_file_a_sound_submission_names(client, session):
    """Snapshots are read strictly: a corrupt one is a clear 409 page, but only when no sound
    submission names the file."""
    from portfolio.models import Submission, SubmissionStatus

    world = make_world(session, reviewers=1)
    named = stored_file(session, world, 0)
    other = make_upload(session, world.candidate, name="elsewhere.pdf")
    broken = Submission(
        enrollment_set_id=world.submission.enrollment_set_id,
        attempt=2,
        submitted_by_id=world.candidate.id,
        snapshot={"format": 1, "changed": "after it was fingerprinted"},
        snapshot_sha256="0" * 64,
        status=SubmissionStatus.SUBMITTED,
    )
    session.add(broken)
    boss = supervisor_of(session, world.candidate, "careful.boss@example.org", shares=True)
    session.commit()
    login_as(client, boss)
    assert client.get(f"/files/{named.id}").status_code == 303
    assert client.get(f"/files/{other.id}").status_code == 409
