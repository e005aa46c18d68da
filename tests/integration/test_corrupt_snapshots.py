"""A stored snapshot that is not as it was written is shown as a clear page, never in part.

Every page that shows frozen evidence reads it through domain.portfolios.snapshots.read_snapshot:
a snapshot edited in the database after submission (its SHA-256 no longer matches) or of an
unknown format answers 409 with the same explanation, not a 500 and not a partial page.
"""

from __future__ import annotations

import copy

import pytest
from sqlalchemy import select

from portfolio.domain.portfolios.snapshots import snapshot_sha256
from portfolio.models import Assignment, Role
from portfolio.services.reviewing import assignments, calibration
from portfolio.web import clock
from tests.helpers import login_as, make_user, post_form
from tests.review_fixtures import make_reviewer, make_world

EXPLANATION = "The frozen copy of this submission cannot be shown"


def tampered(world) -> None:
    """Change a narrative in the stored document, as a stray UPDATE would; keep the hash."""
    document = copy.deepcopy(world.submission.snapshot)
    document["competencies"][0]["narrative"] = "Rewritten after submission."
    world.submission.snapshot = document


def unknown_format(world) -> None:
    """A well-hashed document of a format this version does not know."""
    document = {**copy.deepcopy(world.submission.snapshot), "format": 2}
    world.submission.snapshot = document
    world.submission.snapshot_sha256 = snapshot_sha256(document)


CORRUPTIONS = [tampered, unknown_format]


def assert_clear_page(response) -> None:
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert EXPLANATION in page
    assert "Rewritten after submission." not in page


@pytest.mark.parametrize("corrupt", CORRUPTIONS)
def test_the_scoring_screen_refuses_a_corrupt_snapshot(client, session, corrupt):
    world = make_world(session)
    assignments.assign_for_submission(session, world.submission, clock.today())
    first = session.scalars(select(Assignment).order_by(Assignment.id)).first()
    corrupt(world)
    session.commit()
    login_as(client, first.reviewer)
    assert_clear_page(client.get(f"/review/assignments/{first.id}"))


@pytest.mark.parametrize("corrupt", CORRUPTIONS)
def test_the_candidates_submission_page_refuses_a_corrupt_snapshot(client, session, corrupt):
    world = make_world(session)
    corrupt(world)
    session.commit()
    login_as(client, world.candidate)
    assert_clear_page(client.get(f"/me/submissions/{world.submission.id}"))


def test_the_calibration_page_refuses_a_corrupt_anchor(client, session):
    world = make_world(session, reviewers=0)
    admin = make_user(session, "admin@example.org", roles=(Role.ADMINISTRATOR,))
    agreed = {c.code: "met" for c in world.competencies}
    calibration.mark_anchor(session, world.submission, actor=admin, agreed=agreed)
    fresh = make_reviewer(session, "fresh@example.org")
    session.commit()
    login_as(client, fresh)
    url = post_form(client, "/review/calibration", {}).headers["Location"]
    tampered(world)
    session.commit()
    assert_clear_page(client.get(url))


def test_an_intact_snapshot_still_shows(client, session):
    world = make_world(session)
    session.commit()
    login_as(client, world.candidate)
    response = client.get(f"/me/submissions/{world.submission.id}")
    assert response.status_code == 200
    assert "I catalogued <strong>two hundred</strong> donated books." in response.get_data(
        as_text=True
    )


def test_a_reviewers_download_refuses_when_their_snapshot_is_corrupt(client, session):
    """Which files a reviewer may fetch is read from their snapshots, strictly too."""
    from portfolio.models import Upload, UploadStatus
    from portfolio.models.base import utcnow

    world = make_world(session)
    assignments.assign_for_submission(session, world.submission, clock.today())
    first = session.scalars(select(Assignment).order_by(Assignment.id)).first()
    named = Upload(
        owner_id=world.candidate.id,
        key="c/1/C1",
        original_name="c1-report.pdf",
        declared_size=10,
        declared_sha256="0" * 64,
        status=UploadStatus.VERIFIED,
        expires_at=utcnow(),
    )
    session.add(named)
    tampered(world)
    session.commit()
    login_as(client, first.reviewer)
    response = client.get(f"/files/{named.id}")
    assert response.status_code == 409
    assert EXPLANATION in response.get_data(as_text=True)
