"""The public catalogue of approved courses: anyone may search it, filters narrow it, pages are
bounded, each course links to its provider's page, and bad filter values never make a 500."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest

from portfolio.models import CourseFormat, CourseVersionStatus
from portfolio.web import clock
from tests.completion_fixtures import enable_courses, make_course, make_provider
from tests.integration.test_review_queries import counting
from tests.review_fixtures import make_framework

TODAY = clock.today()


def text_of(response) -> str:
    page = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return re.sub(r"\s+", " ", html.unescape(page))


@pytest.fixture
def catalogue(session):
    framework = make_framework(session)
    enable_courses(session, framework)
    state, _ = make_provider(session)
    college, _ = make_provider(
        session, "Lakeside College", "lakeside-college", member_email="lc@example.org"
    )
    make_course(session, state, framework, title="Library Technology Basics")
    make_course(
        session,
        college,
        framework,
        set_code="OTHER",
        title="Serving Teens",
        format=CourseFormat.HYBRID,
        synchronous=True,
        approved_on=TODAY - timedelta(days=10),
    )
    make_course(session, state, framework, title="Draft Course", status=CourseVersionStatus.DRAFT)
    make_course(
        session, college, framework, title="Lapsed Course", approved_on=TODAY - timedelta(days=2000)
    )
    session.commit()
    return framework


def test_anyone_sees_the_approved_courses_with_links_to_their_providers(client, catalogue):
    response = client.get("/courses")
    assert response.status_code == 200
    page = text_of(response)
    assert "2 approved courses" in page
    assert "Library Technology Basics" in page and "Serving Teens" in page
    assert "Draft Course" not in page and "Lapsed Course" not in page
    body = response.get_data(as_text=True)
    assert 'href="/providers/state-library-academy"' in body
    assert 'href="/providers/lakeside-college"' in body


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("set=OTHER", "Serving Teens", "Library Technology Basics"),
        ("provider=state-library-academy", "Library Technology Basics", "Serving Teens"),
        ("format=hybrid", "Serving Teens", "Library Technology Basics"),
        ("synchronous=no", "Library Technology Basics", "Serving Teens"),
        ("q=teens", "Serving Teens", "Library Technology Basics"),
        (
            f"approved_from={(TODAY - timedelta(days=20)).isoformat()}",
            "Serving Teens",
            "Library Technology Basics",
        ),
        (
            f"approved_to={(TODAY - timedelta(days=20)).isoformat()}",
            "Library Technology Basics",
            "Serving Teens",
        ),
    ],
)
def test_each_filter_narrows_the_list(client, catalogue, query, shown, hidden):
    page = text_of(client.get(f"/courses?{query}"))
    assert "1 approved course " in page
    assert shown in page and hidden not in page


@pytest.mark.parametrize(
    "query",
    [
        "format=carrier-pigeon",
        "set=%3Cscript%3E",
        "synchronous=maybe",
        "approved_from=not-a-date",
        "approved_to=2026-02-30",
        "page=99999999999999",
        "per_page=1000000",
        "provider=bad%20slug!",
        "q=" + "x" * 5000,
        "q=%25%5F%5C",
    ],
)
def test_bad_filter_values_are_ignored_with_a_message_never_a_500(client, catalogue, query):
    response = client.get(f"/courses?{query}")
    assert response.status_code == 200
    page = text_of(response)
    if not query.startswith("q="):
        assert "Some filters were ignored" in page


def test_a_control_character_in_a_filter_is_a_clear_400(client, catalogue):
    response = client.get("/courses?provider=%00%01")
    assert response.status_code == 400


def test_pages_are_bounded_and_link_to_each_other(client, catalogue):
    page = text_of(client.get("/courses?per_page=1"))
    assert "Page 1 of 2." in page and "Next page" in page
    second = text_of(client.get("/courses?per_page=1&page=2"))
    assert "Page 2 of 2." in second and "Previous page" in second
    beyond = text_of(client.get("/courses?per_page=1&page=9"))
    assert "There are no courses on this page." in beyond


def test_the_catalogue_runs_the_same_queries_whatever_its_size(app, client, session, catalogue):
    with counting(app) as few:
        client.get("/courses")
    provider, _ = make_provider(session, "Big Provider", "big", member_email="big@example.org")
    for n in range(30):
        make_course(session, provider, catalogue, title=f"Course {n}")
    session.commit()
    with counting(app) as many:
        client.get("/courses")
    assert len(many) == len(few)
