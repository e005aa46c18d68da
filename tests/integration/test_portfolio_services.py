"""The portfolio services: entries per competency, texts with optimistic locking, artifacts."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from portfolio.domain.errors import Conflict, InvalidInput, NotFound
from portfolio.domain.lifecycle import SetLifecycle
from portfolio.domain.portfolios.evidence import STALE_MESSAGE
from portfolio.models import (
    Artifact,
    AuditEvent,
    EnrollmentStatus,
    PortfolioEntry,
    Route,
    Upload,
    UploadStatus,
)
from portfolio.services.portfolios import artifacts
from portfolio.services.portfolios import entries as portfolios
from tests.portfolio_fixtures import enroll, make_upload


def codes(entries):
    return sorted(entry.competency.code for entry in entries)


def test_a_portfolio_has_an_entry_per_competency_of_sets_on_the_portfolio_route(session, framework):
    candidate = enroll(session, framework, "carol@example.org", route=Route.UNDECIDED)
    candidate.sets[0].route = Route.PORTFOLIO
    candidate.sets[1].route = Route.COURSE
    portfolio = candidate.portfolio(session)
    assert codes(portfolio.entries) == ["S1-1", "S1-2"]


def test_getting_the_portfolio_again_creates_nothing_new(session, alice):
    first = alice.portfolio(session)
    again = alice.portfolio(session)
    assert again.id == first.id
    count = len(
        session.scalars(select(PortfolioEntry).where(PortfolioEntry.portfolio_id == first.id)).all()
    )
    assert count == 4


def test_a_set_that_moves_to_the_portfolio_route_gets_its_entries(session, framework):
    candidate = enroll(session, framework, "dan@example.org", route=Route.COURSE)
    assert candidate.portfolio(session).entries == []
    candidate.sets[0].route = Route.PORTFOLIO
    assert codes(candidate.portfolio(session).entries) == ["S1-1", "S1-2"]


def test_saving_a_narrative_bumps_its_version_and_starts_the_draft(session, alice):
    entry = alice.entry(session, "S1-1")
    portfolios.update_narrative(session, entry, "My **work**.", entry.version, actor=alice.user)
    assert entry.narrative == "My **work**."
    assert entry.version == 2
    assert alice.sets[0].status == "draft"
    event = session.scalars(
        select(AuditEvent).where(
            AuditEvent.object_type == "enrollment_set",
            AuditEvent.object_id == str(alice.sets[0].id),
        )
    ).one()
    assert event.details == {"from": "not_started", "to": "draft", "event": "save_draft"}


def test_a_stale_version_is_refused_and_nothing_is_written(session, alice):
    entry = alice.entry(session, "S1-1")
    portfolios.update_narrative(session, entry, "First tab.", 1, actor=alice.user)
    with pytest.raises(Conflict) as caught:
        portfolios.update_narrative(session, entry, "Second tab.", 1, actor=alice.user)
    assert caught.value.message == STALE_MESSAGE
    session.expire_all()
    assert alice.entry(session, "S1-1").narrative == "First tab."


def test_the_learning_statement_uses_the_same_locking(session, alice):
    portfolio = alice.portfolio(session)
    portfolios.update_learning_statement(session, portfolio, "Mine.", portfolio.version)
    with pytest.raises(Conflict):
        portfolios.update_learning_statement(session, portfolio, "Stale.", 1)
    assert portfolio.learning_statement == "Mine."


def test_nul_characters_are_dropped_and_line_ends_normalised(session, alice):
    entry = alice.entry(session, "S1-1")
    portfolios.update_narrative(session, entry, "a\x00b\r\nc", entry.version)
    assert entry.narrative == "ab\nc"


def test_a_narrative_over_the_limit_is_invalid(session, alice):
    entry = alice.entry(session, "S1-1")
    with pytest.raises(InvalidInput) as caught:
        portfolios.update_narrative(session, entry, "x" * 50_001, entry.version)
    assert caught.value.field == "narrative"


def test_a_link_can_support_competencies_of_two_sets(session, alice):
    portfolio = alice.portfolio(session)
    ids = [alice.entry(session, code).competency_id for code in ("S1-1", "S2-2")]
    artifact = artifacts.add_link_artifact(
        session,
        portfolio,
        url="https://library.example/report",
        caption="Annual report",
        competency_ids=ids,
        actor=alice.user,
    )
    assert codes(artifact.entries) == ["S1-1", "S2-2"]
    assert [s.status for s in alice.sets] == ["draft", "draft"]
    summary = portfolios.evidence_for_set(portfolio, alice.sets[0])
    assert [(item.code, item.usable_artifacts) for item in summary] == [("S1-1", 1), ("S1-2", 0)]


def test_linking_and_unlinking_changes_only_the_named_competencies(session, alice):
    portfolio = alice.portfolio(session)
    one, two = (alice.entry(session, code) for code in ("S1-1", "S1-2"))
    artifact = artifacts.add_link_artifact(
        session,
        portfolio,
        url="https://a.example/",
        caption="A",
        competency_ids=[one.competency_id],
    )
    artifacts.link_artifact(session, artifact, [two.competency_id], actor=None)
    assert codes(artifact.entries) == ["S1-1", "S1-2"]
    artifacts.unlink_artifact(session, artifact, [one.competency_id], actor=None)
    assert codes(artifact.entries) == ["S1-2"]
    assert artifact in portfolio.artifacts


def test_a_competency_outside_the_portfolio_is_not_found(session, alice, framework):
    from tests.portfolio_fixtures import make_framework

    elsewhere = make_framework(session, slug="other")
    stranger = elsewhere.sets[0].competencies[0]
    with pytest.raises(NotFound):
        artifacts.add_link_artifact(
            session,
            alice.portfolio(session),
            url="https://a.example/",
            caption="A",
            competency_ids=[stranger.id],
        )


def test_a_verified_upload_becomes_a_file_artifact_named_after_the_file(session, alice):
    upload = make_upload(session, alice.user, name="minutes.pdf")
    entry = alice.entry(session, "S1-1")
    artifact = artifacts.add_file_artifact(
        session, alice.portfolio(session), upload_id=upload.id, competency_ids=[entry.competency_id]
    )
    assert artifact.caption == "minutes.pdf"
    assert artifact.upload is upload
    assert portfolios.is_usable(artifact)


def test_attaching_the_same_upload_twice_makes_one_artifact(session, alice):
    upload = make_upload(session, alice.user)
    portfolio = alice.portfolio(session)
    one, two = (alice.entry(session, code).competency_id for code in ("S1-1", "S1-2"))
    first = artifacts.add_file_artifact(
        session, portfolio, upload_id=upload.id, competency_ids=[one]
    )
    second = artifacts.add_file_artifact(
        session, portfolio, upload_id=upload.id, competency_ids=[two]
    )
    assert first.id == second.id
    assert codes(first.entries) == ["S1-1", "S1-2"]
    assert len(session.scalars(select(Artifact).where(Artifact.upload_id == upload.id)).all()) == 1


def test_someone_elses_upload_is_not_found(session, alice, bob):
    upload = make_upload(session, bob.user)
    with pytest.raises(NotFound):
        artifacts.add_file_artifact(session, alice.portfolio(session), upload_id=upload.id)


@pytest.mark.parametrize(
    "status", [UploadStatus.PENDING, UploadStatus.REJECTED, UploadStatus.BROKEN]
)
def test_an_upload_that_is_not_verified_is_refused(session, alice, status):
    upload = make_upload(session, alice.user, status=status)
    with pytest.raises(InvalidInput) as caught:
        artifacts.add_file_artifact(session, alice.portfolio(session), upload_id=upload.id)
    assert caught.value.field == "upload_id"
    assert alice.portfolio(session).artifacts == []


def test_a_javascript_link_is_invalid(session, alice):
    with pytest.raises(InvalidInput) as caught:
        artifacts.add_link_artifact(
            session, alice.portfolio(session), url="javascript:alert(1)", caption="x"
        )
    assert caught.value.field == "url"


def test_a_caption_of_ten_thousand_characters_is_invalid(session, alice):
    with pytest.raises(InvalidInput) as caught:
        artifacts.add_link_artifact(
            session, alice.portfolio(session), url="https://a.example/", caption="c" * 10_000
        )
    assert caught.value.field == "caption"


def test_editing_and_removing_an_artifact(session, alice):
    upload = make_upload(session, alice.user)
    entry = alice.entry(session, "S1-1")
    portfolio = alice.portfolio(session)
    artifact = artifacts.add_file_artifact(
        session, portfolio, upload_id=upload.id, competency_ids=[entry.competency_id]
    )
    artifacts.update_artifact(session, artifact, caption="Minutes", description="Of May.")
    assert (artifact.caption, artifact.description) == ("Minutes", "Of May.")
    artifacts.remove_artifact(session, artifact, actor=alice.user)
    session.expire_all()
    assert alice.portfolio(session).artifacts == []
    assert alice.entry(session, "S1-1").artifacts == []
    assert session.get(Upload, upload.id) is not None  # the file stays for snapshots


def test_a_met_set_refuses_every_change(session, alice):
    alice.sets[0].status = SetLifecycle.MET
    entry = alice.entry(session, "S1-1")
    with pytest.raises(Conflict):
        portfolios.update_narrative(session, entry, "Late change.", entry.version)
    with pytest.raises(Conflict):
        artifacts.add_link_artifact(
            session,
            alice.portfolio(session),
            url="https://a.example/",
            caption="A",
            competency_ids=[entry.competency_id],
        )


def test_a_set_in_review_is_edited_in_the_draft_and_keeps_its_status(session, alice):
    alice.sets[0].status = SetLifecycle.IN_REVIEW
    entry = alice.entry(session, "S1-1")
    portfolios.update_narrative(session, entry, "Improved.", entry.version)
    assert entry.narrative == "Improved."
    assert alice.sets[0].status == "in_review"


def test_a_closed_enrollment_refuses_changes(session, alice):
    alice.enrollment.status = EnrollmentStatus.CLOSED
    portfolio = alice.portfolio(session)
    with pytest.raises(Conflict):
        portfolios.update_learning_statement(session, portfolio, "Too late.", portfolio.version)


def test_a_closed_enrollment_refuses_new_artifacts_even_without_competencies(session, alice):
    alice.enrollment.status = EnrollmentStatus.CERTIFIED
    with pytest.raises(Conflict):
        artifacts.add_link_artifact(
            session, alice.portfolio(session), url="https://a.example/", caption="Late"
        )


@pytest.mark.filterwarnings("ignore:DELETE statement on table 'artifact' expected")
def test_removing_an_artifact_another_request_just_removed_is_harmless(session, alice):
    entry = alice.entry(session, "S1-1")
    artifact = artifacts.add_link_artifact(
        session,
        alice.portfolio(session),
        url="https://a.example/",
        caption="Twice",
        competency_ids=[entry.competency_id],
    )
    artifact_id = artifact.id
    session.execute(text("DELETE FROM entry_artifact WHERE artifact_id = :id"), {"id": artifact_id})
    session.execute(text("DELETE FROM artifact WHERE id = :id"), {"id": artifact_id})
    artifacts.remove_artifact(session, artifact)  # no database error reaches the candidate
    session.expire_all()
    assert session.get(Artifact, artifact_id) is None


def test_attaching_an_artifact_another_request_just_attached_is_a_conflict(session, alice):
    one, two = (alice.entry(session, code) for code in ("S1-1", "S1-2"))
    artifact = artifacts.add_link_artifact(
        session,
        alice.portfolio(session),
        url="https://a.example/",
        caption="Shared",
        competency_ids=[one.competency_id],
    )
    session.execute(
        text("INSERT INTO entry_artifact (entry_id, artifact_id) VALUES (:entry, :artifact)"),
        {"entry": two.id, "artifact": artifact.id},
    )
    with pytest.raises(Conflict):
        artifacts.link_artifact(session, artifact, [two.competency_id], actor=None)


def test_choosing_the_portfolio_route_makes_the_portfolio_and_its_entries(session, framework):
    from portfolio.services.enrollment.enroll import choose_route

    candidate = enroll(session, framework, "erin@example.org", route=Route.UNDECIDED)
    assert portfolios.find_portfolio(session, candidate.enrollment) is None
    choose_route(session, candidate.sets[1], route="course", actor=candidate.user)
    assert portfolios.find_portfolio(session, candidate.enrollment) is None
    choose_route(session, candidate.sets[0], route="portfolio", actor=candidate.user)
    portfolio = portfolios.find_portfolio(session, candidate.enrollment)
    assert portfolio is not None and codes(portfolio.entries) == ["S1-1", "S1-2"]
