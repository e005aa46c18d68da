"""Submitting a set: the checks, the frozen snapshot and its fingerprint, one snapshot only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portfolio.domain.errors import Conflict, InvalidInput
from portfolio.domain.lifecycle import SetLifecycle
from portfolio.domain.portfolios.evidence import ALREADY_SUBMITTED
from portfolio.domain.portfolios.snapshots import canonical_json, snapshot_sha256
from portfolio.models import AuditEvent, Route, Submission, Upload
from portfolio.models.base import utcnow
from portfolio.services.portfolios import artifacts, entries, submissions
from tests.portfolio_fixtures import fill_set, make_upload

TODAY = utcnow().date()


def submissions_of(session, enrollment_set):
    query = select(Submission).where(Submission.enrollment_set_id == enrollment_set.id)
    return session.scalars(query).all()


def test_a_complete_set_is_frozen_into_a_snapshot(session, alice):
    fill_set(session, alice, alice.sets[0])
    upload = make_upload(session, alice.user, name="minutes.pdf")
    entry = alice.entry(session, "S1-2")
    artifacts.add_file_artifact(
        session,
        alice.portfolio(session),
        upload_id=upload.id,
        caption="Minutes",
        competency_ids=[entry.competency_id],
    )
    submission = submissions.submit_set(session, alice.sets[0], alice.user, TODAY)

    assert submission.attempt == 1
    assert submission.submitted_by_id == alice.user.id
    document = submission.snapshot
    assert document["set"] == {"code": "S1", "name": "Set 1"}
    assert document["learning_statement"] == "I learned to serve every reader."
    assert [c["code"] for c in document["competencies"]] == ["S1-1", "S1-2"]
    first, second = document["competencies"]
    assert first["narrative"] == "How I met S1-1."
    assert first["artifacts"][0]["url"] == "https://library.example/S1-1"
    assert second["artifacts"][1]["file"] == {
        "key": upload.key,
        "sha256": upload.sha256,
        "size": upload.size,
        "content_type": "application/pdf",
        "original_name": "minutes.pdf",
    }
    assert submission.snapshot_sha256 == snapshot_sha256(document)
    assert alice.sets[0].status in {"submitted", "in_review"}


def test_the_stored_snapshot_hashes_to_its_fingerprint_when_read_back(session, alice):
    fill_set(session, alice, alice.sets[0])
    submission_id = submissions.submit_set(session, alice.sets[0], alice.user, TODAY).id
    session.commit()
    session.expire_all()
    stored = session.get(Submission, submission_id)
    assert snapshot_sha256(stored.snapshot) == stored.snapshot_sha256


def test_submitting_is_audited(session, alice):
    fill_set(session, alice, alice.sets[0])
    submission = submissions.submit_set(session, alice.sets[0], alice.user, TODAY)
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.actor_id == alice.user.id)
    ).all()
    assert "submission.created" in actions
    change = session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "set.status_changed",
            AuditEvent.object_id == str(alice.sets[0].id),
            AuditEvent.details["event"].as_string() == "submit",
        )
    ).one()
    assert change.details["from"] == "draft" and change.details["to"] == "submitted"
    assert submission.id


def test_a_competency_without_evidence_is_named(session, alice):
    fill_set(session, alice, alice.sets[0])
    entry = alice.entry(session, "S1-2")
    for artifact in list(entry.artifacts):
        artifacts.unlink_artifact(session, artifact, [entry.competency_id], actor=None)
    with pytest.raises(InvalidInput) as caught:
        submissions.submit_set(session, alice.sets[0], alice.user, TODAY)
    assert "S1-2 (Competency 1.2): add at least one artifact" in caught.value.message
    assert "S1-1" not in caught.value.message
    assert submissions_of(session, alice.sets[0]) == []


def test_a_blank_narrative_is_named(session, alice):
    fill_set(session, alice, alice.sets[0])
    entry = alice.entry(session, "S1-1")
    entries.update_narrative(session, entry, "   \n ", entry.version)
    with pytest.raises(InvalidInput) as caught:
        submissions.submit_set(session, alice.sets[0], alice.user, TODAY)
    assert "S1-1 (Competency 1.1): add a narrative" in caught.value.message


def test_a_missing_learning_statement_is_named(session, alice):
    fill_set(session, alice, alice.sets[0], statement=False)
    with pytest.raises(InvalidInput) as caught:
        submissions.submit_set(session, alice.sets[0], alice.user, TODAY)
    assert "learning statement" in caught.value.message


def test_a_set_on_the_course_route_cannot_be_submitted(session, alice):
    fill_set(session, alice, alice.sets[0])
    alice.sets[0].route = Route.COURSE
    with pytest.raises(Conflict):
        submissions.submit_set(session, alice.sets[0], alice.user, TODAY)


def test_submitting_twice_makes_one_snapshot(session, alice):
    fill_set(session, alice, alice.sets[0])
    submissions.submit_set(session, alice.sets[0], alice.user, TODAY)
    with pytest.raises(Conflict) as caught:
        submissions.submit_set(session, alice.sets[0], alice.user, TODAY)
    assert caught.value.message == ALREADY_SUBMITTED
    assert len(submissions_of(session, alice.sets[0])) == 1


def test_losing_the_race_on_the_attempt_number_is_a_conflict(session, alice, monkeypatch):
    # As if a second request had counted the attempts before the first one inserted its row.
    fill_set(session, alice, alice.sets[0])
    submissions.submit_set(session, alice.sets[0], alice.user, TODAY)
    alice.sets[0].status = SetLifecycle.DRAFT
    monkeypatch.setattr(submissions, "next_attempt", lambda _session, _set: 1)
    with pytest.raises(Conflict) as caught:
        submissions.submit_set(session, alice.sets[0], alice.user, TODAY)
    assert caught.value.message == ALREADY_SUBMITTED
    assert len(submissions_of(session, alice.sets[0])) == 1


def test_editing_after_submission_leaves_the_snapshot_byte_identical(session, alice):
    fill_set(session, alice, alice.sets[0])
    upload = make_upload(session, alice.user)
    entry = alice.entry(session, "S1-1")
    portfolio = alice.portfolio(session)
    file_artifact = artifacts.add_file_artifact(
        session, portfolio, upload_id=upload.id, competency_ids=[entry.competency_id]
    )
    submission = submissions.submit_set(session, alice.sets[0], alice.user, TODAY)
    session.commit()
    before = canonical_json(submission.snapshot)
    fingerprint = submission.snapshot_sha256

    entries.update_narrative(session, entry, "A new draft.", entry.version)
    entries.update_learning_statement(session, portfolio, "Rewritten.", portfolio.version)
    artifacts.update_artifact(session, entry.artifacts[0], caption="Renamed", description="")
    artifacts.remove_artifact(session, file_artifact)
    session.commit()
    session.expire_all()

    stored = session.get(Submission, submission.id)
    assert stored.snapshot_sha256 == fingerprint
    assert canonical_json(stored.snapshot) == before
    assert snapshot_sha256(stored.snapshot) == fingerprint
    assert session.get(Upload, upload.id) is not None  # the snapshot's file is kept
    assert alice.entry(session, "S1-1").narrative == "A new draft."


def test_a_resubmission_is_attempt_two_and_uses_the_one_allowed(session, alice):
    fill_set(session, alice, alice.sets[0])
    submissions.submit_set(session, alice.sets[0], alice.user, TODAY)
    alice.sets[0].status = SetLifecycle.NOT_YET_MET  # as the reviewing outcome leaves it
    entry = alice.entry(session, "S1-1")
    entries.update_narrative(session, entry, "Revised after feedback.", entry.version)
    again = submissions.submit_set(session, alice.sets[0], alice.user, TODAY)
    assert again.attempt == 2
    assert again.snapshot["competencies"][0]["narrative"] == "Revised after feedback."
    assert alice.sets[0].resubmissions_used == 1
    alice.sets[0].status = SetLifecycle.NOT_YET_MET
    with pytest.raises(Conflict) as caught:
        submissions.submit_set(session, alice.sets[0], alice.user, TODAY)
    assert caught.value.message == "The one resubmission allowed has been used."


def test_nothing_is_submitted_after_the_completion_window(session, alice):
    fill_set(session, alice, alice.sets[0])
    late = alice.enrollment.window_ends_on + timedelta(days=1)
    with pytest.raises(Conflict) as caught:
        submissions.submit_set(session, alice.sets[0], alice.user, late)
    assert "completion window ended" in caught.value.message
