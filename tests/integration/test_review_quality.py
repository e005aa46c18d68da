"""The quality of judgement page: agreement per set and reviewer, over a chosen period."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import delete, select

from portfolio.domain.lifecycle import SetLifecycle
from portfolio.domain.reviewing.tallies import COUNTERS
from portfolio.models import (
    Assignment,
    EnrollmentSet,
    ReviewerReviewTally,
    Role,
    Route,
    SetOutcomeRecord,
    SetReviewTally,
)
from portfolio.services.reviewing import assignments, outcome_changes
from portfolio.services.reviewing import tallies as review_tallies
from portfolio.web import clock
from tests.helpers import login_as, make_user
from tests.integration.test_review_queries import counting
from tests.review_fixtures import (
    make_candidate,
    make_submission,
    make_world,
    needing_an_elective,
    submit,
)

URL = "/admin/reviews/quality"


def _review_pair(session, world, submission, first, second):
    assignments.assign_for_submission(session, submission, clock.today())
    pair = session.scalars(
        select(Assignment).where(Assignment.submission_id == submission.id).order_by(Assignment.id)
    ).all()
    submit(session, world, pair[0], first)
    submit(session, world, pair[1], second)


def _more(session, world, n, first, second, start=0):
    for i in range(start, start + n):
        _candidate, enrollment = make_candidate(
            session, world.framework, email=f"c{i}@example.org", library=f"Library {i}"
        )
        enrollment_set = EnrollmentSet(
            enrollment=enrollment,
            set_id=world.core.id,
            route=Route.PORTFOLIO,
            status=SetLifecycle.SUBMITTED,
        )
        session.add(enrollment_set)
        session.flush()
        _review_pair(session, world, make_submission(session, enrollment_set), first, second)


def _admin(session, client):
    admin = make_user(session, "admin@example.org", roles=(Role.ADMINISTRATOR,))
    session.commit()
    login_as(client, admin)
    return admin


def test_the_page_shows_counts_ratings_disagreement_and_agreement(client, session):
    world = make_world(session, reviewers=2)
    _review_pair(session, world, world.submission, "met", "met")
    _more(session, world, 1, {"C1": "met", "C2": "partially_met", "C3": "not_met"}, "met")
    _more(session, world, 1, "not_met", "not_met", start=5)
    _admin(session, client)
    page = client.get(URL).get_data(as_text=True)
    assert "Core skills" in page and "Reviewer Person1" in page and "Reviewer Person2" in page
    # 3 reviews each; 9 paired ratings of which 2 differ (22%).
    assert "<td>3</td>" in page
    assert "22% of 9" in page
    assert "Weighted kappa" in page and "0." in page


def test_low_agreement_is_flagged_and_too_little_data_says_why(client, session):
    world = make_world(session, reviewers=2)
    _review_pair(session, world, world.submission, "met", "not_met")
    _admin(session, client)
    page = client.get(URL).get_data(as_text=True)
    # Met against Not met everywhere: one category each side, alpha far below the threshold.
    assert "Low agreement" in page
    assert "100% of 3" in page
    assert "alpha is -0.67 over 3 competencies rated twice or more, below 0.667" in page
    assert "3 / 0 / 3" in page  # the set's ratings: Met / Partially met / Not met


def test_a_single_review_gives_no_agreement_and_says_why(client, session):
    world = make_world(session, reviewers=2)
    assignments.assign_for_submission(session, world.submission, clock.today())
    first = session.scalars(select(Assignment).order_by(Assignment.id)).first()
    submit(session, world, first, "met")
    _admin(session, client)
    page = client.get(URL).get_data(as_text=True)
    assert "None: Needs at least 2 paired ratings; there are 0." in page
    assert "Low agreement" not in page


def test_a_period_before_any_review_shows_nothing(client, session):
    world = make_world(session, reviewers=2)
    _review_pair(session, world, world.submission, "met", "met")
    _admin(session, client)
    old = clock.today().replace(day=1) - timedelta(days=800)
    response = client.get(f"{URL}?starts_on={old:%Y-%m}&ends_on={old:%Y-%m}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f"Reviews submitted from {old:%B %Y} to {old:%B %Y}" in page
    assert "No review was submitted in this period." in page


def test_the_default_period_is_the_last_twelve_months(client, session):
    _admin(session, client)
    page = client.get(URL).get_data(as_text=True)
    this_month = clock.today().replace(day=1)
    eleven_back = this_month.year * 12 + this_month.month - 1 - 11
    first = date(eleven_back // 12, eleven_back % 12 + 1, 1)
    assert f"Reviews submitted from {first:%B %Y} to {this_month:%B %Y}" in page


def test_an_unreadable_month_is_a_field_error(client, session):
    _admin(session, client)
    response = client.get(f"{URL}?starts_on=2024-13")
    assert response.status_code == 422
    assert "Not a valid date value" in response.get_data(as_text=True)


def test_a_period_that_runs_backwards_is_a_field_error(client, session):
    _admin(session, client)
    response = client.get(f"{URL}?starts_on=2025-06&ends_on=2025-01")
    assert response.status_code == 422
    assert "The first month must be on or before the last." in response.get_data(as_text=True)


def test_a_month_at_the_edge_of_the_calendar_is_a_field_error(client, session):
    _admin(session, client)
    response = client.get(f"{URL}?ends_on=9999-12")
    assert response.status_code == 422
    assert "Choose a month from 1900 to 2999." in response.get_data(as_text=True)


def test_a_reviewer_cannot_open_the_quality_page(client, session):
    world = make_world(session, reviewers=1)
    session.commit()
    login_as(client, world.reviewers[0])
    assert client.get(URL).status_code == 403


def test_the_page_costs_the_same_number_of_queries_at_any_size(app, client, session):
    world = make_world(session, reviewers=2)
    _review_pair(session, world, world.submission, "met", "partially_met")
    _admin(session, client)
    client.get(URL)
    with counting(app) as few:
        small = client.get(URL).get_data(as_text=True)
    _more(session, world, 6, "met", {"C1": "not_met", "C2": "met", "C3": "met"})
    session.commit()
    with counting(app) as many:
        large = client.get(URL).get_data(as_text=True)
    assert "of 3</td>" in small and "of 21</td>" in large
    assert len(many) == len(few) <= 4  # per set, per reviewer, per month; the unread count


def _tallies(session):
    """Every tally row as (subject, month, nonzero counters), per table."""
    return {
        model.__tablename__: sorted(
            (
                getattr(row, column),
                row.month,
                {name: getattr(row, name) for name in COUNTERS if getattr(row, name)},
            )
            for row in session.scalars(select(model))
        )
        for model, column in ((SetReviewTally, "set_id"), (ReviewerReviewTally, "reviewer_id"))
    }


def test_a_reopened_outcome_takes_its_reviews_out_until_they_are_submitted_again(
    app, client, session
):
    world = needing_an_elective(session, make_world(session, reviewers=2))
    _review_pair(session, world, world.submission, "met", "partially_met")
    _more(session, world, 1, "met", "met")
    admin = _admin(session, client)
    page = client.get(URL).get_data(as_text=True)
    assert "9 / 3 / 0" in page and "50% of 6" in page

    outcome = session.scalar(
        select(SetOutcomeRecord).where(SetOutcomeRecord.submission_id == world.submission.id)
    )
    outcome_changes.reopen_outcome(
        session,
        outcome,
        actor=admin,
        reason="A rating was entered by mistake.",
        today=clock.today(),
    )
    session.commit()
    page = client.get(URL).get_data(as_text=True)
    # Only the met/met submission is left: its 6 ratings and 3 pairs, 1 review per reviewer.
    assert "6 / 0 / 0" in page and "0% of 3" in page and "9 / 3 / 0" not in page
    assert page.count("<td>1</td>") == 2 and "<td>2</td>" in page  # each reviewer 1, the set 2

    reopened = session.scalars(
        select(Assignment)
        .where(Assignment.submission_id == world.submission.id)
        .order_by(Assignment.id)
    ).all()
    submit(session, world, reopened[0], "met")
    submit(session, world, reopened[1], "partially_met")
    session.commit()
    live = _tallies(session)
    review_tallies.rebuild(session)
    assert _tallies(session) == live  # the running tallies never drift from the reviews


def test_retally_rebuilds_the_tallies_from_the_reviews(app, client, session):
    world = make_world(session, reviewers=2)
    _review_pair(session, world, world.submission, "met", "partially_met")
    session.commit()
    expected = _tallies(session)
    assert expected["set_tally"]
    session.execute(delete(SetReviewTally))
    session.execute(delete(ReviewerReviewTally))
    session.commit()
    result = app.test_cli_runner().invoke(args=["reviews", "retally"])
    assert result.exit_code == 0, result.output
    assert "Rebuilt the review tallies" in result.output
    assert _tallies(session) == expected


def test_the_charts_show_agreement_by_month_the_rating_mix_and_workload(client, session):
    world = make_world(session, reviewers=2)
    _review_pair(session, world, world.submission, "met", "partially_met")
    _admin(session, client)
    html = client.get(URL).get_data(as_text=True)
    charts = re.findall(r'<svg role="img" aria-labelledby="([a-z]+)-summary"', html)
    assert charts == ["agreement", "ratings", "workload"]
    for chart in charts:
        assert f'<figcaption id="{chart}-summary">' in html
    # One pair of reviews: three ratings Met by one reviewer, three Partially met by the other.
    assert "counted 3, 3, 0." in html
    assert "Agreement month by month over every set" in html
