"""The cohorts page's charts: the funnel from application to certificate per intake, the days
to certification and the certified share over time, each an SVG image named by its text
summary, with its numbers in a table."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from portfolio.domain.reporting.funnel import Applicant, day_histogram, funnel
from portfolio.models import Application, Enrollment
from tests.integration.test_cohorts import signed_in_admin, two_programs
from tests.integration.test_course_checks import text_of


def submitted_ten_days_before_enrolling(session):
    for application, enrolled_on in session.execute(
        select(Application, Enrollment.enrolled_on).join(
            Enrollment, Enrollment.application_id == Application.id
        )
    ):
        moment = datetime.combine(enrolled_on - timedelta(days=10), datetime.min.time(), UTC)
        application.submitted_at = moment
    session.flush()


def test_the_funnel_days_and_share_charts(client, session):
    two_programs(session)
    submitted_ten_days_before_enrolling(session)
    signed_in_admin(client, session)
    response = client.get("/admin/cohorts?program=tstp")
    html = response.get_data(as_text=True)
    page = text_of(response)
    # tstp: five applications, all approved and enrolled; three with a set met; two certified.
    assert "Of 5 applications in all intakes, 5 enrolled and 2 were certified" in page
    for row in ("Applied 5", "Approved 5", "Enrolled 5", "1 set met 3", "2 sets met 0"):
        assert row in page
    assert "Certified 2" in page
    # Certified after 60 and 70 days.
    assert "0 to 90 days 2" in page and "More than 730 days 0" in page
    # Each chart is an image named by its summary.
    charts = re.findall(r'<svg role="img" aria-labelledby="([a-z]+)-summary"', html)
    assert charts == ["share", "days", "funnel"]
    for chart in charts:
        assert f'<figcaption id="{chart}-summary">' in html
    assert "oldest cohort first: 2025 Q4 67%, 2026 Q1 0%." in page


def test_a_program_with_nobody_draws_no_chart(client, session):
    signed_in_admin(client, session)
    html = client.get("/admin/cohorts").get_data(as_text=True)
    assert "<svg" not in html


def test_funnel_and_histogram_arithmetic():
    reached = Applicant(
        approved=True, enrolled=True, submitted_a_set=True, sets_met=6, certified=True
    )
    stopped = Applicant(
        approved=False, enrolled=False, submitted_a_set=False, sets_met=0, certified=False
    )
    stages = {stage.label: stage.count for stage in funnel([(reached, 2), (stopped, 3)])}
    assert stages["Applied"] == 5 and stages["Approved"] == 2 and stages["6 sets met"] == 2
    assert stages["Certified"] == 2
    bins = {b.label: b.count for b in day_histogram([0, 90, 91, 400, 800])}
    assert bins == {
        "0 to 90 days": 2,
        "91 to 180 days": 1,
        "181 to 365 days": 0,
        "366 to 730 days": 1,
        "More than 730 days": 1,
    }
