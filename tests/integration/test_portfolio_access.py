"""Alice tries Bob's ids in every portfolio URL and form: always 404, never Bob's data, and
nothing of Bob's changes."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from portfolio.models import Artifact, Submission
from portfolio.models.base import utcnow
from portfolio.services.portfolios import artifacts, submissions
from portfolio.services.portfolios import entries as portfolios
from tests.helpers import csrf_token
from tests.portfolio_fixtures import fill_set, make_upload

BOBS_WORDS = "Bob's private narrative"


@dataclass
class Bobs:
    entry_id: int
    artifact_id: int
    upload_id: int
    set_id: int
    submission_id: int


@pytest.fixture
def bobs(session, bob) -> Bobs:
    """Bob's portfolio with a narrative, an artifact, a verified upload and a submission."""
    fill_set(session, bob, bob.sets[0])
    entry = bob.entry(session, "S1-1")
    portfolios.update_narrative(session, entry, BOBS_WORDS, entry.version)
    submission = submissions.submit_set(session, bob.sets[0], bob.user, utcnow().date())
    upload = make_upload(session, bob.user, name="bob.pdf")
    session.commit()
    return Bobs(
        entry_id=entry.id,
        artifact_id=entry.artifacts[0].id,
        upload_id=upload.id,
        set_id=bob.sets[1].id,
        submission_id=submission.id,
    )


@pytest.fixture
def token(client, signed_in) -> str:
    return csrf_token(client, "/me/portfolio/statement")


def assert_not_found(response):
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert BOBS_WORDS not in html and "bob@example.org" not in html


def assert_bob_unchanged(session, bob):
    session.expire_all()
    entry = bob.entry(session, "S1-1")
    assert entry.narrative == BOBS_WORDS
    assert len(entry.artifacts) == 1
    assert entry.artifacts[0].caption == "Evidence for S1-1"


@pytest.mark.parametrize(
    "path",
    [
        "/me/portfolio/entries/{entry_id}",
        "/me/portfolio/artifacts/{artifact_id}",
        "/me/portfolio/sets/{set_id}/submit",
        "/me/submissions/{submission_id}",
    ],
)
def test_bobs_pages_are_not_found(client, session, signed_in, bobs, path):
    assert_not_found(client.get(path.format(**vars(bobs))))


def test_saving_a_narrative_into_bobs_entry_is_not_found(
    client, session, signed_in, bob, bobs, token
):
    response = client.post(
        f"/me/portfolio/entries/{bobs.entry_id}",
        data={"csrf_token": token, "narrative": "Alice was here.", "version": "2"},
    )
    assert_not_found(response)
    assert_bob_unchanged(session, bob)


def test_autosaving_into_bobs_entry_is_not_found(client, session, signed_in, bob, bobs, token):
    response = client.post(
        f"/me/portfolio/entries/{bobs.entry_id}/autosave",
        data={"text": "Alice was here.", "version": "2"},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 404
    assert_bob_unchanged(session, bob)


def test_adding_a_link_to_bobs_entry_is_not_found(client, session, signed_in, bob, bobs, token):
    response = client.post(
        f"/me/portfolio/entries/{bobs.entry_id}/links",
        data={"csrf_token": token, "url": "https://a.example/", "caption": "Alice's"},
    )
    assert_not_found(response)
    assert_bob_unchanged(session, bob)


def test_attaching_bobs_upload_is_not_found(client, session, signed_in, bobs, token):
    entry = signed_in.entry(session, "S1-1")
    response = client.post(
        f"/me/portfolio/entries/{entry.id}/files",
        data={"csrf_token": token, "upload_id": str(bobs.upload_id)},
    )
    assert_not_found(response)
    query = select(Artifact).where(Artifact.upload_id == bobs.upload_id)
    assert session.scalars(query).all() == []


def test_attaching_bobs_artifact_to_alices_entry_is_not_found(
    client, session, signed_in, bob, bobs, token
):
    entry = signed_in.entry(session, "S1-1")
    response = client.post(
        f"/me/portfolio/entries/{entry.id}/attach",
        data={"csrf_token": token, "artifact_id": str(bobs.artifact_id)},
    )
    assert_not_found(response)
    session.expire_all()
    assert signed_in.entry(session, "S1-1").artifacts == []
    assert_bob_unchanged(session, bob)


def test_attaching_alices_artifact_to_bobs_entry_is_not_found(
    client, session, signed_in, bob, bobs, token
):
    mine = artifacts.add_link_artifact(
        session, signed_in.portfolio(session), url="https://a.example/", caption="Alice's"
    )
    session.commit()
    response = client.post(
        f"/me/portfolio/entries/{bobs.entry_id}/attach",
        data={"csrf_token": token, "artifact_id": str(mine.id)},
    )
    assert_not_found(response)
    assert_bob_unchanged(session, bob)


def test_detaching_bobs_artifact_is_not_found(client, session, signed_in, bob, bobs, token):
    response = client.post(
        f"/me/portfolio/entries/{bobs.entry_id}/artifacts/{bobs.artifact_id}/detach",
        data={"csrf_token": token},
    )
    assert_not_found(response)
    assert_bob_unchanged(session, bob)


def test_editing_bobs_artifact_is_not_found(client, session, signed_in, bob, bobs, token):
    response = client.post(
        f"/me/portfolio/artifacts/{bobs.artifact_id}",
        data={"csrf_token": token, "caption": "Renamed by Alice", "description": ""},
    )
    assert_not_found(response)
    assert_bob_unchanged(session, bob)


def test_removing_bobs_artifact_is_not_found(client, session, signed_in, bob, bobs, token):
    response = client.post(
        f"/me/portfolio/artifacts/{bobs.artifact_id}/remove", data={"csrf_token": token}
    )
    assert_not_found(response)
    assert_bob_unchanged(session, bob)


def test_submitting_bobs_set_is_not_found(client, session, signed_in, bob, bobs, token):
    response = client.post(f"/me/portfolio/sets/{bobs.set_id}/submit", data={"csrf_token": token})
    assert_not_found(response)
    query = select(Submission).where(Submission.enrollment_set_id == bobs.set_id)
    assert session.scalars(query).all() == []


def test_signed_out_people_are_sent_to_sign_in(client, session, bobs):
    response = client.get(f"/me/submissions/{bobs.submission_id}")
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]
