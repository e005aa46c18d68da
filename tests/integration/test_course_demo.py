"""The demo data's courses: a provider with two approved courses in the public catalogue, and
the demo candidate's TECH set met through that provider's roster."""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from portfolio.models import (
    CompletionSource,
    CompletionStatus,
    CourseCompletion,
    CourseStatus,
    CourseVersion,
    CourseVersionStatus,
    Provider,
    RosterImport,
)
from tests.helpers import login_as
from tests.integration.test_demo_portfolio import CANDIDATE, demo, user  # noqa: F401 - fixture


def text_of(response) -> str:
    page = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return re.sub(r"\s+", " ", html.unescape(page))


def test_the_demo_provider_has_two_approved_courses_in_the_catalogue(demo, client, session):  # noqa: F811
    provider = session.scalars(select(Provider)).one()
    versions = session.scalars(select(CourseVersion)).all()
    assert {v.status for v in versions} == {CourseVersionStatus.APPROVED}
    assert len(versions) == 2 and all(v.course.provider_id == provider.id for v in versions)
    page = text_of(client.get("/courses"))
    assert "2 approved courses" in page
    assert "Library Technology Basics" in page and "Reference Services Foundations" in page
    assert "provider@demo.example acts for State Library Academy" in demo.output


def test_the_demo_candidates_tech_set_is_met_through_the_roster(demo, client, session):  # noqa: F811
    completion = session.scalars(select(CourseCompletion)).one()
    assert completion.source is CompletionSource.PROVIDER_REPORT
    assert completion.status is CompletionStatus.VERIFIED
    assert completion.roster_import_id == session.scalars(select(RosterImport.id)).one()
    item = completion.enrollment_set
    assert item.competency_set.code == "TECH" and item.course_status is CourseStatus.VERIFIED
    login_as(client, user(session, CANDIDATE))
    electives = text_of(client.get(f"/me/enrollments/{item.enrollment_id}/electives"))
    course = "Course Library Technology Basics (State Library Academy): completed and verified."
    assert course in electives
