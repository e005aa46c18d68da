"""Combining two reviews into a set's outcome, the third reviewer, closing, and the emails."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from portfolio.models import (
    Assignment,
    AssignmentKind,
    AssignmentStatus,
    OutcomeStatus,
    Role,
    SetOutcomeRecord,
    SubmissionStatus,
)
from portfolio.services.audit import events_for
from portfolio.services.reviewing import assignments, outcome_changes, outcomes
from portfolio.web import clock
from tests.helpers import login_as, make_user
from tests.review_fixtures import make_world, needing_an_elective, submit

TODAY = clock.today()


def world_in_review(session, reviewers=2, **kwargs):
    world = make_world(session, reviewers=reviewers, **kwargs)
    assignments.assign_for_submission(session, world.submission, TODAY)
    pair = session.scalars(
        select(Assignment)
        .where(Assignment.submission_id == world.submission.id)
        .order_by(Assignment.id)
    ).all()
    return world, pair


def outcome_row(session, world):
    return session.scalar(
        select(SetOutcomeRecord).where(SetOutcomeRecord.submission_id == world.submission.id)
    )


def test_two_met_reviews_make_the_set_met(session):
    world, (a, b) = world_in_review(session)
    submit(session, world, a, "met")
    assert outcome_row(session, world) is None  # nothing is decided on one review
    submit(session, world, b, "met")
    outcome = outcome_row(session, world)
    assert outcome.status is OutcomeStatus.MET
    assert outcome.reasons["counts"]["met"] == 3
    assert outcome.reasons["competencies"]["C1"]["rule"] == "agreement"
    assert world.enrollment_set.status == "met"
    assert world.submission.status is SubmissionStatus.MET
    actions = [e.action for e in events_for(session, "submission", world.submission.id)]
    assert "outcome.recorded" in actions


def test_met_with_partially_met_counts_as_met(session):
    world, (a, b) = world_in_review(session)
    submit(session, world, a, "met")
    submit(session, world, b, {"C1": "partially_met", "C2": "met", "C3": "met"})
    outcome = outcome_row(session, world)
    assert outcome.status is OutcomeStatus.MET
    assert outcome.reasons["competencies"]["C1"]["rule"] == "met_with_partial"


def test_a_second_call_after_the_outcome_changes_nothing(session):
    world, (a, b) = world_in_review(session)
    submit(session, world, a, "met")
    submit(session, world, b, "met")
    first = outcome_row(session, world)
    again = outcomes.on_review_submitted(session, world.submission, TODAY)
    assert again is first
    count = session.scalar(select(func.count()).select_from(SetOutcomeRecord))
    assert count == 1
    recorded = [
        e
        for e in events_for(session, "submission", world.submission.id)
        if e.action == "outcome.recorded"
    ]
    assert len(recorded) == 1


def test_not_met_against_met_goes_to_a_third_reviewer_for_that_competency_only(session):
    world, (a, b) = world_in_review(session, reviewers=3)
    submit(session, world, a, "met")
    submit(session, world, b, {"C1": "met", "C2": "not_met", "C3": "met"})
    outcome = outcome_row(session, world)
    assert outcome.status is OutcomeStatus.NEEDS_ADJUDICATION
    assert world.enrollment_set.status == "needs_adjudication"
    third = session.scalar(select(Assignment).where(Assignment.kind == AssignmentKind.ADJUDICATION))
    assert third is not None and third.reviewer_id not in {a.reviewer_id, b.reviewer_id}
    from portfolio.services.reviewing.scoring import scope

    assert [c.code for c in scope(session, third)] == ["C2"]
    submit(session, world, third, {"C2": "met"})
    outcome = outcome_row(session, world)
    assert outcome.status is OutcomeStatus.MET
    assert outcome.reasons["competencies"]["C2"]["rule"] == "adjudicated"
    assert outcome.reasons["competencies"]["C2"]["adjudicator_rating"] == "met"
    assert session.scalar(select(func.count()).select_from(SetOutcomeRecord)) == 1


def test_the_third_reviewer_sees_both_earlier_reviews_of_the_disputed_competency_only(
    client, session
):
    world, (a, b) = world_in_review(session, reviewers=3)
    submit(session, world, a, {"C1": "met", "C2": "met", "C3": "partially_met"})
    submit(session, world, b, {"C1": "met", "C2": "not_met", "C3": "met"})
    third = session.scalar(select(Assignment).where(Assignment.kind == AssignmentKind.ADJUDICATION))
    b_c2 = next(r for r in b.ratings if r.competency.code == "C2")
    b_c2_comment = b_c2.comment
    session.commit()
    login_as(client, third.reviewer)
    page = client.get(f"/review/assignments/{third.id}").get_data(as_text=True)
    assert "The first two reviews" in page
    assert "Not met." in page and b_c2_comment in page
    assert "Competency C2" in page
    assert "Competency C1" not in page and "Competency C3" not in page
    for reviewer in (a.reviewer, b.reviewer):
        assert reviewer.name not in page and reviewer.email not in page


def test_a_reviewer_never_sees_the_other_reviewers_ratings(client, session):
    world, (a, b) = world_in_review(session)
    submit(session, world, b, "not_met")  # with a comment on every competency
    marker = next(r.comment for r in b.ratings)
    session.commit()
    login_as(client, a.reviewer)
    page = client.get(f"/review/assignments/{a.id}").get_data(as_text=True)
    assert marker not in page and "The first two reviews" not in page
    assert "checked" not in page


def test_not_yet_met_leaves_a_resubmission_and_tells_the_candidate(session, mailbox):
    world, (a, b) = world_in_review(session)
    admin = make_user(session, "admin@example.org", roles=(Role.ADMINISTRATOR,))
    submit(session, world, a, "partially_met")
    submit(session, world, b, "partially_met")
    assert outcome_row(session, world).status is OutcomeStatus.NOT_YET_MET
    assert world.enrollment_set.status == "not_yet_met"
    session.commit()
    (to_candidate,) = [m for m in mailbox.to(world.candidate.email) if "Outcome" in m["Subject"]]
    assert to_candidate["Subject"] == "Outcome of your set Core skills: Not yet met"
    assert "resubmit this set once" in mailbox.body(to_candidate)
    # Each email links straight to the page it is about.
    submission_id = world.submission.id
    assert f"http://localhost/me/outcomes/{submission_id}" in mailbox.body(to_candidate)
    (to_admin,) = mailbox.to(admin.email)
    assert to_admin["Subject"] == f"Reviews complete: Core skills for {world.candidate.name}"
    assert f"http://localhost/admin/reviews/submissions/{submission_id}" in mailbox.body(to_admin)


def test_not_yet_met_after_the_last_resubmission_closes_the_set_with_the_reason(session):
    world, (a, b) = world_in_review(session)
    world.enrollment_set.resubmissions_used = 1
    submit(session, world, a, "not_met")
    submit(session, world, b, "not_met")
    outcome = outcome_row(session, world)
    assert outcome.status is OutcomeStatus.CLOSED_NOT_MET
    assert outcome.reasons["closed_reason"] == "The one resubmission allowed has been used."
    assert world.enrollment_set.status == "closed_not_met"


def test_a_closed_set_reads_the_same_on_the_admin_and_candidate_pages(client, session):
    # These pages used to say "Not met (closed)" and "needs adjudication"; the dashboard said
    # "closed as not met". Every page now takes the words from domain.lifecycle.
    world, (a, b) = world_in_review(session)
    world.enrollment_set.resubmissions_used = 1
    submit(session, world, a, "not_met")
    submit(session, world, b, "not_met")
    assert outcome_row(session, world).status is OutcomeStatus.CLOSED_NOT_MET
    admin = make_user(session, "admin@example.org", roles=(Role.ADMINISTRATOR,))
    session.commit()
    login_as(client, admin)
    page = client.get(f"/admin/reviews/submissions/{world.submission.id}").get_data(as_text=True)
    assert "<strong>Closed as not met</strong>" in page
    assert "Set status: closed as not met." in page
    login_as(client, world.candidate)
    outcomes_page = client.get("/me/outcomes").get_data(as_text=True)
    assert ">Closed as not met<" in outcomes_page
    outcome_page = client.get(f"/me/outcomes/{world.submission.id}").get_data(as_text=True)
    assert "Core skills: Closed as not met</h1>" in outcome_page
    for html in (page, outcomes_page, outcome_page):
        assert "Not met (closed)" not in html and "closed_not_met" not in html


def test_a_set_waiting_for_a_third_reviewer_says_so_on_the_admin_page(client, session):
    world, (a, b) = world_in_review(session, reviewers=3)
    submit(session, world, a, {"C1": "met", "C2": "met", "C3": "met"})
    submit(session, world, b, {"C1": "met", "C2": "not_met", "C3": "met"})
    assert outcome_row(session, world).status is OutcomeStatus.NEEDS_ADJUDICATION
    admin = make_user(session, "admin@example.org", roles=(Role.ADMINISTRATOR,))
    session.commit()
    login_as(client, admin)
    page = client.get(f"/admin/reviews/submissions/{world.submission.id}").get_data(as_text=True)
    assert "<strong>Waiting for a third reviewer</strong>" in page
    assert "Set status: waiting for a third reviewer." in page  # was "needs adjudication"


def test_sets_left_not_yet_met_past_the_window_are_closed(session, mailbox):
    world, (a, b) = world_in_review(session)
    submit(session, world, a, "not_met")
    submit(session, world, b, "not_met")
    assert outcome_changes.close_expired_sets(session, TODAY) == 0
    later = world.enrollment.window_ends_on + timedelta(days=1)
    assert outcome_changes.close_expired_sets(session, later) == 1
    outcome = outcome_row(session, world)
    assert outcome.status is OutcomeStatus.CLOSED_NOT_MET
    assert outcome.reasons["closed_reason"] == "The completion window has ended."
    assert world.enrollment_set.status == "closed_not_met"


def test_an_override_needs_a_reason_and_goes_into_the_history(session):
    world, (a, b) = world_in_review(session)
    needing_an_elective(session, world)
    admin = make_user(session, "admin@example.org", roles=(Role.ADMINISTRATOR,))
    submit(session, world, a, "met")
    submit(session, world, b, "met")
    outcome = outcome_row(session, world)
    import pytest

    from portfolio.domain.errors import InvalidInput

    with pytest.raises(InvalidInput):
        outcome_changes.override_outcome(
            session, outcome, actor=admin, status=OutcomeStatus.NOT_YET_MET, reason=" ", today=TODAY
        )
    assert outcome.status is OutcomeStatus.MET
    outcome_changes.override_outcome(
        session,
        outcome,
        actor=admin,
        status=OutcomeStatus.NOT_YET_MET,
        reason="Plagiarised artifact",
        today=TODAY,
    )
    assert (
        outcome.status is OutcomeStatus.NOT_YET_MET
        and outcome.override_reason == "Plagiarised artifact"
    )
    assert world.enrollment_set.status == "not_yet_met"
    (event,) = [
        e for e in outcomes.history(session, world.submission) if e.action == "outcome.overridden"
    ]
    assert event.details == {"from": "met", "to": "not_yet_met", "reason": "Plagiarised artifact"}
    assert event.actor_id == admin.id


def test_reopening_sends_the_set_back_to_its_reviewers(session):
    world, (a, b) = world_in_review(session)
    needing_an_elective(session, world)
    admin = make_user(session, "admin@example.org", roles=(Role.ADMINISTRATOR,))
    submit(session, world, a, "met")
    submit(session, world, b, "met")
    outcome_changes.reopen_outcome(
        session, outcome_row(session, world), actor=admin, reason="Wrong set reviewed", today=TODAY
    )
    assert outcome_row(session, world) is None
    assert world.enrollment_set.status == "in_review"
    assert {a.status, b.status} == {AssignmentStatus.ASSIGNED}
    submit(session, world, a, "partially_met")
    submit(session, world, b, "partially_met")
    assert outcome_row(session, world).status is OutcomeStatus.NOT_YET_MET
    actions = [e.action for e in outcomes.history(session, world.submission)]
    assert actions.count("outcome.recorded") == 2 and "outcome.reopened" in actions


def test_the_administrator_sees_the_evidence_and_each_reviewers_ratings_beside_the_outcome(
    client, session
):
    world, (a, b) = world_in_review(session)
    submit(session, world, a, "met")
    submit(session, world, b, {"C1": "met", "C2": "partially_met", "C3": "met"})
    admin = make_user(session, "admin@example.org", roles=(Role.ADMINISTRATOR,))
    session.commit()
    login_as(client, admin)
    page = client.get(f"/admin/reviews/submissions/{world.submission.id}").get_data(as_text=True)
    ratings = page.split('id="ratings"')[1].split("</table>")[0]
    assert a.reviewer.name in ratings and b.reviewer.name in ratings
    assert 'Partially met<br><span class="pre-line">Needs a concrete example.</span>' in ratings
    evidence = page.split('id="evidence"')[1]
    assert "I catalogued <strong>two hundred</strong> donated books." in evidence
