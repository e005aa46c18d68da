"""Provisional competencies (LSSCP's "To be confirmed" items) are shown but neither required
nor counted until an administrator confirms them (issue 13, section 1). Before, a Not met on
one failed a whole set."""

from __future__ import annotations

from sqlalchemy import select

from portfolio.models import (
    Assignment,
    AssignmentKind,
    AuditEvent,
    Competency,
    CompetencySet,
    Framework,
    FrameworkStatus,
    OutcomeStatus,
    Role,
    SetKind,
    SetOutcomeRecord,
)
from portfolio.services.portfolios import submissions
from portfolio.services.reviewing import assignments
from portfolio.web import clock
from tests.helpers import login_as, make_user, post_form
from tests.portfolio_fixtures import fill_set
from tests.review_fixtures import make_world, submit


def _provisional(session, competency):
    competency.provisional = True
    session.commit()


def test_a_not_met_on_a_provisional_competency_neither_fails_the_set_nor_asks_a_third_reviewer(
    client, session
):
    world = make_world(session, reviewers=3)
    c3 = next(c for c in world.competencies if c.code == "C3")
    _provisional(session, c3)
    world.submission.provisional_codes = ["C3"]  # sent while C3 was provisional
    assignments.assign_for_submission(session, world.submission, clock.today())
    first, second = session.scalars(
        select(Assignment)
        .where(Assignment.submission_id == world.submission.id)
        .order_by(Assignment.id)
    ).all()
    login_as(client, first.reviewer)
    screen = client.get(f"/review/assignments/{first.id}").get_data(as_text=True)
    assert "so your rating does not count toward the set" in screen
    submit(session, world, first, "met")
    submit(session, world, second, {"C1": "met", "C2": "met", "C3": "not_met"})
    session.commit()
    outcome = session.scalar(
        select(SetOutcomeRecord).where(SetOutcomeRecord.submission_id == world.submission.id)
    )
    assert outcome.status is OutcomeStatus.MET
    assert outcome.reasons["counts"]["total"] == 2
    assert outcome.reasons["competencies"]["C3"]["rule"] == "not_counted"
    third = session.scalar(select(Assignment).where(Assignment.kind == AssignmentKind.ADJUDICATION))
    assert third is None
    # The candidate's feedback says why C3 did not count.
    login_as(client, world.candidate)
    page = client.get(f"/me/outcomes/{world.submission.id}").get_data(as_text=True)
    assert "Provisional: it does not count toward the set until the program confirms it." in page


def test_a_set_submits_without_evidence_for_a_provisional_competency(client, session, signed_in):
    first_set = signed_in.sets[0]
    fill_set(session, signed_in, first_set)
    entry = signed_in.entry(session, "S1-2")
    entry.narrative = ""
    for artifact in list(entry.artifacts):
        entry.artifacts.remove(artifact)
    session.commit()
    problems = submissions.submission_problems(signed_in.portfolio(session), first_set)
    assert problems == ["S1-2 (Competency 1.2): add a narrative and at least one artifact"]

    _provisional(session, entry.competency)
    portfolio_page = client.get("/me/portfolio").get_data(as_text=True)
    assert "Optional (provisional)" in portfolio_page
    entry_page = client.get(f"/me/portfolio/entries/{entry.id}").get_data(as_text=True)
    assert "evidence for it is welcome but not required" in entry_page
    assert submissions.submission_problems(signed_in.portfolio(session), first_set) == []
    submission = submissions.submit_set(session, first_set, signed_in.user, clock.today())
    session.commit()
    assert submission.snapshot["set"]["code"] == "S1"


def test_an_administrator_confirms_a_provisional_competency_once_and_it_is_audited(
    client, session, signed_in
):
    entry = signed_in.entry(session, "S1-2")
    competency = entry.competency
    _provisional(session, competency)
    framework = competency.competency_set.framework
    url = f"/admin/frameworks/{framework.id}/competencies/{competency.id}/confirm"
    # A candidate cannot.
    assert post_form(client, url, {}, page="/me/portfolio").status_code == 403
    admin = make_user(session, "admin@example.org", roles=(Role.ADMINISTRATOR,))
    session.commit()
    login_as(client, admin)
    page = client.get(f"/admin/frameworks/{framework.id}/").get_data(as_text=True)
    assert "Confirm S1-2: it becomes required and counts toward the set" in page
    response = post_form(client, url, {}, page=f"/admin/frameworks/{framework.id}/")
    assert response.status_code == 302
    follow = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "S1-2 is confirmed: it is now required and counts toward its set." in follow
    session.expire_all()
    assert competency.provisional is False
    event = session.scalar(
        select(AuditEvent).where(AuditEvent.action == "framework.competency_confirmed")
    )
    assert event.details == {"slug": framework.slug, "version": framework.version, "code": "S1-2"}
    again = post_form(client, url, {}, page=f"/admin/frameworks/{framework.id}/")
    assert again.status_code == 409
    assert "S1-2 is already confirmed." in again.get_data(as_text=True)
    # Once confirmed, the candidate's set needs evidence for it again.
    problems = submissions.submission_problems(signed_in.portfolio(session), signed_in.sets[0])
    assert any(line.startswith("S1-2 ") for line in problems)


def test_a_draft_confirms_in_its_form_and_another_versions_competency_is_not_found(
    client, session, framework
):
    draft = Framework(slug="draft", version=1, name="Draft", status=FrameworkStatus.DRAFT, rules={})
    pending = Competency(code="D-1", title="To be confirmed", position=1, provisional=True)
    draft.sets.append(CompetencySet(code="D", name="Draft set", kind=SetKind.REQUIRED, position=1))
    draft.sets[0].competencies = [pending]
    session.add(draft)
    admin = make_user(session, "admin@example.org", roles=(Role.ADMINISTRATOR,))
    session.commit()
    login_as(client, admin)
    page = f"/admin/frameworks/{draft.id}/"
    own = post_form(
        client, f"/admin/frameworks/{draft.id}/competencies/{pending.id}/confirm", {}, page=page
    )
    assert own.status_code == 409
    assert "untick Provisional in the competency&#39;s form" in own.get_data(as_text=True)
    other = framework.sets[0].competencies[0]
    url = f"/admin/frameworks/{draft.id}/competencies/{other.id}/confirm"
    assert post_form(client, url, {}, page=page).status_code == 404


def test_confirming_a_competency_changes_no_set_already_sent(session):
    world = make_world(session, reviewers=2)
    c3 = next(c for c in world.competencies if c.code == "C3")
    world.submission.provisional_codes = ["C3"]  # sent while C3 was provisional
    session.commit()  # ... and confirmed since: the flag is off, the submission keeps its rule
    assert c3.provisional is False
    assignments.assign_for_submission(session, world.submission, clock.today())
    first, second = session.scalars(
        select(Assignment)
        .where(Assignment.submission_id == world.submission.id)
        .order_by(Assignment.id)
    ).all()
    submit(session, world, first, "met")
    submit(session, world, second, {"C1": "met", "C2": "met", "C3": "not_met"})
    outcome = session.scalar(
        select(SetOutcomeRecord).where(SetOutcomeRecord.submission_id == world.submission.id)
    )
    assert outcome.status is OutcomeStatus.MET
    assert outcome.reasons["competencies"]["C3"]["rule"] == "not_counted"


def test_a_submission_records_which_competencies_were_provisional(client, session, signed_in):
    fill_set(session, signed_in, signed_in.sets[0])
    _provisional(session, signed_in.entry(session, "S1-2").competency)
    submission = submissions.submit_set(session, signed_in.sets[0], signed_in.user, clock.today())
    session.commit()
    assert submission.provisional_codes == ["S1-2"]
