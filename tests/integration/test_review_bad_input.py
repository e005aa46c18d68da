"""Bad input the review pages must survive: each is refused with the right status and a message,
never a 500, and no saved rating is lost."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from portfolio.models import (
    Assignment,
    AssignmentStatus,
    Portfolio,
    PortfolioEntry,
    ReviewRating,
    Role,
    SetOutcomeRecord,
)
from portfolio.services.reviewing import assignments, scoring
from portfolio.web import clock
from tests.helpers import csrf_token, login_as, make_user
from tests.review_fixtures import make_reviewer, make_world, rate, submit

TODAY = clock.today()


def in_review(session, reviewers=2):
    world = make_world(session, reviewers=reviewers)
    assignments.assign_for_submission(session, world.submission, TODAY)
    pair = session.scalars(select(Assignment).order_by(Assignment.id)).all()
    session.commit()
    return world, pair


def url(assignment):
    return f"/review/assignments/{assignment.id}"


def post_ratings(
    client, world, assignment, levels, *, action="save", version=None, extra=None, comment="Why"
):
    data = {
        "csrf_token": csrf_token(client, "/review/"),
        "version": str(assignment.version if version is None else version),
        "overall_comment": "",
        "action": action,
    }
    for competency in world.competencies:
        if competency.code in levels:
            data[f"rating-{competency.id}"] = levels[competency.code]
            data[f"comment-{competency.id}"] = comment
    data.update(extra or {})
    return client.post(url(assignment), data=data)


def saved_levels(session, assignment):
    session.expire_all()
    rows = session.scalars(
        select(ReviewRating).where(ReviewRating.assignment_id == assignment.id)
    ).all()
    return {r.competency.code: r.level for r in rows}


def test_opening_an_assignment_that_is_not_yours_is_404(client, session):
    _world, (a, _b) = in_review(session)
    stranger = make_reviewer(session, "stranger@example.org")
    session.commit()
    login_as(client, stranger)
    response = client.get(url(a))
    assert response.status_code == 404
    assert "I grew a lot." not in response.get_data(as_text=True)


def test_opening_another_reviewers_draft_is_404(client, session):
    world, (a, b) = in_review(session)
    scoring.save_draft(
        session,
        b,
        reviewer=b.reviewer,
        version=b.version,
        ratings=rate(world, "not_met", comment="Bee private draft"),
        overall_comment="",
        today=TODAY,
    )
    session.commit()
    login_as(client, a.reviewer)
    for response in (client.get(url(b)), post_ratings(client, world, b, {"C1": "met"})):
        assert response.status_code == 404
        assert "Bee private draft" not in response.get_data(as_text=True)
    assert saved_levels(session, b) == {"C1": "not_met", "C2": "not_met", "C3": "not_met"}


def test_the_candidates_live_draft_is_never_shown_to_a_reviewer(client, session):
    world, (a, _b) = in_review(session)
    portfolio = Portfolio(
        enrollment_id=world.enrollment.id, learning_statement="LIVE statement edit"
    )
    entry = PortfolioEntry(
        competency_id=world.competencies[0].id, narrative="LIVE DRAFT after submitting"
    )
    portfolio.entries.append(entry)
    session.add(portfolio)
    session.commit()
    login_as(client, a.reviewer)
    page = client.get(url(a)).get_data(as_text=True)
    assert "LIVE" not in page and "I grew a lot." in page  # the frozen snapshot only
    assert client.get(f"/me/portfolio/entries/{entry.id}").status_code == 404
    assert client.get(f"/review/portfolios/{portfolio.id}").status_code == 404


def test_scoring_after_submitting_is_409(client, session):
    world, (a, _b) = in_review(session)
    submit(session, world, a, "met")
    session.commit()
    login_as(client, a.reviewer)
    response = post_ratings(client, world, a, {"C1": "not_met"})
    assert response.status_code == 409
    assert "A submitted review cannot change." in response.get_data(as_text=True)
    assert saved_levels(session, a)["C1"] == "met"


def test_scoring_after_reassignment_is_409(client, session):
    world, (a, _b) = in_review(session, reviewers=3)
    scoring.save_draft(
        session,
        a,
        reviewer=a.reviewer,
        version=a.version,
        ratings=rate(world, {"C1": "met"}),
        overall_comment="",
        today=TODAY,
    )
    version = a.version
    admin = make_user(session, "admin@example.org", roles=(Role.ADMINISTRATOR,))
    assignments.reassign(session, a, actor=admin, reason="Too slow", today=TODAY)
    session.commit()
    login_as(client, a.reviewer)
    response = post_ratings(client, world, a, {"C1": "not_met"}, version=version)
    assert response.status_code == 409
    assert "reassigned this review to another reviewer" in response.get_data(as_text=True)
    assert client.get(url(a)).status_code == 409  # the evidence is no longer theirs to read
    assert saved_levels(session, a) == {"C1": "met"}  # the draft stays on record


def test_scoring_after_the_due_date_was_moved_and_passed_is_409(client, session):
    world, (a, _b) = in_review(session)
    admin = make_user(session, "admin@example.org", roles=(Role.ADMINISTRATOR,))
    last_week = TODAY - timedelta(days=7)
    assignments.move_due_date(
        session,
        a,
        actor=admin,
        due_on=last_week + timedelta(days=1),
        reason="Reviewer leaving",
        today=last_week,
    )
    session.commit()
    login_as(client, a.reviewer)
    response = post_ratings(client, world, a, {"C1": "met"})
    assert response.status_code == 409
    assert "due date of this review was moved" in response.get_data(as_text=True)
    assert saved_levels(session, a) == {}


def test_a_tab_opened_before_the_due_date_moved_gets_409_naming_the_change(client, session):
    world, (a, _b) = in_review(session)
    stale = a.version
    admin = make_user(session, "admin@example.org", roles=(Role.ADMINISTRATOR,))
    assignments.move_due_date(
        session, a, actor=admin, due_on=TODAY + timedelta(days=3), reason="Hurry", today=TODAY
    )
    session.commit()
    login_as(client, a.reviewer)
    response = post_ratings(client, world, a, {"C1": "met"}, version=stale)
    assert response.status_code == 409
    assert "moved its due date to" in response.get_data(as_text=True)


def test_a_rating_value_not_in_the_rubric_is_422(client, session):
    world, (a, _b) = in_review(session)
    login_as(client, a.reviewer)
    response = post_ratings(client, world, a, {"C1": "excellent"})
    assert response.status_code == 422
    assert "not a level of this rubric" in response.get_data(as_text=True)
    assert saved_levels(session, a) == {}


def test_a_competency_from_another_set_is_422(client, session):
    world, (a, _b) = in_review(session)
    login_as(client, a.reviewer)
    foreign = world.other.competencies[0].id
    response = post_ratings(client, world, a, {"C1": "met"}, extra={f"rating-{foreign}": "met"})
    assert response.status_code == 422
    assert "not part of this review" in response.get_data(as_text=True)
    assert saved_levels(session, a) == {}


def test_a_competency_id_that_is_not_a_number_is_422(client, session):
    world, (a, _b) = in_review(session)
    login_as(client, a.reviewer)
    response = post_ratings(client, world, a, {}, extra={"rating-abc": "met"})
    assert response.status_code == 422


def test_a_missing_required_comment_is_422_on_submit(client, session):
    world, (a, _b) = in_review(session)
    login_as(client, a.reviewer)
    levels = {"C1": "met", "C2": "partially_met", "C3": "met"}
    response = post_ratings(client, world, a, levels, action="submit", comment="")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "a rating other than Met needs one" in page
    session.expire_all()
    assert a.status is AssignmentStatus.ASSIGNED


def test_a_missing_rating_is_422_on_submit(client, session):
    world, (a, _b) = in_review(session)
    login_as(client, a.reviewer)
    response = post_ratings(client, world, a, {"C1": "met"}, action="submit")
    assert response.status_code == 422
    assert "Choose a rating for C2" in response.get_data(as_text=True)


def test_submitting_lists_every_problem_at_once_each_beside_its_field(client, session):
    world, (a, _b) = in_review(session)
    login_as(client, a.reviewer)
    levels = {"C1": "not_met"}  # C1 needs a comment; C2 and C3 need a rating
    response = post_ratings(client, world, a, levels, action="submit", comment="")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    ids = {c.code: c.id for c in world.competencies}
    summary = page.split('id="error-summary"')[1].split("</div>")[0]
    assert f'href="#comment-{ids["C1"]}"' in summary
    assert f'href="#rating-{ids["C2"]}"' in summary and f'href="#rating-{ids["C3"]}"' in summary
    assert f'id="rating-{ids["C3"]}-error">Choose a rating for C3' in page
    assert f'id="comment-{ids["C1"]}-error">' in page
    session.expire_all()
    assert a.status is AssignmentStatus.ASSIGNED


def test_a_form_without_its_version_is_400(client, session):
    world, (a, _b) = in_review(session)
    login_as(client, a.reviewer)
    response = post_ratings(client, world, a, {"C1": "met"}, extra={"version": "x"})
    assert response.status_code == 400


def test_two_reviewers_submitting_one_after_the_other_compute_the_outcome_once(session):
    world, (a, b) = in_review(session)
    submit(session, world, a, "met")
    submit(session, world, b, "met")
    assert session.scalar(select(func.count()).select_from(SetOutcomeRecord)) == 1
    assert {a.status, b.status} == {AssignmentStatus.SUBMITTED}
    assert len(saved_levels(session, a)) == len(saved_levels(session, b)) == 3


def test_a_candidate_cannot_open_the_review_pages(client, session):
    world, (a, _b) = in_review(session)
    login_as(client, world.candidate)
    assert client.get("/review/").status_code == 403
    response = client.get(url(a))
    assert response.status_code == 403
    assert a.reviewer.name not in response.get_data(as_text=True)


def test_reviewers_are_never_shown_to_the_candidate(client, session):
    world, (a, b) = in_review(session)
    submit(session, world, a, "partially_met")
    submit(session, world, b, "partially_met")
    session.commit()
    login_as(client, world.candidate)
    for page_url in ("/me/outcomes", f"/me/outcomes/{world.submission.id}"):
        page = client.get(page_url).get_data(as_text=True)
        for reviewer in (a.reviewer, b.reviewer):
            assert reviewer.name not in page and reviewer.email not in page
            assert f"reviewer={reviewer.id}" not in page


def test_another_candidates_outcome_is_404(client, session):
    world, (a, b) = in_review(session)
    submit(session, world, a, "met")
    submit(session, world, b, "met")
    nosy = make_user(session, "nosy@example.org", roles=(Role.CANDIDATE,))
    session.commit()
    login_as(client, nosy)
    response = client.get(f"/me/outcomes/{world.submission.id}")
    assert response.status_code == 404
    assert "Core skills" not in response.get_data(as_text=True)
    assert "Core skills" not in client.get("/me/outcomes").get_data(as_text=True)


def test_an_administrator_cannot_hand_a_review_to_the_candidates_supervisor(client, session):
    from portfolio.models import SupervisorLink

    world, (a, _b) = in_review(session)
    boss = make_reviewer(session, "boss@example.org", capacity=9)
    session.add(
        SupervisorLink(candidate_id=world.candidate.id, email=boss.email, supervisor_id=boss.id)
    )
    admin = make_user(session, "admin@example.org", roles=(Role.ADMINISTRATOR,))
    session.commit()
    login_as(client, admin)
    target = f"/admin/reviews/assignments/{a.id}/reassign"
    token = csrf_token(client, f"/admin/reviews/assignments/{a.id}")
    response = client.post(
        target, data={"csrf_token": token, "reviewer": str(boss.id), "reason": "Faster"}
    )
    assert response.status_code == 422
    assert "supervises the candidate" in response.get_data(as_text=True)
    session.expire_all()
    assert a.status is AssignmentStatus.ASSIGNED
    assert boss.id not in set(session.scalars(select(Assignment.reviewer_id)))


def test_an_administrator_cannot_hand_a_review_to_the_candidate(client, session):
    world, (a, _b) = in_review(session)
    from tests.integration.test_review_assignment import make_reviewer_profile_for

    make_reviewer_profile_for(session, world.candidate)
    admin = make_user(session, "admin@example.org", roles=(Role.ADMINISTRATOR,))
    session.commit()
    login_as(client, admin)
    token = csrf_token(client, f"/admin/reviews/assignments/{a.id}")
    response = client.post(
        f"/admin/reviews/assignments/{a.id}/reassign",
        data={"csrf_token": token, "reviewer": str(world.candidate.id), "reason": "Why not"},
    )
    assert response.status_code == 422
    assert "is the candidate" in response.get_data(as_text=True)


def test_saving_or_declining_another_reviewers_assignment_is_404_and_changes_nothing(
    client, session
):
    _world, (a, _b) = in_review(session)
    stranger = make_reviewer(session, "stranger@example.org")
    session.commit()
    login_as(client, stranger)
    token = csrf_token(client, "/review/")
    draft = client.post(f"{url(a)}/draft", data={"csrf_token": token, "version": str(a.version)})
    assert draft.status_code == 404
    assert client.get(f"{url(a)}/decline").status_code == 404
    declined = client.post(
        f"{url(a)}/decline", data={"csrf_token": token, "reason": "Not mine, but let us try."}
    )
    assert declined.status_code == 404
    session.expire_all()
    assert a.status is AssignmentStatus.ASSIGNED and a.reviewer_id != stranger.id
