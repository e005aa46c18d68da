"""The at-risk list: open enrollments whose window ends within 6 months, or whose candidate
did nothing for 90 days, with what is missing; searched, filtered, paged, and the same number
of queries for few candidates or many."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from portfolio.domain.certification.evaluation import Route
from portfolio.domain.dates import format_date
from portfolio.domain.lifecycle import SetLifecycle
from portfolio.models import EnrollmentSet, EnrollmentStatus, Portfolio, PortfolioEntry, Role
from portfolio.web import clock
from tests.helpers import login_as, make_user
from tests.integration.test_course_checks import text_of
from tests.integration.test_review_queries import counting
from tests.review_fixtures import make_candidate, make_framework

TODAY = clock.today()


@pytest.fixture
def admin(client, session):
    user = make_user(session, "admin@example.org", name="Ada Admin", roles=(Role.ADMINISTRATOR,))
    login_as(client, user)
    return user


def candidate(session, framework, name, *, window_days=4 * 365, idle_days=1, status=None):
    email = name.lower().replace(" ", ".") + "@example.org"
    user, enrollment = make_candidate(session, framework, email=email, name=name)
    moment = datetime.combine(TODAY - timedelta(days=idle_days), datetime.min.time(), UTC)
    enrollment.created_at = moment
    user.last_sign_in_at = moment
    enrollment.window_ends_on = TODAY + timedelta(days=window_days)
    if status is not None:
        enrollment.status = status
    session.flush()
    return enrollment


def test_who_is_at_risk_and_why(client, session, admin):
    framework = make_framework(session)
    ending = candidate(session, framework, "Ending Soon", window_days=30)
    candidate(session, framework, "Idle Ivy", idle_days=100)
    candidate(session, framework, "Busy Bea")
    candidate(session, framework, "Done Dan", window_days=30, status=EnrollmentStatus.CERTIFIED)
    session.commit()
    page = text_of(client.get("/admin/at-risk"))
    assert "Showing 1 to 2 of 2 candidates at risk." in page
    assert f"Window ends on {format_date(ending.window_ends_on)} (30 days left)" in page
    idle_since = format_date(TODAY - timedelta(days=100))
    assert f"No activity since {idle_since}" in page
    assert "Busy Bea" not in page and "Done Dan" not in page
    assert page.index("Ending Soon") < page.index("Idle Ivy")  # the window that ends first
    window_only = text_of(client.get("/admin/at-risk?why=window"))
    assert "Ending Soon" in window_only and "Idle Ivy" not in window_only
    found = text_of(client.get("/admin/at-risk?q=ivy"))
    assert "Idle Ivy" in found and "Ending Soon" not in found


def test_narratives_count_as_activity_and_the_rule_says_what_is_missing(client, session, admin):
    framework = make_framework(session)
    core = framework.sets[0]

    def moment(days_ago):
        return datetime.combine(TODAY - timedelta(days=days_ago), datetime.min.time(), UTC)

    def writing(enrollment, *days_ago):
        """A portfolio last saved 100 days ago, with a narrative saved `days_ago` each."""
        portfolio = Portfolio(enrollment_id=enrollment.id)
        portfolio.entries = [PortfolioEntry(competency_id=c.id) for c in core.competencies]
        session.add(portfolio)
        session.flush()
        stamps = [(Portfolio, portfolio.id, 100)]
        stamps += [
            (PortfolioEntry, entry.id, days)
            for entry, days in zip(portfolio.entries, days_ago, strict=False)
        ]
        for model, row_id, days in stamps:  # past the models' onupdate
            session.execute(update(model).where(model.id == row_id).values(updated_at=moment(days)))

    writing(candidate(session, framework, "Writer Wes", idle_days=100), 120, 5, 150)
    quinn = candidate(session, framework, "Quiet Quinn", idle_days=100)
    writing(quinn, 110, 95, 130)
    session.add(EnrollmentSet(enrollment=quinn, set_id=core.id, status=SetLifecycle.DRAFT))
    meg = candidate(session, framework, "Met Meg", window_days=30)
    session.add(
        EnrollmentSet(
            enrollment=meg, set_id=core.id, route=Route.PORTFOLIO, status=SetLifecycle.MET
        )
    )
    session.commit()
    page = text_of(client.get("/admin/at-risk"))
    assert "Showing 1 to 2 of 2 candidates at risk." in page
    assert "Writer Wes" not in page  # wrote a narrative five days ago
    at_quinn, at_meg = page.index("Quiet Quinn"), page.index("Met Meg")
    assert at_meg < at_quinn  # the window that ends first
    assert f"No activity since {format_date(TODAY - timedelta(days=95))}" in page[at_quinn:]
    assert "Still to be met: required set Core skills (CORE)." in page[at_quinn:]
    assert "Every requirement is met." in page[at_meg:at_quinn]
    by_activity = text_of(client.get("/admin/at-risk?sort=activity&order=desc"))
    assert by_activity.index("Met Meg") < by_activity.index("Quiet Quinn")  # active yesterday
    by_activity = text_of(client.get("/admin/at-risk?sort=activity&order=asc"))
    assert by_activity.index("Quiet Quinn") < by_activity.index("Met Meg")


def test_the_list_needs_the_same_queries_for_few_and_many(app, client, session, admin):
    framework = make_framework(session)
    candidate(session, framework, "First Late", window_days=10)
    session.commit()
    with counting(app) as few:
        assert "Showing 1 to 1 of 1 candidate at risk." in text_of(client.get("/admin/at-risk"))
    for n in range(15):
        candidate(session, framework, f"Late {n}", window_days=20 + n)
    session.commit()
    with counting(app) as many:
        page = text_of(client.get("/admin/at-risk?per_page=100"))
    assert "Showing 1 to 16 of 16 candidates at risk." in page
    assert len(many) == len(few)


def test_pages_count_the_whole_list_and_one_past_the_end_shows_the_last(client, session, admin):
    """The total comes with the page's rows (one query): the second page still says how many
    there are in all, a page past the end shows the last one, and no one at risk is 0."""
    framework = make_framework(session)
    assert "No candidates at risk." in text_of(client.get("/admin/at-risk"))
    for n in range(30):
        candidate(session, framework, f"Late {n:02d}", window_days=20 + n)
    session.commit()
    second = text_of(client.get("/admin/at-risk?page=2"))
    assert "Showing 26 to 30 of 30 candidates at risk." in second
    assert "Late 25" in second and "Late 24" not in second
    past = text_of(client.get("/admin/at-risk?page=9"))
    assert "Showing 26 to 30 of 30 candidates at risk." in past and "Late 29" in past


@pytest.mark.parametrize("query", ["why=everyone", "sort=salary", "per_page=0"])
def test_what_the_list_does_not_offer_is_a_400(client, admin, query):
    assert client.get(f"/admin/at-risk?{query}").status_code == 400


def test_only_administrators_see_it(client, session):
    login_as(client, make_user(session, "rev@example.org", roles=(Role.REVIEWER,)))
    assert client.get("/admin/at-risk").status_code == 403
